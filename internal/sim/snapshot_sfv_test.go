package sim

// The checksum file the simulator commits a snapshot with, and what it compares on load, for
// each variant of docs/zeebe-format.md §3.3. The expected SFV text is built here from
// the note with hash/crc32, not with the encoders under test.

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sfvSnapshot commits a snapshot of a hand-made runtime folder and returns its folder.
func sfvSnapshot(t *testing.T, version string) (zeebe.Layout, string, zeebe.SnapshotID) {
	t.Helper()
	l, err := zeebe.LayoutOf(zeebe.MustVersion(version))
	if err != nil {
		t.Fatal(err)
	}
	part := t.TempDir()
	runtime := filepath.Join(part, "runtime")
	if err := os.MkdirAll(runtime, 0o755); err != nil {
		t.Fatal(err)
	}
	state := State{ProcessedPosition: 130, Records: 130, Digest: 0xfeed, MigratedBy: version}
	for name, content := range map[string][]byte{
		"000012.sst":      state.SST(4096, 1),
		"CURRENT":         []byte("MANIFEST-000005\n"),
		"MANIFEST-000005": {1, 2, 3, 4},
		"OPTIONS-000007":  []byte("[Version]\n"),
	} {
		if err := os.WriteFile(filepath.Join(runtime, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	id := zeebe.SnapshotID{Index: 40, Term: 2, ProcessedPosition: 130, ExportedPosition: zeebe.NoExporterPosition, Parts: l.SnapshotIDParts}
	s, err := commitSnapshot(l, part, runtime, id, state, 130)
	if err != nil {
		t.Fatal(err)
	}
	if s.state != state {
		t.Fatalf("committed state %+v, want %+v", s.state, state)
	}
	return l, s.dir, s.id
}

// wantSFV is the checksum file §3.3 describes for the files of dir.
func wantSFV(t *testing.T, dir string, combined, skipSST bool) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	content := map[string][]byte{}
	for _, e := range entries {
		names = append(names, e.Name())
		if content[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(names) // bytewise
	s := "; This is an SFC checksum file for all files in the given directory.\n" +
		"; You might use cksfv or another tool to validate these files manually.\n" +
		"; This is an automatically created file - please do NOT modify.\n"
	if combined {
		// One CRC32C over name then bytes, zeebe.metadata last; without the SSTs where their
		// checksums come from RocksDB. The count is checksums.size(): every file listed.
		order := slices.DeleteFunc(slices.Clone(names), func(n string) bool {
			return n == zeebe.MetadataFile || skipSST && strings.HasSuffix(n, ".sst")
		})
		order = append(order, zeebe.MetadataFile)
		var crc uint32
		for _, n := range order {
			crc = crc32.Update(crc, castagnoli, []byte(n))
			crc = crc32.Update(crc, castagnoli, content[n])
		}
		s += fmt.Sprintf("; combinedValue = %x\n; number of files used for combined value = %d\n", crc, len(names))
	}
	for _, n := range names {
		s += n + "   " + strconv.FormatUint(uint64(crc32.Checksum(content[n], castagnoli)), 16) + "\n"
	}
	return s
}

func TestSnapshotChecksumFile(t *testing.T) {
	for _, c := range []struct {
		version           string
		combined, skipSST bool
	}{
		{"8.4.8", true, false},
		{"8.4.9", true, true},
		{"8.5.3", true, false},
		{"8.5.4", true, true},
		{"8.6.0", false, true},
		{"8.8.2", false, true},
	} {
		t.Run(c.version, func(t *testing.T) {
			_, dir, _ := sfvSnapshot(t, c.version)
			got, err := os.ReadFile(checksumPath(dir))
			if err != nil {
				t.Fatal(err)
			}
			if want := wantSFV(t, dir, c.combined, c.skipSST); string(got) != want {
				t.Errorf("checksum file:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// What Zeebe compares when it loads a snapshot (§3.3): 8.5.x the combined value only, which
// from 8.5.4 leaves the SSTs out, so a damaged or extra SST goes unnoticed; 8.4.9+ and 8.6+ the
// per-file list; before 8.4.9 (and 8.5.0-8.5.3) the combined value over every file.
func TestSnapshotLoadComparesWhatZeebeCompares(t *testing.T) {
	damage := map[string]func(t *testing.T, dir string){
		"SST byte flipped": func(t *testing.T, dir string) {
			p := filepath.Join(dir, "000012.sst")
			b, _ := os.ReadFile(p)
			b[len(b)-20] ^= 0x5a // in the filler, before the table magic: the state still reads
			os.WriteFile(p, b, 0o644)
		},
		"extra SST": func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "000013.sst"), []byte("another table"), 0o644)
		},
		"CURRENT changed": func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "CURRENT"), []byte("MANIFEST-000006\n"), 0o644)
		},
	}
	for _, c := range []struct {
		version string
		noticed map[string]bool
	}{
		{"8.4.8", map[string]bool{"SST byte flipped": true, "extra SST": true, "CURRENT changed": true}},
		{"8.4.9", map[string]bool{"SST byte flipped": true, "extra SST": true, "CURRENT changed": true}},
		{"8.5.3", map[string]bool{"SST byte flipped": true, "extra SST": true, "CURRENT changed": true}},
		{"8.5.4", map[string]bool{"SST byte flipped": false, "extra SST": false, "CURRENT changed": true}},
		{"8.5.9", map[string]bool{"SST byte flipped": false, "extra SST": false, "CURRENT changed": true}},
		{"8.6.0", map[string]bool{"SST byte flipped": true, "extra SST": true, "CURRENT changed": true}},
	} {
		for what, noticed := range c.noticed {
			t.Run(c.version+"/"+what, func(t *testing.T) {
				l, dir, id := sfvSnapshot(t, c.version)
				if _, err := loadSnapshot(l, dir, id); err != nil {
					t.Fatalf("intact snapshot refused: %v", err)
				}
				damage[what](t, dir)
				_, err := loadSnapshot(l, dir, id)
				if noticed && err == nil {
					t.Errorf("%s %s: the snapshot was accepted, Zeebe refuses it", c.version, what)
				}
				if !noticed && err != nil {
					t.Errorf("%s %s: the snapshot was refused (%v), Zeebe does not notice", c.version, what, err)
				}
			})
		}
	}
}
