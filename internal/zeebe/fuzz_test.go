package zeebe_test

// Fuzz targets for the parsers of untrusted bytes: segment descriptors and entries, SFV
// checksum files, .meta, .conf and .topology.meta. None may panic; where it is cheap, what a
// parser reads is written again with the simulator's encoders and must read back the same.
// The seed corpus is in testdata/fuzz/<target>; more seeds are made here.

import (
	"maps"
	"reflect"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

func layout(v string) zeebe.Layout {
	l, err := zeebe.LayoutOf(zeebe.MustVersion(v))
	if err != nil {
		panic(err)
	}
	return l
}

func FuzzScanEntries(f *testing.F) {
	for _, v := range []string{"8.3.0", "8.8.2"} {
		l := layout(v)
		app := sim.EncodeLoggedEvent(l, 9, -1, 9, 1, l.Version, []byte{0x80})
		seg := sim.EncodeDescriptor(l, 1, 4, 1<<20, 5, 57)
		seg = append(seg, sim.EncodeEntry(l, 4, -1, sim.EncodeInitialEntry(l, 2))...)
		seg = append(seg, sim.EncodeEntry(l, 5, 9, sim.EncodeApplicationEntry(l, 2, 9, 9, app))...)
		f.Add(append(seg, make([]byte, 30)...))
	}
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := zeebe.ParseDescriptor(b)
		if err != nil {
			return
		}
		if d.Length > len(b) || d.ID <= 0 || d.Index <= 0 {
			t.Fatalf("descriptor %+v from %d bytes", d, len(b))
		}
		// The descriptor written again reads the same (its length follows the block written).
		l := zeebe.Layout{JournalSchema: 1}
		if d.Length >= 57 {
			l.JournalSchema = 2
		}
		again, err := zeebe.ParseDescriptor(sim.EncodeDescriptor(l, d.ID, d.Index, d.MaxSegmentSize, d.LastIndex, d.LastPosition))
		want := d
		again.Length, again.SchemaVersion, want.Length, want.SchemaVersion = 0, 0, 0, 0
		if err != nil || again != want {
			t.Fatalf("descriptor %+v written again reads %+v, %v", d, again, err)
		}
		entries, err := zeebe.ScanEntries(b, d, uint64(d.Index))
		end := d.Length
		for i, e := range entries {
			if e.Offset != end || e.Index != uint64(d.Index)+uint64(i) || e.Offset+e.Size > len(b) {
				t.Fatalf("entry %d: %+v after offset %d of %d", i, e, end, len(b))
			}
			end += e.Size
			// The same entry written again reads the same.
			one, err := zeebe.ScanEntries(sim.EncodeEntry(layout("8.8.2"), e.Index, e.ASQN, e.Payload), zeebe.Descriptor{}, e.Index)
			if err != nil || len(one) != 1 || one[0].Term != e.Term || one[0].Type != e.Type || one[0].ASQN != e.ASQN ||
				one[0].HighestPosition != e.HighestPosition || one[0].BrokerVersion != e.BrokerVersion {
				t.Fatalf("entry %+v written again reads %+v, %v", e, one, err)
			}
		}
		if ee, ok := err.(*zeebe.EntryError); ok && ee.Offset != end {
			t.Fatalf("scan stopped at %d, error at %d", end, ee.Offset)
		} else if err != nil && !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}

func FuzzParseSFV(f *testing.F) {
	files := map[string]uint32{"000004.sst": 0x2257caeb, "CURRENT": 0x9e7fdadc, zeebe.MetadataFile: 0xabc}
	f.Add(sim.EncodeSFV(layout("8.5.3"), files, 0x3f75628c))
	f.Add(sim.EncodeSFV(layout("8.8.2"), files, 0))
	f.Add([]byte{0, 0, 0, 0, 0x3f, 0x75, 0x62, 0x8c})
	f.Add([]byte("a   1\na   2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := zeebe.ParseSFV(b)
		if err != nil || s.Legacy {
			return
		}
		l := zeebe.Layout{CombinedChecksum: s.HasCombined}
		again, err := zeebe.ParseSFV(sim.EncodeSFV(l, s.Files, s.Combined))
		if err != nil || !maps.Equal(again.Files, s.Files) || again.HasCombined != s.HasCombined ||
			s.HasCombined && (again.Combined != s.Combined || again.CombinedFiles != len(s.Files)) {
			t.Fatalf("%+v written again reads %+v, %v", s, again, err)
		}
	})
}

func FuzzParseMeta(f *testing.F) {
	f.Add(sim.EncodeMeta(layout("8.5.3"), 3, 100, 100, "1"))
	f.Add(sim.EncodeMeta(layout("8.7.0"), 3, zeebe.NullIndex, 90, ""))
	f.Add(make([]byte, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := zeebe.ParseMeta(b)
		if err != nil {
			return
		}
		l := zeebe.Layout{RaftSchema: 3}
		if m.CommitIndex != zeebe.NullIndex || le16(b[1:]) >= 24 {
			l.RaftSchema = 4
		}
		if 1+zeebe.HeaderLength+l.MetaBlockLength()+4+len(m.VotedFor) > zeebe.MetaFileSize {
			return // the encoder writes 256 bytes only
		}
		again, err := zeebe.ParseMeta(sim.EncodeMeta(l, m.Term, m.LastFlushedIndex, m.CommitIndex, m.VotedFor))
		again.SchemaVersion, m.SchemaVersion = 0, 0
		if err != nil || again != m {
			t.Fatalf("%+v written again reads %+v, %v", m, again, err)
		}
	})
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func FuzzParseConf(f *testing.F) {
	members := []zeebe.Member{{Type: zeebe.MemberActive, Updated: 5, ID: "0"}, {Type: zeebe.MemberPassive, Updated: 6, ID: "12"}}
	f.Add(sim.EncodeConf(layout("8.5.3"), 10, 2, 1700000000000, members))
	f.Add(sim.EncodeConf(layout("8.4.0"), 10, 2, 1, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := zeebe.ParseConf(b)
		if err != nil || len(c.NewMembers) > 255 {
			return
		}
		again, err := zeebe.ParseConf(sim.EncodeConf(zeebe.Layout{RaftSchema: 3}, c.Index, c.Term, c.Timestamp, c.NewMembers))
		if err != nil || again.Index != c.Index || again.Term != c.Term || again.Timestamp != c.Timestamp ||
			len(again.NewMembers) != len(c.NewMembers) || len(c.NewMembers) > 0 && !reflect.DeepEqual(again.NewMembers, c.NewMembers) {
			t.Fatalf("%+v written again reads %+v, %v", c, again, err)
		}
	})
}

func FuzzParseTopologyMeta(f *testing.F) {
	topo := zeebe.PersistedTopology{Version: 3, ClusterID: "c1", Members: map[int]zeebe.TopologyMember{
		0: {Version: 1, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{1: {State: zeebe.StateActive, Priority: 3}, 2: {State: zeebe.StateJoining, Priority: 1}}},
		1: {Version: 2, State: zeebe.StateLeaving, Partitions: map[int]zeebe.PartitionState{}},
	}}
	f.Add(sim.EncodeTopologyMeta(topo, 1700000000))
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		tp, err := zeebe.ParseTopologyMeta(b)
		if err != nil {
			return
		}
		again, err := zeebe.ParseTopologyMeta(sim.EncodeTopologyMeta(tp, 1))
		tp.ChangeInProgress = false // the encoder writes no currentChange
		if err != nil || !reflect.DeepEqual(again, tp) {
			t.Fatalf("%+v written again reads %+v, %v", tp, again, err)
		}
	})
}
