package check_test

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// syntheticSegment writes a segment of size bytes in the 8.8 format whose first fill bytes are
// entries of records records of valueSize bytes each (the simulator's workload: a quarter random,
// the rest a pattern), and the rest zeros, as in a preallocated segment.
func syntheticSegment(size, fill, records, valueSize int) []byte {
	l, _ := zeebe.LayoutOf(zeebe.MustVersion("8.8.2"))
	v := l.Version
	seg := make([]byte, size)
	p := copy(seg, sim.EncodeDescriptor(l, 1, 1, int32(size), 0, 0))
	work := sim.Workload{Seed: 7, RecordSize: valueSize}
	pos, last := int64(1), 0
	for index := uint64(1); ; index++ {
		var app []byte
		for r := range records {
			at := pos + int64(r)
			app = append(app, sim.EncodeLoggedEvent(l, at, -1, at, 1700000000000+at, v, work.RecordValue(1, at))...)
		}
		e := sim.EncodeEntry(l, index, pos, sim.EncodeApplicationEntry(l, 1, pos, pos+int64(records)-1, app))
		if p+len(e)+1 > fill {
			// The flushed descriptor's hint: last index and its entry's offset.
			copy(seg, sim.EncodeDescriptor(l, 1, 1, int32(size), index-1, uint32(last)))
			return seg
		}
		last = p
		p += copy(seg[p:], e)
		pos += int64(records)
	}
}

// BenchmarkChecker feeds a 128 MiB segment in the 1 MiB chunks archive.Write and Read use. MB/s
// is segment bytes per second: "full" is all entries (the entry path), "quarter" has entries in
// its first quarter and zeros after the end marker, as a segment being filled.
func BenchmarkChecker(b *testing.B) {
	const size = 128 << 20
	for _, c := range []struct {
		name                  string
		fill, records, valueB int
	}{
		{"full-1KiB-entries", size, 2, 256},
		{"full-16KiB-entries", size, 16, 1000},
		{"quarter", size / 4, 2, 256},
	} {
		seg := syntheticSegment(size, c.fill, c.records, c.valueB)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				ch := check.New(check.Options{NodeID: 0})
				w := ch.File("raft-partition/partitions/1/raft-partition-partition-1-1.log", size)
				for off := 0; off < size; off += 1 << 20 {
					w.Write(seg[off:min(off+1<<20, size)])
				}
				w.Close()
				rep := ch.Finish()
				if len(rep.Partitions) != 1 || rep.Partitions[0].LastIndex == 0 || len(rep.Errors()) > 0 {
					b.Fatalf("unexpected report: %+v", rep.Findings)
				}
			}
		})
	}
}
