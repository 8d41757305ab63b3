package check

import (
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Journal rules on hand-made segments (§2.2-§2.6), fed as files of partition 1.

const pdir = "raft-partition/partitions/1/"

type file struct {
	name string
	data []byte
}

func run(t *testing.T, files ...file) *Report {
	t.Helper()
	c := New(Options{NodeID: 0})
	for _, f := range files {
		w := c.File(pdir+f.name, int64(len(f.data)))
		if w != nil {
			w.Write(f.data)
			w.Close()
		}
	}
	return c.Finish()
}

// only expects exactly one finding with the id and severity, besides those about the files
// these tests leave out (.meta, .topology.meta).
func only(t *testing.T, rep *Report, sev Severity, id string) Finding {
	t.Helper()
	fs := slices.DeleteFunc(slices.Clone(rep.Findings), func(f Finding) bool {
		return f.Check == "meta.missing" || f.Check == "layout.topology-missing"
	})
	if len(fs) != 1 || fs[0].Severity != sev || fs[0].Check != id {
		t.Fatalf("want one %s %s, got %+v", sev, id, fs)
	}
	return fs[0]
}

var l88, _ = zeebe.LayoutOf(zeebe.MustVersion("8.8.2"))

func appEntry(index uint64, asqn int64) []byte {
	app := sim.EncodeLoggedEvent(l88, asqn, -1, asqn, 1, l88.Version, []byte{0x80})
	return sim.EncodeEntry(l88, index, asqn, sim.EncodeApplicationEntry(l88, 1, asqn, asqn, app))
}

// segment is a 4 KiB segment with file id and first index.
func segment(id int64, first uint64, entries ...[]byte) []byte {
	b := make([]byte, 4096)
	p := copy(b, sim.EncodeDescriptor(l88, id, int64(first), 4096, 0, 0))
	for _, e := range entries {
		p += copy(b[p:], e)
	}
	return b
}

func segName(id int) string { return "raft-partition-partition-1-" + string(rune('0'+id)) + ".log" }

// An all-zero segment before others: Zeebe deletes it and every later one when no flushed entry
// is in them (a warning naming the entries lost), and refuses the journal otherwise.
func TestPreparedSegmentNotLast(t *testing.T) {
	files := []file{
		{segName(1), segment(1, 1, appEntry(1, 1))},
		{segName(2), make([]byte, 4096)},
		{segName(3), segment(3, 2, appEntry(2, 2), appEntry(3, 3))},
	}
	f := only(t, run(t, files...), Warning, "journal.prepared")
	if f.File != pdir+segName(2) || !strings.Contains(f.Message, "deletes it and the 1 segment(s) after it") || !strings.Contains(f.Message, "entries 2 to 3") {
		t.Errorf("finding %+v", f)
	}
	meta := file{"raft-partition-partition-1.meta", sim.EncodeMeta(l88, 1, 1, 1, "0")}
	rep := run(t, append(files, meta)...)
	only(t, rep, Warning, "journal.prepared")
	if p := rep.Partitions[0]; p.LastIndex != 1 || len(p.Entries) != 1 {
		t.Errorf("the journal Zeebe keeps ends at index 1, the report says %d (%d entries)", p.LastIndex, len(p.Entries))
	}
	meta.data = sim.EncodeMeta(l88, 1, 3, 3, "0")
	only(t, run(t, append(files, meta)...), Error, "journal.prepared")
}

// A corrupt entry in a segment that is not the last: Zeebe ends the segment there, finds the
// gap to the next one, and deletes the later segments when no flushed entry is at or after the
// corrupt one (a warning naming the entries lost); otherwise it refuses the journal.
func TestCorruptEntryNotInLastSegment(t *testing.T) {
	bad := appEntry(2, 2)
	bad[len(bad)-1] ^= 1
	files := []file{
		{segName(1), segment(1, 1, appEntry(1, 1), bad, appEntry(3, 3))},
		{segName(2), segment(2, 4, appEntry(4, 4), appEntry(5, 5))},
	}
	meta := file{"raft-partition-partition-1.meta", sim.EncodeMeta(l88, 1, 1, 1, "0")}
	rep := run(t, append(files, meta)...)
	f := only(t, rep, Warning, "journal.checksum")
	if !strings.Contains(f.Message, "losing entries 2 to 5") || f.Offset == nil || *f.Offset != int64(57+len(appEntry(1, 1))) {
		t.Errorf("finding %+v", f)
	}
	if p := rep.Partitions[0]; p.LastIndex != 1 {
		t.Errorf("the journal Zeebe keeps ends at index 1, the report says %d", p.LastIndex)
	}
	meta.data = sim.EncodeMeta(l88, 1, 4, 4, "0")
	only(t, run(t, append(files, meta)...), Error, "journal.checksum")
	// Bytes after a segment's last entry that are not an entry, and the next segment goes on:
	// Zeebe ends the segment there and loses nothing, whatever was flushed.
	junk := segment(1, 1, appEntry(1, 1), appEntry(2, 2), bad[:40])
	meta.data = sim.EncodeMeta(l88, 1, 3, 3, "0")
	rep = run(t, file{segName(1), junk}, file{segName(2), segment(2, 3, appEntry(3, 3))}, meta)
	if fs := serious(rep); len(fs) > 0 {
		t.Fatalf("findings: %+v", fs)
	}
	if p := rep.Partitions[0]; p.LastIndex != 3 {
		t.Errorf("last index %d, want 3", p.LastIndex)
	}
}

// A segment file larger than its descriptor's maxSegmentSize is mapped whole by Zeebe: its
// entries beyond that size count, and it is not a finding.
func TestSegmentLargerThanMaxSize(t *testing.T) {
	seg := make([]byte, 8192)
	p := copy(seg, sim.EncodeDescriptor(l88, 1, 1, 1024, 0, 0))
	var index uint64
	for index = 1; p+len(appEntry(index, int64(index)))+1 < len(seg); index++ {
		p += copy(seg[p:], appEntry(index, int64(index)))
	}
	meta := file{"raft-partition-partition-1.meta", sim.EncodeMeta(l88, 1, index-1, index-1, "0")}
	rep := run(t, file{segName(1), seg}, meta)
	if fs := serious(rep); len(fs) > 0 || rep.Partitions[0].LastIndex != index-1 || p < 2048 {
		t.Fatalf("last index %d of %d, findings: %+v", rep.Partitions[0].LastIndex, index-1, fs)
	}
}

func serious(rep *Report) []Finding {
	return slices.DeleteFunc(slices.Clone(rep.Findings), func(f Finding) bool {
		return f.Severity == Info || f.Check == "meta.missing" || f.Check == "layout.topology-missing"
	})
}

func TestASQNMustIncrease(t *testing.T) {
	rep := run(t, file{segName(1), segment(1, 1, appEntry(1, 5), appEntry(2, 9), appEntry(3, 7))})
	f := only(t, rep, Error, "journal.asqn")
	if f.Offset == nil || *f.Offset != int64(57+2*len(appEntry(1, 5))) {
		t.Errorf("offset %v", f.Offset)
	}
	rep = run(t, file{segName(1), segment(1, 1, appEntry(1, 5), appEntry(2, 9))}, file{segName(2), segment(2, 3, appEntry(3, 9))})
	only(t, rep, Error, "journal.asqn")
}

func TestTornTail(t *testing.T) {
	torn := appEntry(3, 3)
	torn[len(torn)-1] ^= 1
	seg := segment(1, 1, appEntry(1, 1), appEntry(2, 2), torn)
	at := int64(57 + 2*len(appEntry(1, 1)))
	// No .meta: whether the torn entry was flushed cannot be told.
	f := only(t, run(t, file{segName(1), seg}), Warning, "journal.flushed")
	if *f.Offset != at {
		t.Errorf("offset %d, want %d", *f.Offset, at)
	}
	// Flushed up to 2: a partial write Zeebe cuts off.
	meta := file{"raft-partition-partition-1.meta", sim.EncodeMeta(l88, 1, 2, 2, "0")}
	only(t, run(t, file{segName(1), seg}, meta), Info, "journal.torn-tail")
	// Flushed up to 3: the torn entry was flushed.
	meta.data = sim.EncodeMeta(l88, 1, 3, 2, "0")
	f = only(t, run(t, file{segName(1), seg}, meta), Error, "journal.checksum")
	if *f.Offset != at {
		t.Errorf("offset %d, want %d", *f.Offset, at)
	}
}

func TestIndexOutOfPlace(t *testing.T) {
	rep := run(t, file{segName(1), segment(1, 1, appEntry(1, 1), appEntry(3, 2))})
	f := only(t, rep, Error, "journal.gap")
	if f.Offset == nil || *f.Offset != int64(57+len(appEntry(1, 1))) {
		t.Errorf("offset %v", f.Offset)
	}
}

// An intact entry whose records our parser cannot read is a warning, and the entry counts.
func TestUnreadableRecordsOnlyWarn(t *testing.T) {
	app := sim.EncodeLoggedEvent(l88, 2, -1, 2, 1, l88.Version, []byte{0x80})
	odd := sim.EncodeEntry(l88, 2, 2, sim.EncodeApplicationEntry(l88, 1, 2, 2, app[:len(app)-8]))
	rep := run(t, file{segName(1), segment(1, 1, appEntry(1, 1), odd, appEntry(3, 3))})
	only(t, rep, Warning, "journal.payload")
	if p := rep.Partitions[0]; p.FirstIndex != 1 || p.LastIndex != 3 || len(p.Entries) != 3 || p.Entries[1].Term != 1 {
		t.Fatalf("partition %+v", p)
	}
}

func TestUnflushedBadDescriptor(t *testing.T) {
	bad := segment(2, 2, appEntry(2, 2))
	bad[20] ^= 1
	meta := file{"raft-partition-partition-1.meta", sim.EncodeMeta(l88, 1, 1, 1, "0")}
	only(t, run(t, file{segName(1), segment(1, 1, appEntry(1, 1))}, file{segName(2), bad}, meta), Warning, "journal.descriptor")
	meta.data = sim.EncodeMeta(l88, 1, 2, 2, "0")
	only(t, run(t, file{segName(1), segment(1, 1, appEntry(1, 1))}, file{segName(2), bad}, meta), Error, "journal.descriptor")
}

// combinedValue, from CRCs and sizes, is zeebe.CombinedChecksum, from contents.
func TestCombinedValueFromCRCs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	contents := map[string][]byte{}
	sums := map[string]fileSum{}
	table := crc32.MakeTable(crc32.Castagnoli)
	for _, name := range []string{"000012.sst", "000009.sst", "CURRENT", "MANIFEST-000005", zeebe.MetadataFile, "empty"} {
		b := make([]byte, rng.IntN(100000))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		contents[name] = b
		sums[name] = fileSum{crc: crc32.Checksum(b, table), size: int64(len(b))}
	}
	names := slices.Collect(maps.Keys(contents))
	content := func(n string) ([]byte, error) { return contents[n], nil }
	for _, skip := range []func(string) bool{nil, isSST} {
		want, wantN, _ := zeebe.CombinedChecksum(names, content, skip)
		got, gotN := combinedValue(sums, skip)
		if got != want || gotN != wantN {
			t.Errorf("combinedValue %x (%d files), zeebe.CombinedChecksum %x (%d files)", got, gotN, want, wantN)
		}
	}
}
