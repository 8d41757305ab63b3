package gen_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/gen"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// A generated folder is what Zeebe's own startup checks accept, for each layout.
func TestGeneratedDataIsValid(t *testing.T) {
	for _, v := range []string{"8.4.9", "8.5.3", "8.7.0", "8.8.2"} {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			if err := gen.Write(dir, gen.Options{Version: v, NodeID: 1, Size: 6 << 20, SegmentSize: 1 << 20}); err != nil {
				t.Fatal(err)
			}
			l, _ := zeebe.LayoutOf(zeebe.MustVersion(v))
			dirs, group, err := zeebe.PartitionDirs(dir)
			if err != nil || len(dirs) != 3 || group != l.PartitionGroup {
				t.Fatalf("partitions %v in group %q: %v", dirs, group, err)
			}
			for p, pdir := range dirs {
				name := zeebe.JournalName(group, p)
				metaRaw, _ := os.ReadFile(filepath.Join(pdir, name+".meta"))
				meta, err := zeebe.ParseMeta(metaRaw)
				if err != nil {
					t.Fatal(err)
				}
				j, err := zeebe.ReadJournal(pdir, name)
				if err != nil {
					t.Fatal(err)
				}
				if repair, err := j.Check(meta.LastFlushedIndex); err != nil || !repair.OnlyPrepared(j) {
					t.Fatalf("partition %d: %+v, %v", p, repair, err)
				}
				if len(j.Segments) < 3 || !j.Segments[len(j.Segments)-1].Prepared || j.BrokerVersion != zeebe.MustVersion(v) {
					t.Fatalf("partition %d: %d segments, version %s", p, len(j.Segments), j.BrokerVersion)
				}
				lock, _ := os.ReadFile(filepath.Join(pdir, "."+name+".lock"))
				if string(lock) != strconv.Itoa(1) {
					t.Errorf("lock %q", lock)
				}
				snaps, _ := filepath.Glob(filepath.Join(pdir, "snapshots", "*.checksum"))
				if len(snaps) != 1 {
					t.Fatalf("snapshots %v", snaps)
				}
				raw, _ := os.ReadFile(snaps[0])
				sfv, err := zeebe.ParseSFV(raw)
				if err != nil || len(sfv.Files) < 4 {
					t.Fatalf("sfv %+v %v", sfv, err)
				}
				for f, crc := range sfv.Files {
					b, _ := os.ReadFile(filepath.Join(snaps[0][:len(snaps[0])-len(".checksum")], f))
					if zeebe.CRC32C(b) != crc {
						t.Errorf("%s: crc mismatch", f)
					}
				}
			}
		})
	}
}
