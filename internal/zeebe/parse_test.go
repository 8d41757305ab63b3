package zeebe_test

// Tests of internal/zeebe against docs/zeebe-format.md ("the note"; §5 etc. refer to
// it). Expected values come from the note's tables and examples, written out here.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// §1.3, §2.2, §2.4, §3.1, §3.3, §4.1, §4.2, §8: what each release writes.
func TestLayoutMatchesNote(t *testing.T) {
	cases := []struct {
		v                                 string
		journal, raft, protocol           int
		metaBlock, confBlock, descLen     int
		idParts                           int
		combined, fullFile, topo, cluster bool
		migrated                          bool
	}{
		{"8.5.3", 2, 3, 4, 16, 25, 57, 4, true, false, true, false, true},
		{"8.5.4", 2, 3, 4, 16, 25, 57, 4, true, true, true, false, true},
		{"8.6.1", 2, 3, 5, 16, 25, 57, 4, false, true, true, false, true},
		{"8.7.0", 2, 4, 5, 24, 25, 57, 4, false, true, true, false, true},
		{"8.8.2", 2, 4, 5, 24, 25, 57, 6, false, true, true, true, true},
		{"8.4.9", 2, 2, 4, 16, 24, 57, 4, true, true, true, false, false},
		{"8.3.0", 2, 2, 4, 16, 24, 57, 4, true, false, false, false, false},
	}
	for _, c := range cases {
		l, err := zeebe.LayoutOf(zeebe.MustVersion(c.v))
		if err != nil {
			t.Errorf("LayoutOf(%s): %v", c.v, err)
			continue
		}
		got := fmt.Sprint(l.JournalSchema, l.RaftSchema, l.ProtocolVersion, l.MetaBlockLength(), l.ConfBlockLength(),
			l.DescriptorLength(), l.SnapshotIDParts, l.CombinedChecksum, l.FullFileChecksums, l.TopologyMeta, l.ClusterID,
			l.MigratedByVersion)
		want := fmt.Sprint(c.journal, c.raft, c.protocol, c.metaBlock, c.confBlock, c.descLen, c.idParts, c.combined,
			c.fullFile, c.topo, c.cluster, c.migrated)
		if got != want {
			t.Errorf("LayoutOf(%s): journal raft protocol meta conf desc idParts combined fullFile topo clusterID migrated\n got %s\nwant %s",
				c.v, got, want)
		}
		if l.PartitionGroup != "raft-partition" {
			t.Errorf("LayoutOf(%s).PartitionGroup = %q", c.v, l.PartitionGroup)
		}
	}
	if _, err := zeebe.LayoutOf(zeebe.MustVersion("8.2.15")); err == nil {
		t.Errorf("LayoutOf(8.2.15) should be refused")
	}
	// §2.4: brokerVersion at block offset 18 for header version <= 3, 17 for >= 4.
	for p, want := range map[int]int{3: 18, 4: 17, 5: 17} {
		if got := zeebe.BrokerVersionOffset(p); got != want {
			t.Errorf("BrokerVersionOffset(%d) = %d, want %d", p, got, want)
		}
	}
}

// §8, VersionCompatibilityCheck.
func TestCheckUpgradeTable(t *testing.T) {
	cases := []struct {
		data, running string
		want          zeebe.Compatibility
		row           string
	}{
		{"8.5.3", "8.5.3", zeebe.Compatible, "same version"},
		{"8.6.0-alpha1", "8.6.0-alpha1", zeebe.Compatible, "same version (identical pre-release)"},
		{"8.5.3", "8.5.4", zeebe.Compatible, "patch upgrade"},
		{"8.5.0", "8.5.12", zeebe.Compatible, "patch upgrade"},
		{"8.5.3", "8.6.0", zeebe.Compatible, "minor upgrade by exactly 1"},
		{"8.5.9", "8.6.1", zeebe.Compatible, "minor upgrade by exactly 1"},
		{"8.7.5", "8.8.0", zeebe.Compatible, "minor upgrade by exactly 1"},
		{"8.5.3", "8.7.0", zeebe.Incompatible, "skipped minor"},
		{"8.5.0", "8.8.2", zeebe.Incompatible, "skipped minor"},
		{"8.6.0", "8.5.3", zeebe.Incompatible, "downgrade"},
		{"8.8.2", "8.7.0", zeebe.Incompatible, "downgrade"},
		{"8.5.3", "8.5.2", zeebe.Incompatible, "patch downgrade"},
		{"8.6.0-alpha1", "8.6.0", zeebe.Incompatible, "pre-release on the data side"},
		{"8.5.3", "8.6.0-alpha2", zeebe.Incompatible, "pre-release on the running side"},
		{"8.6.0-alpha1", "8.6.0-alpha2", zeebe.Incompatible, "two different pre-releases"},
		{"8.6.0", "8.6.0-alpha1", zeebe.Incompatible, "pre-release downgrade"},
	}
	for _, c := range cases {
		got, reason := zeebe.CheckUpgrade(zeebe.MustVersion(c.data), zeebe.MustVersion(c.running))
		if got != c.want {
			t.Errorf("CheckUpgrade(%s -> %s) = %v (%s); the %q row says %v", c.data, c.running, got, reason, c.row, c.want)
		}
		if reason == "" {
			t.Errorf("CheckUpgrade(%s -> %s): empty reason", c.data, c.running)
		}
	}
	// "Unknown or unparsable: indeterminate": the version cannot even be parsed.
	for _, s := range []string{"", "eight", "8", "8.x.1", "8.5.3.1", "-8.5.3"} {
		if v, err := zeebe.ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", s, v)
		}
	}
	if v := zeebe.MustVersion("8.7"); v != (zeebe.Version{Major: 8, Minor: 7}) {
		t.Errorf("MustVersion(8.7) = %+v", v)
	}
	if v := zeebe.MustVersion("8.6.0-alpha2"); v.String() != "8.6.0-alpha2" || v.Pre != "alpha2" {
		t.Errorf("MustVersion(8.6.0-alpha2) = %+v (%s)", v, v)
	}
}

// §5: RoundRobinPartitionDistributor.
func TestDistributeExamples(t *testing.T) {
	type rep = zeebe.Replica
	// N=3, P=3, RF=3: every node holds 1,2,3. Partition p's list starts at node p-1; the
	// primary has priority RF, the others RF-1, RF-2 ((p-1)/N = 0 is even).
	d := zeebe.Distribute(zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}, true)
	want := map[int][]rep{
		1: {{0, 3, true}, {1, 2, false}, {2, 1, false}},
		2: {{1, 3, true}, {2, 2, false}, {0, 1, false}},
		3: {{2, 3, true}, {0, 2, false}, {1, 1, false}},
	}
	gdEqual(t, "N=3 P=3 RF=3", d, want)
	for n := range 3 {
		if got := zeebe.PartitionsOf(d, n); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("N=3 P=3 RF=3: node %d holds %v, want [1 2 3]", n, got)
		}
	}

	// N=4, P=5, RF=3 (class Javadoc): node0 {1,3,4,5}, node1 {1,2,4,5}, node2 {1,2,3,5},
	// node3 {2,3,4}. Partition 5 has (5-1)/4 = 1, odd: the others get 1, 2.
	d = zeebe.Distribute(zeebe.Shape{ClusterSize: 4, PartitionsCount: 5, ReplicationFactor: 3}, true)
	for n, ps := range map[int][]int{0: {1, 3, 4, 5}, 1: {1, 2, 4, 5}, 2: {1, 2, 3, 5}, 3: {2, 3, 4}} {
		if got := zeebe.PartitionsOf(d, n); !slices.Equal(got, ps) {
			t.Errorf("N=4 P=5 RF=3: node %d holds %v, want %v", n, got, ps)
		}
	}
	want = map[int][]rep{
		1: {{0, 3, true}, {1, 2, false}, {2, 1, false}},
		2: {{1, 3, true}, {2, 2, false}, {3, 1, false}},
		3: {{2, 3, true}, {3, 2, false}, {0, 1, false}},
		4: {{3, 3, true}, {0, 2, false}, {1, 1, false}},
		5: {{0, 3, true}, {1, 1, false}, {2, 2, false}},
	}
	gdEqual(t, "N=4 P=5 RF=3", d, want)

	// The note's closed form, for numeric order: node n holds p iff
	// ((n - (p-1)) mod N + N) mod N < min(RF, N); the primary is node (p-1) mod N.
	for n := 1; n <= 12; n++ {
		for rf := 1; rf <= 5; rf++ {
			const partitions = 15
			d := zeebe.Distribute(zeebe.Shape{ClusterSize: n, PartitionsCount: partitions, ReplicationFactor: rf}, true)
			for p := 1; p <= partitions; p++ {
				if len(d[p]) != min(rf, n) {
					t.Errorf("N=%d RF=%d p=%d: %d replicas, want %d", n, rf, p, len(d[p]), min(rf, n))
				}
				if len(d[p]) > 0 && (d[p][0].NodeID != (p-1)%n || !d[p][0].Primary || d[p][0].Priority != rf) {
					t.Errorf("N=%d RF=%d p=%d: first replica %+v, want node %d primary priority %d", n, rf, p, d[p][0], (p-1)%n, rf)
				}
				for node := range n {
					holds := ((node-(p-1))%n+n)%n < min(rf, n)
					if got := slices.Contains(zeebe.PartitionsOf(d, node), p); got != holds {
						t.Errorf("N=%d RF=%d: node %d holds partition %d = %v, want %v", n, rf, node, p, got, holds)
					}
				}
			}
		}
	}

	// <= 8.4 sorts node ids as strings: "10" < "2", which differs when N > 10.
	s := zeebe.Distribute(zeebe.Shape{ClusterSize: 12, PartitionsCount: 2, ReplicationFactor: 3}, false)
	if got := nodesOf(s[2]); !slices.Equal(got, []int{1, 10, 11}) {
		t.Errorf("N=12 string order: partition 2 on %v, want [1 10 11]", got)
	}
	if got := nodesOf(zeebe.Distribute(zeebe.Shape{ClusterSize: 12, PartitionsCount: 2, ReplicationFactor: 3}, true)[2]); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("N=12 numeric order: partition 2 on %v, want [1 2 3]", got)
	}
	for n := 1; n <= 10; n++ {
		gdEqual(t, fmt.Sprintf("N=%d string order = numeric order", n), zeebe.Distribute(zeebe.Shape{ClusterSize: n, PartitionsCount: 7, ReplicationFactor: 3}, false), zeebe.Distribute(zeebe.Shape{ClusterSize: n, PartitionsCount: 7, ReplicationFactor: 3}, true))
	}
}

func nodesOf(rs []zeebe.Replica) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.NodeID
	}
	return out
}

func gdEqual(t *testing.T, what string, got, want map[int][]zeebe.Replica) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d partitions, want %d", what, len(got), len(want))
	}
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("%s: partition %d = %+v, want %+v", what, p, got[p], w)
		}
	}
}

// §3.1 snapshot ids.
func TestParseSnapshotID(t *testing.T) {
	cases := []struct {
		s    string
		want zeebe.SnapshotID
	}{
		{"1500-7-123-9223372036854775807", zeebe.SnapshotID{Index: 1500, Term: 7, ProcessedPosition: 123,
			ExportedPosition: zeebe.NoExporterPosition, BrokerID: -1, Parts: 4}},
		{"0-0-0-0", zeebe.SnapshotID{BrokerID: -1, Parts: 4}}, // index 0 is legal
		{"1500-7-123-130-2", zeebe.SnapshotID{Index: 1500, Term: 7, ProcessedPosition: 123, ExportedPosition: 130,
			BrokerID: 2, Parts: 5}},
		{"1500-7-123-130-2-8f3a01bc", zeebe.SnapshotID{Index: 1500, Term: 7, ProcessedPosition: 123,
			ExportedPosition: 130, BrokerID: 2, Checksum: 0x8f3a01bc, Parts: 6}},
		{"1-1-0-0-3", zeebe.SnapshotID{Index: 1, Term: 1, BrokerID: 3, Parts: 5}}, // bootstrap snapshot
	}
	for _, c := range cases {
		got, err := zeebe.ParseSnapshotID(c.s)
		if err != nil {
			t.Errorf("ParseSnapshotID(%q): %v", c.s, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseSnapshotID(%q) = %+v, want %+v", c.s, got, c.want)
		}
		if got.String() != c.s {
			t.Errorf("ParseSnapshotID(%q).String() = %q", c.s, got.String())
		}
	}
	for _, s := range []string{"", "1500-7-123", "1-2-3-4-5-6-7", "a-7-1-1", "1-b-1-1", "1-2-c-1", "1-2-3-d",
		"1-2-3-4-x", "1-2-3-4--1", "1-2-3-4-0-zz", "-1-2-3-4"} {
		if id, err := zeebe.ParseSnapshotID(s); err == nil {
			t.Errorf("ParseSnapshotID(%q) accepted it: %+v", s, id)
		}
	}
}

// §3.3 SFV parsing: the cksfv-style text and the legacy 8-byte file.
func TestParseSFVVariants(t *testing.T) {
	text := "; This is an SFC checksum file for all files in the given directory.\n" +
		"; You might use cksfv or another tool to validate these files manually.\n" +
		"; This is an automatically created file - please do NOT modify.\n" +
		"; snapshot directory = /usr/local/zeebe/data/raft-partition/partitions/1/snapshots/1-1-1-1\n" +
		"; combinedValue = FFFFFFFF\n" +
		"; number of files used for combined value = 2\n" +
		"\n" +
		"a b.sst   1F\n" + // names may hold spaces; hex may be upper case
		"CURRENT   0\n"
	s, err := zeebe.ParseSFV([]byte(text))
	if err != nil {
		t.Fatalf("ParseSFV: %v", err)
	}
	if !s.HasCombined || s.Combined != 0xffffffff || s.CombinedFiles != 2 || s.Legacy ||
		len(s.Files) != 2 || s.Files["a b.sst"] != 0x1f || s.Files["CURRENT"] != 0 {
		t.Errorf("ParseSFV = %+v", s)
	}

	legacy, err := zeebe.ParseSFV([]byte{0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78}) // big-endian int64
	if err != nil || !legacy.Legacy || !legacy.HasCombined || legacy.Combined != 0x112345678 {
		t.Errorf("ParseSFV(legacy) = %+v, %v", legacy, err)
	}

	for name, bad := range map[string]string{
		"two spaces":        "CURRENT  1a\n",
		"non-hex checksum":  "CURRENT   1g\n",
		"no checksum":       "MANIFEST-000005\n", // not 8 bytes long: that is the legacy format
		"crc wider than 32": "CURRENT   123456789\n",
		"listed twice":      "CURRENT   1\nCURRENT   2\n",
		"bad combinedValue": "; combinedValue = xyz\n",
		"bad file count":    "; number of files used for combined value = many\n",
	} {
		if s, err := zeebe.ParseSFV([]byte(bad)); err == nil {
			t.Errorf("%s: ParseSFV accepted %q: %+v", name, bad, s)
		}
	}
}

func TestParseSnapshotMetadataRefusals(t *testing.T) {
	for _, b := range []string{
		`{"version":2,"processedPosition":1,"exportedPosition":1,"lastFollowupEventPosition":1}`,
		`{"processedPosition":1}`,
		`{"version":1,`,
		``,
		`[1]`,
	} {
		if m, err := zeebe.ParseSnapshotMetadata([]byte(b)); err == nil {
			t.Errorf("ParseSnapshotMetadata(%q) accepted it: %+v", b, m)
		}
	}
}

// §8: key = int64 BE 56, int32 BE 19, "migrated-by-version"; value = int32 BE length + ASCII.
func TestFindMigratedByVersion(t *testing.T) {
	key := []byte{0, 0, 0, 0, 0, 0, 0, 56, 0, 0, 0, 19,
		'm', 'i', 'g', 'r', 'a', 't', 'e', 'd', '-', 'b', 'y', '-', 'v', 'e', 'r', 's', 'i', 'o', 'n'}
	if got := zeebe.MigratedByVersionKey(); !bytes.Equal(got, key) {
		t.Errorf("MigratedByVersionKey = % x\nwant % x", got, key)
	}
	sst := slices.Concat([]byte("some uncompressed block bytes"), key, []byte{0, 0, 0, 5}, []byte("8.5.3"), []byte("trailer"))
	if v, ok := zeebe.FindMigratedByVersion(sst); !ok || v != zeebe.MustVersion("8.5.3") {
		t.Errorf("FindMigratedByVersion = %v, %v; want 8.5.3, true", v, ok)
	}
	pre := slices.Concat(key, []byte{0, 0, 0, 12}, []byte("8.6.0-alpha2"))
	if v, ok := zeebe.FindMigratedByVersion(pre); !ok || v.String() != "8.6.0-alpha2" {
		t.Errorf("FindMigratedByVersion(pre-release) = %v, %v", v, ok)
	}
	for name, b := range map[string][]byte{
		"no key":                []byte("nothing here 8.5.3"),
		"key at the very end":   key,
		"length past the end":   slices.Concat(key, []byte{0, 0, 0, 9}, []byte("8.5.3")),
		"length 0":              slices.Concat(key, []byte{0, 0, 0, 0}, []byte("8.5.3")),
		"not a version":         slices.Concat(key, []byte{0, 0, 0, 5}, []byte("hello")),
		"little-endian length":  slices.Concat(key, []byte{5, 0, 0, 0}, []byte("8.5.3")),
		"key with LE cf prefix": slices.Concat([]byte{56, 0, 0, 0, 0, 0, 0, 0, 19, 0, 0, 0}, []byte("migrated-by-version"), []byte{0, 0, 0, 5}, []byte("8.5.3")),
	} {
		if v, ok := zeebe.FindMigratedByVersion(b); ok {
			t.Errorf("%s: FindMigratedByVersion found %v", name, v)
		}
	}
}

// §2.3: "End of data is the first of: frame byte 0; offset + 1 > file capacity; too few bytes
// left for metadata or data." A non-zero frame byte followed by fewer bytes than the 20-byte
// RecordMetadata (SBE header, checksum, length) ends the data; it is not a torn entry. (ScanEntries'
// own doc comment says the same: "It stops at the end of data (a frame byte 0 or too few bytes
// left)".)
func TestScanEntriesEndOfData(t *testing.T) {
	le := binary.LittleEndian
	crc := func(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
	hdr := func(b []byte, block, tmpl, schema, version uint16) {
		le.PutUint16(b[0:], block)
		le.PutUint16(b[2:], tmpl)
		le.PutUint16(b[4:], schema)
		le.PutUint16(b[6:], version)
	}
	// Descriptor (§2.2): id 1, index 1, maxSegmentSize 4096.
	seg := make([]byte, 57)
	seg[0] = 2
	hdr(seg[1:], 8, 4, 7, 2)
	hdr(seg[17:], 32, 3, 7, 2)
	le.PutUint64(seg[25:], 1)
	le.PutUint64(seg[33:], 1)
	le.PutUint32(seg[41:], 4096)
	le.PutUint64(seg[9:], uint64(crc(seg[17:57])))
	// One entry (§2.3) holding an initial Raft entry (§2.4): term 1, type 2.
	payload := make([]byte, 17)
	hdr(payload, 9, 1, 8, 3)
	le.PutUint64(payload[8:], 1)
	payload[16] = 2
	entry := make([]byte, 1+20+28+len(payload))
	entry[0] = 1
	hdr(entry[1:], 12, 1, 7, 2)
	hdr(entry[21:], 16, 2, 7, 2)
	le.PutUint64(entry[29:], 1)
	le.PutUint64(entry[37:], ^uint64(0)) // asqn -1
	le.PutUint32(entry[45:], uint32(len(payload)))
	copy(entry[49:], payload)
	le.PutUint64(entry[9:], uint64(crc(entry[21:])))
	le.PutUint32(entry[17:], uint32(28+len(payload)))
	seg = append(seg, entry...)
	next := len(seg)
	// Then a frame byte 1 with stale bytes after it, cut at various lengths.
	seg = append(seg, 1, 12, 0, 1, 0, 7, 0, 2, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0x40, 0, 0, 0)

	d, err := zeebe.ParseDescriptor(seg)
	if err != nil {
		t.Fatalf("ParseDescriptor: %v", err)
	}
	for _, left := range []int{0, 1, 5, 9, 19} { // bytes after the frame byte
		entries, err := zeebe.ScanEntries(seg[:next+1+left], d, 1)
		if err != nil || len(entries) != 1 || entries[0].Index != 1 || entries[0].Term != 1 {
			t.Errorf("frame byte 1 then %d bytes (too few for the 20-byte RecordMetadata): %d entries, err %v; want 1 entry and the end of data (nil error)",
				left, len(entries), err)
		}
	}
	// Nothing after the entry at all (offset + 1 > capacity): the end of data.
	if entries, err := zeebe.ScanEntries(seg[:next], d, 1); err != nil || len(entries) != 1 {
		t.Errorf("segment ends right after the entry: %d entries, err %v", len(entries), err)
	}
}
