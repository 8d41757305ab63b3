package sim_test

// Zeebe's startup rules for the journal (§2.5), on segment files built by hand with the golden
// builders of golden_test.go: what zeebe.Journal.Check, which the simulator runs at every
// start, must refuse and what it must repair.

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

const gJournal = "raft-partition-partition-1"

// gSegmentFile writes segment file fileID of a hand-built journal: a schema-2 descriptor, an
// entry per index (an initial entry of term 1 each), then zeros up to size. It returns the path
// and the offset of each entry.
func gSegmentFile(t *testing.T, dir string, fileID int64, first uint64, indexes []uint64, size int) (string, []int) {
	t.Helper()
	b := gDescriptor(2, fileID, int64(first), int32(size), 0, 0)
	var offsets []int
	for _, index := range indexes {
		offsets = append(offsets, len(b))
		b = append(b, gEntry(2, index, -1, gInitialEntry(3, 1))...)
	}
	if len(b) > size {
		t.Fatalf("test builder: %d bytes do not fit in a segment of %d", len(b), size)
	}
	b = append(b, make([]byte, size-len(b))...)
	path := filepath.Join(dir, gJournal+"-"+strconv.FormatInt(fileID, 10)+".log")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, offsets
}

// gZeroSegment writes an all-zero segment file: one prepared ahead and never used (§2.2).
func gZeroSegment(t *testing.T, dir string, fileID int64, size int) string {
	t.Helper()
	path := filepath.Join(dir, gJournal+"-"+strconv.FormatInt(fileID, 10)+".log")
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gCheck(t *testing.T, dir string, flushed uint64) (*zeebe.Journal, zeebe.Repair, error) {
	t.Helper()
	j, err := zeebe.ReadJournal(dir, gJournal)
	if err != nil {
		t.Fatal(err)
	}
	r, err := j.Check(flushed)
	return j, r, err
}

// §2.5 step 5: an intact entry (checksum fine) whose index is not the next one raises
// InvalidIndex, which nothing catches: startup fails, wherever the entry is and whatever was
// flushed. A torn entry at the same place, after the flushed index, is a partial write that
// Zeebe cuts.
func TestStartupInvalidIndexIsNotATornTail(t *testing.T) {
	for _, flushed := range []uint64{zeebe.NullIndex, 1, 2} {
		dir := t.TempDir()
		// Entries 1, 2, then an intact entry that says 7 where 3 belongs.
		path, offsets := gSegmentFile(t, dir, 1, 1, []uint64{1, 2, 7}, 4096)
		_, r, err := gCheck(t, dir, flushed)
		var ii *zeebe.InvalidIndexError
		if !errors.As(err, &ii) {
			t.Fatalf("flushed %d: Check = %+v, %v; want an *InvalidIndexError", flushed, r, err)
		}
		if ii.Index != 7 || ii.Want != 3 || ii.Offset != offsets[2] || ii.File != path {
			t.Errorf("flushed %d: InvalidIndexError %+v; want index 7, want 3, offset %d, file %s", flushed, ii, offsets[2], path)
		}

		// The same entry with its index right but its checksum broken: a torn tail after
		// the flushed index, cut at its frame byte.
		b, _ := os.ReadFile(path)
		gLE.PutUint64(b[offsets[2]+29:], 3)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, r, err = gCheck(t, dir, flushed)
		if err != nil || r.TruncateFile != path || r.TruncateAt != offsets[2] || len(r.DeleteFrom) != 0 {
			t.Errorf("flushed %d, torn entry 3: Check = %+v, %v; want a truncation of %s at %d", flushed, r, err, path, offsets[2])
		}
	}

	// ScanEntries tells the two apart: a wrong first index is InvalidIndex, not a torn entry.
	seg := gDescriptor(2, 1, 5, 4096, 0, 0)
	seg = append(seg, gEntry(2, 6, -1, gInitialEntry(3, 1))...)
	seg = append(seg, make([]byte, 64)...)
	d, err := zeebe.ParseDescriptor(seg)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := zeebe.ScanEntries(seg, d, 5)
	var ii *zeebe.InvalidIndexError
	var torn *zeebe.EntryError
	if len(entries) != 0 || !errors.As(err, &ii) || errors.As(err, &torn) || ii.Index != 6 || ii.Want != 5 || ii.Offset != 57 {
		t.Errorf("ScanEntries of a segment starting at 5 whose first entry says 6: %d entries, %v", len(entries), err)
	}
}

// §2.5 steps 4 and 7: an all-zero segment at startup fails the descriptor check; Zeebe deletes
// it and every later one when no flushed entry can be in them, and refuses otherwise.
func TestStartupDeletesLeftoverPreparedSegment(t *testing.T) {
	t.Run("prepared last segment", func(t *testing.T) {
		dir := t.TempDir()
		gSegmentFile(t, dir, 1, 1, []uint64{1, 2, 3}, 4096)
		zero := gZeroSegment(t, dir, 2, 4096)
		for _, flushed := range []uint64{zeebe.NullIndex, 2, 3} {
			j, r, err := gCheck(t, dir, flushed)
			if err != nil || !slices.Equal(r.DeleteFrom, []string{zero}) || r.TruncateFile != "" {
				t.Errorf("flushed %d: Check = %+v, %v; want the deletion of %s", flushed, r, err, zero)
			}
			if !r.OnlyPrepared(j) {
				t.Errorf("flushed %d: OnlyPrepared = false for %+v", flushed, r)
			}
		}
		if _, r, err := gCheck(t, dir, 4); err == nil {
			t.Errorf("flushed 4 with entries up to 3: Check = %+v, want a refusal", r)
		}
	})
	t.Run("prepared segment before a used one", func(t *testing.T) {
		dir := t.TempDir()
		gSegmentFile(t, dir, 1, 1, []uint64{1, 2, 3}, 4096)
		zero := gZeroSegment(t, dir, 2, 4096)
		third, _ := gSegmentFile(t, dir, 3, 4, []uint64{4, 5}, 4096)
		j, r, err := gCheck(t, dir, 3)
		if err != nil || !slices.Equal(r.DeleteFrom, []string{zero, third}) {
			t.Errorf("flushed 3: Check = %+v, %v; want the deletion of %s and %s", r, err, zero, third)
		}
		if r.OnlyPrepared(j) {
			t.Errorf("OnlyPrepared = true for a repair that drops entries 4 and 5")
		}
		var ce *zeebe.CorruptionError
		if _, r, err := gCheck(t, dir, 5); !errors.As(err, &ce) || ce.File != zero {
			t.Errorf("flushed 5: Check = %+v, %v; want a refusal naming %s", r, err, zero)
		}
	})
	t.Run("torn tail before the prepared segment", func(t *testing.T) {
		dir := t.TempDir()
		path, offsets := gSegmentFile(t, dir, 1, 1, []uint64{1, 2, 3}, 4096)
		b, _ := os.ReadFile(path)
		b[offsets[2]+50] ^= 0xff // entry 3's payload: its checksum no longer matches
		os.WriteFile(path, b, 0o644)
		zero := gZeroSegment(t, dir, 2, 4096)
		_, r, err := gCheck(t, dir, 2)
		if err != nil || r.TruncateFile != path || r.TruncateAt != offsets[2] || !slices.Equal(r.DeleteFrom, []string{zero}) {
			t.Errorf("Check = %+v, %v; want entry 3 cut and %s deleted", r, err, zero)
		}
	})
}
