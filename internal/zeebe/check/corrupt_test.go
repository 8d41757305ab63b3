package check_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// want is an expected finding; Offset -1 means none.
type want struct {
	sev       check.Severity
	id        string
	partition int
	file      string
	offset    int64
	msg       string // a part of the message, when not ""
}

func (w want) matches(f check.Finding) bool {
	off := int64(-1)
	if f.Offset != nil {
		off = *f.Offset
	}
	return f.Severity == w.sev && f.Check == w.id && f.Partition == w.partition && f.File == w.file && off == w.offset &&
		strings.Contains(f.Message, w.msg)
}

const p1 = "raft-partition/partitions/1"

// dataSegments returns partition 1's segment files that hold entries, by file id, each with its
// entries as zeebe.ScanEntries reads them.
func dataSegments(t *testing.T, dir string) ([]string, [][]zeebe.Entry) {
	t.Helper()
	segs, err := zeebe.ListSegments(filepath.Join(dir, filepath.FromSlash(p1)), "raft-partition-partition-1")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	var entries [][]zeebe.Entry
	for _, s := range segs {
		b, err := os.ReadFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := zeebe.ParseDescriptor(b)
		if err != nil {
			continue
		}
		es, _ := zeebe.ScanEntries(b, d, uint64(d.Index))
		if len(es) > 0 {
			files, entries = append(files, s.Path), append(entries, es)
		}
	}
	return files, entries
}

// Each fixture corrupts simulator output in exactly one way and expects exactly one finding at
// warning or error level (two for the SIGKILLed broker: one per partition).
func TestCorruption(t *testing.T) {
	cases := []struct {
		name    string
		version string
		kill    bool
		mutate  func(t *testing.T, dir string) []want
	}{
		{"entry flipped before the flushed index", "8.8.2", false, func(t *testing.T, dir string) []want {
			files, entries := dataSegments(t, dir)
			e := entries[0][len(entries[0])/2]
			flip(t, files[0], int64(e.Offset+60))
			return []want{{check.Error, "journal.checksum", 1, rel(t, dir, files[0]), int64(e.Offset), ""}}
		}},
		{"entry flipped in the last data segment", "8.5.3", false, func(t *testing.T, dir string) []want {
			files, entries := dataSegments(t, dir)
			last := entries[len(entries)-1]
			e := last[len(last)-1]
			flip(t, files[len(files)-1], int64(e.Offset+30))
			return []want{{check.Error, "journal.checksum", 1, rel(t, dir, files[len(files)-1]), int64(e.Offset), ""}}
		}},
		{"byte flipped after the end marker", "8.8.2", false, func(t *testing.T, dir string) []want {
			files, entries := dataSegments(t, dir)
			last := entries[len(entries)-1]
			e := last[len(last)-1]
			end := int64(e.Offset + e.Size)
			fi, _ := os.Stat(files[len(files)-1])
			if end+100 >= fi.Size() {
				t.Fatalf("no room after the end marker of %s", files[len(files)-1])
			}
			flip(t, files[len(files)-1], end+100)
			return nil
		}},
		{"snapshot file flipped", "8.5.3", false, func(t *testing.T, dir string) []want {
			sst := glob(t, dir, p1+"/snapshots/*/*.sst")
			flip(t, sst, 100)
			return []want{{check.Error, "snapshot.sfv-checksum", 1, rel(t, dir, sst), -1, "the partition's state is damaged. Zeebe 8.5.4 and later 8.5 releases do not notice it"}}
		}},
		{"snapshot file flipped, 8.8", "8.8.2", false, func(t *testing.T, dir string) []want {
			cur := glob(t, dir, p1+"/snapshots/*/CURRENT")
			flip(t, cur, 0)
			return []want{{check.Error, "snapshot.sfv-checksum", 1, rel(t, dir, cur), -1, ""}}
		}},
		{"checksum file line flipped", "8.7.0", false, func(t *testing.T, dir string) []want {
			sfv := glob(t, dir, p1+"/snapshots/*.checksum")
			b := mustRead(t, sfv)
			i := bytes.Index(b, []byte("CURRENT   ")) + len("CURRENT   ")
			if b[i] == 'f' {
				b[i] = 'e'
			} else {
				b[i] = 'f'
			}
			os.WriteFile(sfv, b, 0o644)
			return []want{{check.Error, "snapshot.sfv-checksum", 1, rel(t, dir, filepath.Join(filepath.Dir(sfv), trimExt(filepath.Base(sfv)), "CURRENT")), -1, ""}}
		}},
		{"combined value changed", "8.5.3", false, func(t *testing.T, dir string) []want {
			sfv := glob(t, dir, p1+"/snapshots/*.checksum")
			b := regexp.MustCompile(`combinedValue = [0-9a-f]+`).ReplaceAll(mustRead(t, sfv), []byte("combinedValue = 1234"))
			os.WriteFile(sfv, b, 0o644)
			return []want{{check.Warning, "snapshot.combined", 1, rel(t, dir, sfv), -1, ""}}
		}},
		{"wrong lock content", "8.7.0", false, func(t *testing.T, dir string) []want {
			lock := filepath.Join(dir, p1, ".raft-partition-partition-1.lock")
			os.WriteFile(lock, []byte("7"), 0o644)
			return []want{{check.Error, "lock.node-id", 1, rel(t, dir, lock), -1, ""}}
		}},
		{"flushed index beyond the log", "8.7.0", false, func(t *testing.T, dir string) []want {
			meta := filepath.Join(dir, p1, "raft-partition-partition-1.meta")
			b := mustRead(t, meta)
			flushed := binary.LittleEndian.Uint64(b[17:])
			binary.LittleEndian.PutUint64(b[17:], flushed+10)
			os.WriteFile(meta, b, 0o644)
			return []want{{check.Error, "meta.flushed-index", 1, rel(t, dir, meta), -1, ""}}
		}},
		{"meta header's template id changed, 8.5", "8.5.3", false, func(t *testing.T, dir string) []want {
			meta := setMetaHeader(t, dir, 3, 7)
			return []want{{check.Warning, "meta.parse", 1, rel(t, dir, meta), -1, "Zeebe 8.5.3 does not check the header"}}
		}},
		{"meta header's template id changed, 8.7", "8.7.0", false, func(t *testing.T, dir string) []want {
			meta := setMetaHeader(t, dir, 3, 7)
			return []want{{check.Error, "meta.parse", 1, rel(t, dir, meta), -1, ""}}
		}},
		{"meta header's schema id changed, 8.7", "8.7.0", false, func(t *testing.T, dir string) []want {
			meta := setMetaHeader(t, dir, 5, 9)
			return []want{{check.Warning, "meta.parse", 1, rel(t, dir, meta), -1, "reads the fields as they are"}}
		}},
		{"middle segment deleted", "8.8.2", false, func(t *testing.T, dir string) []want {
			files, _ := dataSegments(t, dir)
			if len(files) < 3 {
				t.Fatalf("want 3 segments with entries, have %d", len(files))
			}
			os.Remove(files[1])
			return []want{{check.Error, "journal.gap", 1, rel(t, dir, files[2]), -1, ""}}
		}},
		{"partial snapshot", "8.6.6", false, func(t *testing.T, dir string) []want {
			snap := glob(t, dir, p1+"/snapshots/*-*-*-*[0-9]")
			partial := filepath.Join(filepath.Dir(snap), "999999-9-9-9")
			os.MkdirAll(partial, 0o755)
			os.WriteFile(filepath.Join(partial, "CURRENT"), []byte("MANIFEST-000009\n"), 0o644)
			return []want{{check.Warning, "snapshot.partial", 1, rel(t, dir, partial), -1, ""}}
		}},
		{"processing paused", "8.8.2", false, func(t *testing.T, dir string) []want {
			flag := filepath.Join(dir, p1, ".processorPaused")
			os.WriteFile(flag, nil, 0o644)
			return []want{{check.Warning, "hygiene.paused", 1, rel(t, dir, flag), -1, ""}}
		}},
		{"topology flipped", "8.8.2", false, func(t *testing.T, dir string) []want {
			flip(t, filepath.Join(dir, zeebe.TopologyMetaFile), 12)
			return []want{{check.Error, "topology.checksum", 0, zeebe.TopologyMetaFile, -1, ""}}
		}},
		{"broker killed", "8.5.3", true, func(t *testing.T, dir string) []want {
			return []want{
				{check.Warning, "hygiene.runtime", 1, p1 + "/runtime", -1, ""},
				{check.Warning, "hygiene.runtime", 2, "raft-partition/partitions/2/runtime", -1, ""},
			}
		}},
		{"8.10 layout", "8.8.2", false, func(t *testing.T, dir string) []want {
			renameTo810(t, dir)
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := copyData(t, simData(t, simSpec{Version: c.version, Kill: c.kill})[0])
			wants := c.mutate(t, dir)
			rep := inspect(t, dir, oneBroker)
			got := serious(rep)
			t.Logf("findings:%s", describe(rep.Findings))
			if len(got) != len(wants) {
				t.Fatalf("want %d findings, got%s", len(wants), describe(got))
			}
			for _, w := range wants {
				if !slices.ContainsFunc(got, w.matches) {
					t.Errorf("missing %+v; got%s", w, describe(got))
				}
			}
			for _, f := range got {
				if f.Broker != 0 {
					t.Errorf("finding without the node id: %+v", f)
				}
			}
		})
	}
}

// setMetaHeader writes a uint16 into partition 1's .meta at offset off (the SBE header starts
// at 1: block length, template id at 3, schema id at 5) and returns the file.
func setMetaHeader(t *testing.T, dir string, off int, v uint16) string {
	t.Helper()
	meta := filepath.Join(dir, p1, "raft-partition-partition-1.meta")
	b := mustRead(t, meta)
	binary.LittleEndian.PutUint16(b[off:], v)
	if err := os.WriteFile(meta, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return meta
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }
