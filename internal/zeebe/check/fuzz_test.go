package check

// Internal tests: the fast entry path against zeebe.ScanEntries, and the checker on hostile
// bytes. Their seed corpus is in testdata/fuzz; more seeds are made here with the simulator's
// encoders.

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// seedEntries are entries as the simulator writes them for several releases: application
// entries with records, an initial entry, and one of each with a broken record layout.
func seedEntries() [][]byte {
	var out [][]byte
	for _, v := range []string{"8.3.0", "8.5.3", "8.8.2"} {
		l, _ := zeebe.LayoutOf(zeebe.MustVersion(v))
		app := append(sim.EncodeLoggedEvent(l, 5, -1, 5, 1, l.Version, []byte{0x80}),
			sim.EncodeLoggedEvent(l, 6, -1, 6, 1, l.Version, []byte("value"))...)
		out = append(out,
			sim.EncodeEntry(l, 1, 5, sim.EncodeApplicationEntry(l, 3, 5, 6, app)),
			sim.EncodeEntry(l, 1, -1, sim.EncodeInitialEntry(l, 3)),
			sim.EncodeEntry(l, 1, 5, sim.EncodeApplicationEntry(l, 3, 5, 6, app[:len(app)-3])),
		)
	}
	return out
}

// segmentOf is a segment holding the entries, in the layout of version.
func segmentOf(version string, entries ...[]byte) []byte {
	l, _ := zeebe.LayoutOf(zeebe.MustVersion(version))
	b := sim.EncodeDescriptor(l, 1, 1, 1<<16, 0, 0)
	for _, e := range entries {
		b = append(b, e...)
	}
	return append(b, make([]byte, 64)...)
}

// fastAgrees checks fastEntry against zeebe.ScanEntries on one entry's bytes.
func fastAgrees(t *testing.T, e []byte, expect uint64) {
	if len(e) < minEntryHead || e[0] == 0 {
		return
	}
	size, bad := entryExtent(e, int64(len(e)))
	if bad || size != int64(len(e)) {
		return
	}
	ref, v, app, ok := fastEntry(e, expect)
	entries, err := zeebe.ScanEntries(e, zeebe.Descriptor{}, expect)
	if ok != (err == nil && len(entries) == 1 && entries[0].PayloadErr == nil) {
		t.Fatalf("fastEntry ok=%v, ScanEntries: %d entries, %v", ok, len(entries), err)
	}
	if !ok {
		return
	}
	x := entries[0]
	want := zeebe.EntryRef{Index: x.Index, Term: x.Term, ASQN: x.ASQN, HighestPosition: x.HighestPosition, Checksum: x.Checksum}
	if ref != want || app != (x.Type == zeebe.EntryApplication) || app && v != x.BrokerVersion || x.Size != len(e) {
		t.Fatalf("fastEntry %+v %v app=%v, ScanEntries %+v %v type %d size %d", ref, v, app, want, x.BrokerVersion, x.Type, x.Size)
	}
}

func TestFastEntryAgreesWithScanEntries(t *testing.T) {
	for i, e := range seedEntries() {
		fastAgrees(t, e, 1)
		fastAgrees(t, e, 2)
		for at := range e {
			c := append([]byte(nil), e...)
			c[at] ^= 0x41
			fastAgrees(t, c, 1)
		}
		if t.Failed() {
			t.Fatalf("seed %d", i)
		}
	}
}

// FuzzFastEntry holds the fast path to zeebe.ScanEntries' answers on any entry bytes.
func FuzzFastEntry(f *testing.F) {
	for _, e := range seedEntries() {
		f.Add(e, uint64(1))
	}
	f.Fuzz(func(t *testing.T, e []byte, expect uint64) {
		fastAgrees(t, e, expect)
	})
}

// FuzzChecker feeds arbitrary bytes to the checker as a segment file, cut into writes of the
// given size, and as every small file it parses. It must not panic, and its entry buffer must
// not outgrow the input.
func FuzzChecker(f *testing.F) {
	es := seedEntries()
	f.Add(segmentOf("8.8.2", es[0], es[1]), uint16(0))
	f.Add(segmentOf("8.5.3", es[3], es[4], es[5]), uint16(7))
	f.Add(segmentOf("8.3.0", es[6]), uint16(1))
	f.Add(make([]byte, 4096), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		c := New(Options{NodeID: -1})
		const dir = "raft-partition/partitions/1/"
		write := func(path string) {
			w := c.File(path, int64(len(data)))
			if w == nil {
				return
			}
			for b := data; len(b) > 0; {
				n := min(len(b), int(chunk)+1)
				w.Write(b[:n])
				b = b[n:]
			}
			w.Close()
		}
		write(dir + "raft-partition-partition-1-1.log")
		if limit := 2*len(data) + 64<<10; cap(c.spare) > limit {
			t.Fatalf("entry buffer of %d bytes for %d bytes of input", cap(c.spare), len(data))
		}
		write(dir + "raft-partition-partition-1-2.log")
		for _, name := range []string{"raft-partition-partition-1.meta", "raft-partition-partition-1.conf",
			".raft-partition-partition-1.lock", "snapshots/1-1-1-1/zeebe.metadata", "snapshots/1-1-1-1/000001.sst",
			"snapshots/1-1-1-1.checksum", ".exporterPaused"} {
			write(dir + name)
		}
		write(zeebe.TopologyMetaFile)
		rep := c.Finish()
		if len(rep.Partitions) != 1 {
			t.Fatalf("%d partitions", len(rep.Partitions))
		}
	})
}
