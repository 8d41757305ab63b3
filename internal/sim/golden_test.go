package sim_test

// Golden byte-level tests of the simulator's encoders against docs/zeebe-format.md
// ("the note"; §2.2 etc. refer to it).
//
// The rule of this file: every expected byte slice is built here, field by field, at the offsets
// the note gives, with encoding/binary and hash/crc32. No encoder of the code under test is
// called to produce an expected value. The parsers of internal/zeebe are then run on the
// hand-built bytes (and on mutated copies of them) to check that the values come back and that
// broken input is refused.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

var (
	gLE         = binary.LittleEndian
	gCastagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// gCRC is CRC32C (§ intro: java.util.zip.CRC32C == Go's Castagnoli table).
func gCRC(b []byte) uint32 { return crc32.Checksum(b, gCastagnoli) }

// gVer is a release the golden tests run for, with what the note says it writes.
type gVer struct {
	name string
	// journal schema version (§2.2): 2 for 8.3+.
	journalSchema int
	// Raft schema version (§2.4): 3 for 8.5-8.6, 4 for 8.7+.
	raftSchema int
	// RecordMetadata SBE header version (§2.4): 4 for 8.3-8.5, 5 newest (8.6+ per version.go).
	protocol int
	// .meta block length (§4.1): 16 for Raft schema <= 3, 24 for schema 4 (8.7+).
	metaBlock int
	// .conf block length (§4.2): 25 for Raft schema >= 3.
	confBlock int
	// SFV carries the combinedValue lines (§3.3): 8.0-8.5.x.
	combined bool
	// LogEntryDescriptor version (§2.4): 1 from 8.5 (int32 metadataLength), 0 before.
	logEntry int
}

var gVersions = []gVer{
	{"8.5.3", 2, 3, 4, 16, 25, true, 1},
	{"8.6.1", 2, 3, 5, 16, 25, false, 1},
	{"8.7.0", 2, 4, 5, 24, 25, false, 1},
	{"8.8.2", 2, 4, 5, 24, 25, false, 1},
}

func gLayout(t *testing.T, v string) zeebe.Layout {
	t.Helper()
	l, err := zeebe.LayoutOf(zeebe.MustVersion(v))
	if err != nil {
		t.Fatalf("LayoutOf(%s): %v", v, err)
	}
	return l
}

// gPutHeader writes an SBE message header (4 x uint16 LE: blockLength, templateId, schemaId,
// version) at b[off:off+8] (§2.2).
func gPutHeader(b []byte, off, blockLength, templateID, schemaID, version int) {
	gLE.PutUint16(b[off:], uint16(blockLength))
	gLE.PutUint16(b[off+2:], uint16(templateID))
	gLE.PutUint16(b[off+4:], uint16(schemaID))
	gLE.PutUint16(b[off+6:], uint16(version))
}

// gEqual compares bytes and, on a mismatch, reports the first differing offset with a hex
// window of both slices around it.
func gEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	off := min(len(got), len(want))
	for i := range off {
		if got[i] != want[i] {
			off = i
			break
		}
	}
	lo := max(0, off-8)
	window := func(b []byte) string {
		if lo >= len(b) {
			return "(ends before)"
		}
		return fmt.Sprintf("% x", b[lo:min(len(b), off+24)])
	}
	gotAt, wantAt := "EOF", "EOF"
	if off < len(got) {
		gotAt = fmt.Sprintf("%#02x", got[off])
	}
	if off < len(want) {
		wantAt = fmt.Sprintf("%#02x", want[off])
	}
	t.Errorf("%s: first difference at offset %d: got %s, want %s (len got %d, want %d)\n  got[%d:]: %s\n want[%d:]: %s",
		what, off, gotAt, wantAt, len(got), len(want), lo, window(got), lo, window(want))
}

// ---------------------------------------------------------------------------------------------
// Expected-bytes builders, straight from the note's tables.

// gDescriptor builds a segment descriptor (§2.2). Schema 2: block 32, 57 bytes; schema 1:
// block 20, 45 bytes.
func gDescriptor(schema int, id, index int64, maxSegmentSize int32, lastIndex uint64, lastPosition uint32) []byte {
	block := 32
	if schema == 1 {
		block = 20
	}
	b := make([]byte, 17+8+block)
	b[0] = 2                          // descriptor version byte
	gPutHeader(b, 1, 8, 4, 7, schema) // DescriptorMetadata
	gPutHeader(b, 17, block, 3, 7, schema)
	gLE.PutUint64(b[25:], uint64(id))
	gLE.PutUint64(b[33:], uint64(index))
	gLE.PutUint32(b[41:], uint32(maxSegmentSize))
	if block == 32 {
		gLE.PutUint64(b[45:], lastIndex)
		gLE.PutUint32(b[53:], lastPosition)
	}
	// int64 checksum = CRC32C of [17, 17+8+blockLength)
	gLE.PutUint64(b[9:], uint64(gCRC(b[17:17+8+block])))
	return b
}

// gEntry builds one journal entry (§2.3) at relative offset p = 0.
func gEntry(schema int, index uint64, asqn int64, payload []byte) []byte {
	length := 28 + len(payload)
	b := make([]byte, 1+20+length)
	b[0] = 1                            // frame byte
	gPutHeader(b, 1, 12, 1, 7, schema)  // RecordMetadata
	gPutHeader(b, 21, 16, 2, 7, schema) // RecordData
	gLE.PutUint64(b[29:], index)
	gLE.PutUint64(b[37:], uint64(asqn))
	gLE.PutUint32(b[45:], uint32(len(payload)))
	copy(b[49:], payload)
	gLE.PutUint64(b[9:], uint64(gCRC(b[21:21+length]))) // CRC32C of the RecordData bytes
	gLE.PutUint32(b[17:], uint32(length))
	return b
}

// gApplicationEntry builds a Raft ApplicationEntry payload (§2.4).
func gApplicationEntry(raftSchema int, term uint64, lowest, highest int64, data []byte) []byte {
	b := make([]byte, 45+len(data))
	gPutHeader(b, 0, 9, 1, 8, raftSchema) // RaftLogEntry
	gLE.PutUint64(b[8:], term)
	b[16] = 0                               // type Application
	gPutHeader(b, 17, 16, 2, 8, raftSchema) // ApplicationEntry
	gLE.PutUint64(b[25:], uint64(lowest))
	gLE.PutUint64(b[33:], uint64(highest))
	gLE.PutUint32(b[41:], uint32(len(data)))
	copy(b[45:], data)
	return b
}

// gInitialEntry builds a Raft InitialEntry payload (§2.4): type 2, no body.
func gInitialEntry(raftSchema int, term uint64) []byte {
	b := make([]byte, 17)
	gPutHeader(b, 0, 9, 1, 8, raftSchema)
	gLE.PutUint64(b[8:], term)
	b[16] = 2
	return b
}

// gLoggedEvent builds one Zeebe logged event (§2.4).
//
// The note fixes the frame header (12 bytes, framed length int32 at 0, 8-byte alignment), the
// 40-byte log entry descriptor (position @4, sourceEventPosition @12, key @20, timestamp @28,
// metadataLength @36), the descriptor's version u16 @0 (1 from 8.5, 0 before) with the width of
// metadataLength that goes with it (int32 from 8.5, u16 and 2 unused bytes before), the
// RecordMetadata SBE header ids (template 200, schema 0, version = protocol version) and
// brokerVersion at block offset 17 (protocol >= 4) or 18 (<= 3). It does not fix
// RecordMetadata's block length: the simulator documents it as "up to and including
// brokerVersion", i.e. brokerVersionOffset + 12, which this builder pins. Every other byte (the
// descriptor's flags, the other RecordMetadata fields) is 0.
func gLoggedEvent(logEntry, protocol int, position, sourcePosition, key, timestamp int64, v [3]int32, value []byte) []byte {
	bvOff := 17
	if protocol <= 3 {
		bvOff = 18
	}
	block := bvOff + 12
	metaLen := 8 + block
	framed := 12 + 40 + metaLen + len(value)
	b := make([]byte, (framed+7)/8*8)
	gLE.PutUint32(b[0:], uint32(framed))
	const d = 12 // log entry descriptor
	gLE.PutUint16(b[d:], uint16(logEntry))
	gLE.PutUint64(b[d+4:], uint64(position))
	gLE.PutUint64(b[d+12:], uint64(sourcePosition))
	gLE.PutUint64(b[d+20:], uint64(key))
	gLE.PutUint64(b[d+28:], uint64(timestamp))
	if logEntry >= 1 {
		gLE.PutUint32(b[d+36:], uint32(metaLen)) // int32
	} else {
		gLE.PutUint16(b[d+36:], uint16(metaLen)) // u16, then 2 unused bytes
	}
	const m = d + 40 // RecordMetadata
	gPutHeader(b, m, block, 200, 0, protocol)
	gLE.PutUint32(b[m+8+bvOff:], uint32(v[0]))
	gLE.PutUint32(b[m+8+bvOff+4:], uint32(v[1]))
	gLE.PutUint32(b[m+8+bvOff+8:], uint32(v[2]))
	copy(b[m+metaLen:], value)
	return b
}

func gVersionOf(v zeebe.Version) [3]int32 {
	return [3]int32{int32(v.Major), int32(v.Minor), int32(v.Patch)}
}

// gMeta builds a .meta file (§4.1): 256 bytes zero-padded.
func gMeta(raftSchema, block int, term, lastFlushed, commitIndex uint64, votedFor string) []byte {
	b := make([]byte, 256)
	b[0] = 1
	gPutHeader(b, 1, block, 6, 8, raftSchema)
	gLE.PutUint64(b[9:], term)
	gLE.PutUint64(b[17:], lastFlushed)
	p := 25
	if block == 24 {
		gLE.PutUint64(b[25:], commitIndex)
		p = 33
	}
	gLE.PutUint32(b[p:], uint32(len(votedFor)))
	copy(b[p+4:], votedFor)
	return b
}

// gConf builds a .conf file (§4.2) for a block of 24 or 25 bytes, force = 0, with newMembers
// and an empty oldMembers group.
func gConf(raftSchema, block int, index, term, timestamp uint64, members []zeebe.Member) []byte {
	b := make([]byte, 9+block)
	b[0] = 1
	gPutHeader(b, 1, block, 5, 8, raftSchema)
	gLE.PutUint64(b[9:], index)
	gLE.PutUint64(b[17:], term)
	gLE.PutUint64(b[25:], timestamp)
	// b[33] = force = 0 when block is 25
	group := func(ms []zeebe.Member) {
		b = gLE.AppendUint16(b, 9)   // group blockLength
		b = append(b, byte(len(ms))) // uint8 numInGroup
		for _, m := range ms {
			b = append(b, byte(m.Type))
			b = gLE.AppendUint64(b, uint64(m.Updated))
			b = gLE.AppendUint32(b, uint32(len(m.ID)))
			b = append(b, m.ID...)
		}
	}
	group(members)
	group(nil)
	return b
}

// ---------------------------------------------------------------------------------------------
// §2.2 segment descriptor

func TestGoldenDescriptor(t *testing.T) {
	const (
		id      = 3
		index   = 1001
		maxSize = 128 << 20
		lastIdx = 1500
		lastPos = 40960
	)
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			want := gDescriptor(v.journalSchema, id, index, maxSize, lastIdx, lastPos)
			if len(want) != 57 {
				t.Fatalf("test builder: schema-2 descriptor is %d bytes, the note says 57", len(want))
			}
			// Spot-check the literal bytes the note lists, independent of the builder.
			lit := []byte{
				2,                      // 0: version byte
				8, 0, 4, 0, 7, 0, 2, 0, // 1: blockLength 8, templateId 4, schemaId 7, version 2
			}
			gEqual(t, "descriptor[0:9] literal", want[:9], lit)
			gEqual(t, "descriptor[17:25] literal", want[17:25], []byte{32, 0, 3, 0, 7, 0, 2, 0})

			got := sim.EncodeDescriptor(l, id, index, maxSize, lastIdx, lastPos)
			gEqual(t, "EncodeDescriptor", got, want)

			d, err := zeebe.ParseDescriptor(want)
			if err != nil {
				t.Fatalf("ParseDescriptor: %v", err)
			}
			wantD := zeebe.Descriptor{Version: 2, SchemaVersion: 2, ID: id, Index: index, MaxSegmentSize: maxSize,
				LastIndex: lastIdx, LastPosition: lastPos, Length: 57}
			if d != wantD {
				t.Errorf("ParseDescriptor = %+v, want %+v", d, wantD)
			}
			if l.DescriptorLength() != 57 {
				t.Errorf("Layout.DescriptorLength() = %d, want 57", l.DescriptorLength())
			}
		})
	}
}

// A schema-1 block (8.0-8.2 segments kept by 8.3+) is 20 bytes: 45-byte descriptor.
func TestGoldenDescriptorSchema1(t *testing.T) {
	l := gLayout(t, "8.5.3")
	l.JournalSchema = 1 // what an 8.0-8.2 broker wrote (LayoutOf refuses those releases)
	want := gDescriptor(1, 1, 1, 1<<20, 0, 0)
	if len(want) != 45 {
		t.Fatalf("test builder: schema-1 descriptor is %d bytes, the note says 45", len(want))
	}
	gEqual(t, "EncodeDescriptor schema 1", sim.EncodeDescriptor(l, 1, 1, 1<<20, 0, 0), want)
	d, err := zeebe.ParseDescriptor(append(want, make([]byte, 100)...))
	if err != nil {
		t.Fatalf("ParseDescriptor: %v", err)
	}
	if d.Length != 45 || d.SchemaVersion != 1 || d.ID != 1 || d.Index != 1 || d.MaxSegmentSize != 1<<20 {
		t.Errorf("ParseDescriptor = %+v", d)
	}
}

func TestDescriptorRefusals(t *testing.T) {
	good := gDescriptor(2, 3, 1001, 128<<20, 1500, 40960)
	mut := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	cases := []struct {
		name string
		b    []byte
	}{
		{"bad CRC (id changed)", mut(func(b []byte) []byte { b[30] ^= 1; return b })},
		{"bad CRC (checksum changed)", mut(func(b []byte) []byte { b[9] ^= 0x80; return b })},
		{"wrong metadata template id", mut(func(b []byte) []byte { gLE.PutUint16(b[3:], 3); return b })},
		{"wrong descriptor template id", mut(func(b []byte) []byte {
			gLE.PutUint16(b[19:], 4)
			gLE.PutUint64(b[9:], uint64(gCRC(b[17:57])))
			return b
		})},
		{"wrong schema id", mut(func(b []byte) []byte {
			gLE.PutUint16(b[21:], 8)
			gLE.PutUint64(b[9:], uint64(gCRC(b[17:57])))
			return b
		})},
		{"version byte 1", mut(func(b []byte) []byte { b[0] = 1; return b })},
		{"version byte 3", mut(func(b []byte) []byte { b[0] = 3; return b })},
		{"truncated to 56 bytes", good[:56]},
		{"truncated to 16 bytes", good[:16]},
		{"truncated to 5 bytes", good[:5]},
		{"empty", nil},
	}
	for _, c := range cases {
		if d, err := zeebe.ParseDescriptor(c.b); err == nil {
			t.Errorf("%s: ParseDescriptor accepted it: %+v", c.name, d)
		}
	}
	if _, err := zeebe.ParseDescriptor(make([]byte, 57)); !errors.Is(err, zeebe.ErrUninitialized) {
		t.Errorf("all-zero descriptor: err = %v, want ErrUninitialized", err)
	}
}

// ---------------------------------------------------------------------------------------------
// §2.3 entries, §2.4 Raft payloads and logged events

func TestGoldenEntry(t *testing.T) {
	payload := []byte("any payload: EncodeEntry does not look into it")
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			for _, asqn := range []int64{4242, -1} {
				want := gEntry(v.journalSchema, 1001, asqn, payload)
				length := 28 + len(payload)
				if got := int(gLE.Uint32(want[17:])); got != length {
					t.Fatalf("test builder: length %d, want %d", got, length)
				}
				// Literal header bytes of the note: RecordMetadata (12,1,7,2), RecordData (16,2,7,2).
				gEqual(t, "entry[0:9] literal", want[:9], []byte{1, 12, 0, 1, 0, 7, 0, 2, 0})
				gEqual(t, "entry[21:29] literal", want[21:29], []byte{16, 0, 2, 0, 7, 0, 2, 0})
				if asqn == -1 {
					gEqual(t, "asqn -1", want[37:45], bytes.Repeat([]byte{0xff}, 8))
				}
				got := sim.EncodeEntry(l, 1001, asqn, payload)
				gEqual(t, fmt.Sprintf("EncodeEntry asqn=%d", asqn), got, want)
				if len(got) != 1+20+length {
					t.Errorf("EncodeEntry: %d bytes, the next entry must start at 1+20+length = %d", len(got), 1+20+length)
				}
			}
		})
	}
}

func TestGoldenRaftEntries(t *testing.T) {
	data := []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3}
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			want := gApplicationEntry(v.raftSchema, 7, 100, 105, data)
			rs := byte(v.raftSchema)
			gEqual(t, "application entry headers literal",
				append(slices.Clone(want[0:8]), want[17:25]...),
				[]byte{9, 0, 1, 0, 8, 0, rs, 0, 16, 0, 2, 0, 8, 0, rs, 0})
			gEqual(t, "EncodeApplicationEntry", sim.EncodeApplicationEntry(l, 7, 100, 105, data), want)

			init := gInitialEntry(v.raftSchema, 7)
			gEqual(t, "initial entry literal", init,
				[]byte{9, 0, 1, 0, 8, 0, rs, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2})
			gEqual(t, "EncodeInitialEntry", sim.EncodeInitialEntry(l, 7), init)
		})
	}
}

func TestGoldenLoggedEvent(t *testing.T) {
	value := []byte{0x81, 0xa1, 'k', 0x2a} // msgpack {"k": 42}
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			bv := zeebe.MustVersion(v.name)
			want := gLoggedEvent(v.logEntry, v.protocol, 100, 99, 2251799813685249, 1700000000123, gVersionOf(bv), value)
			if len(want)%8 != 0 {
				t.Fatalf("test builder: %d bytes, not aligned to 8", len(want))
			}
			// Literal RecordMetadata header: block 29, template 200, schema 0, version = protocol.
			gEqual(t, "record metadata header literal", want[52:60],
				[]byte{29, 0, 200, 0, 0, 0, byte(v.protocol), 0})
			// brokerVersion at block offset 17: frame 12 + descriptor 40 + header 8 + 17 = 77.
			gEqual(t, "brokerVersion literal", want[77:89],
				[]byte{byte(bv.Major), 0, 0, 0, byte(bv.Minor), 0, 0, 0, byte(bv.Patch), 0, 0, 0})
			// LogEntryDescriptor version at frame 12 + 0: 1 from 8.5, 0 before (§2.4).
			gEqual(t, "log entry descriptor version literal", want[12:14], []byte{byte(v.logEntry), 0})
			if l.LogEntryVersion != v.logEntry {
				t.Errorf("Layout.LogEntryVersion = %d, want %d", l.LogEntryVersion, v.logEntry)
			}
			got := sim.EncodeLoggedEvent(l, 100, 99, 2251799813685249, 1700000000123, bv, value)
			gEqual(t, "EncodeLoggedEvent", got, want)
			evs, err := zeebe.LoggedEvents(want)
			if err != nil || len(evs) != 1 || evs[0].Version != v.logEntry || evs[0].Position != 100 || evs[0].BrokerVersion != bv {
				t.Errorf("LoggedEvents = %+v, %v", evs, err)
			}
		})
	}
}

// Before 8.5 the LogEntryDescriptor has version 0 and a uint16 metadataLength followed by two
// unused bytes; from 8.5 version 1 and an int32 (§2.4).
func TestGoldenLoggedEventBefore85(t *testing.T) {
	l := gLayout(t, "8.4.9")
	bv := zeebe.MustVersion("8.4.9")
	value := []byte{0x81, 0xa1, 'k', 0x2a}
	want := gLoggedEvent(0, 4, 100, 99, 5, 1700000000123, gVersionOf(bv), value)
	gEqual(t, "log entry descriptor version literal", want[12:14], []byte{0, 0})
	gEqual(t, "metadataLength literal (u16 37, 2 unused bytes)", want[12+36:12+40], []byte{37, 0, 0, 0})
	gEqual(t, "EncodeLoggedEvent 8.4.9", sim.EncodeLoggedEvent(l, 100, 99, 5, 1700000000123, bv, value), want)
	l85 := gLayout(t, "8.5.0")
	want85 := gLoggedEvent(1, 4, 100, 99, 5, 1700000000123, gVersionOf(zeebe.MustVersion("8.5.0")), value)
	gEqual(t, "log entry descriptor version literal 8.5.0", want85[12:14], []byte{1, 0})
	gEqual(t, "EncodeLoggedEvent 8.5.0", sim.EncodeLoggedEvent(l85, 100, 99, 5, 1700000000123, zeebe.MustVersion("8.5.0"), value), want85)
	for _, b := range [][]byte{want, want85} {
		if evs, err := zeebe.LoggedEvents(b); err != nil || len(evs) != 1 || evs[0].Version != int(b[12]) || !bytes.Equal(evs[0].Value, value) {
			t.Errorf("LoggedEvents = %+v, %v", evs, err)
		}
	}
}

// Protocol version 3 (8.0-8.2) puts brokerVersion at block offset 18 (§2.4).
func TestGoldenLoggedEventProtocol3(t *testing.T) {
	l := gLayout(t, "8.5.3")
	l.ProtocolVersion = 3
	bv := zeebe.MustVersion("8.2.15")
	l.LogEntryVersion = 0 // 8.0-8.2 wrote version 0
	want := gLoggedEvent(0, 3, 7, -1, -1, 1, gVersionOf(bv), []byte{0x80})
	gEqual(t, "brokerVersion at 18", want[12+40+8+18:12+40+8+30], []byte{8, 0, 0, 0, 2, 0, 0, 0, 15, 0, 0, 0})
	gEqual(t, "EncodeLoggedEvent protocol 3", sim.EncodeLoggedEvent(l, 7, -1, -1, 1, bv, []byte{0x80}), want)
}

// gSegment is a hand-built segment: descriptor at 0, an initial entry, two application entries
// carrying logged events, then zeros.
type gSegment struct {
	bytes    []byte
	offsets  []int
	records  [][]byte // the RecordData of each entry
	payloads [][]byte
}

func gBuildSegment(v gVer) gSegment {
	bv := zeebe.MustVersion(v.name)
	older := [3]int32{int32(bv.Major), int32(bv.Minor), 0}
	var s gSegment
	s.bytes = gDescriptor(v.journalSchema, 1, 1001, 1<<20, 0, 0)
	ev1 := gLoggedEvent(v.logEntry, v.protocol, 100, -1, 1, 1700000000000, older, []byte{0x80})
	ev2 := gLoggedEvent(v.logEntry, v.protocol, 101, 100, 2, 1700000000001, gVersionOf(bv), []byte{0x81, 0xa1, 'a', 1})
	ev3 := gLoggedEvent(v.logEntry, v.protocol, 102, 101, 3, 1700000000002, older, nil)
	s.payloads = [][]byte{
		gInitialEntry(v.raftSchema, 2),
		gApplicationEntry(v.raftSchema, 2, 100, 101, append(slices.Clone(ev1), ev2...)),
		gApplicationEntry(v.raftSchema, 3, 102, 102, ev3),
	}
	asqns := []int64{-1, 100, 102}
	for i, p := range s.payloads {
		e := gEntry(v.journalSchema, 1001+uint64(i), asqns[i], p)
		s.offsets = append(s.offsets, len(s.bytes))
		s.records = append(s.records, e[21:])
		s.bytes = append(s.bytes, e...)
	}
	s.bytes = append(s.bytes, make([]byte, 64)...)
	return s
}

func TestScanEntriesRoundTrip(t *testing.T) {
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			s := gBuildSegment(v)
			d, err := zeebe.ParseDescriptor(s.bytes)
			if err != nil {
				t.Fatalf("ParseDescriptor: %v", err)
			}
			entries, err := zeebe.ScanEntries(s.bytes, d, 1001)
			if err != nil {
				t.Fatalf("ScanEntries: %v", err)
			}
			if len(entries) != 3 {
				t.Fatalf("ScanEntries: %d entries, want 3", len(entries))
			}
			bv := zeebe.MustVersion(v.name)
			want := []zeebe.Entry{
				{Offset: 57, Index: 1001, ASQN: -1, Term: 2, Type: 2},
				{Offset: s.offsets[1], Index: 1002, ASQN: 100, Term: 2, Type: 0, HighestPosition: 101, BrokerVersion: bv},
				{Offset: s.offsets[2], Index: 1003, ASQN: 102, Term: 3, Type: 0, HighestPosition: 102,
					BrokerVersion: zeebe.Version{Major: bv.Major, Minor: bv.Minor}},
			}
			for i := range want {
				want[i].Checksum = gCRC(s.records[i])
				want[i].Size = 1 + 20 + 28 + len(s.payloads[i]) // next entry at p + 1 + 20 + length
				want[i].Payload = s.payloads[i]
				if !reflect.DeepEqual(entries[i], want[i]) {
					t.Errorf("entry %d = %+v\n            want %+v", i, entries[i], want[i])
				}
			}
			if entries[1].Offset != entries[0].Offset+entries[0].Size || entries[2].Offset != entries[1].Offset+entries[1].Size {
				t.Errorf("entries are not back to back: %+v", entries)
			}

			// The same segment from the encoders must be the same bytes.
			l := gLayout(t, v.name)
			enc := sim.EncodeDescriptor(l, 1, 1001, 1<<20, 0, 0)
			older := zeebe.Version{Major: bv.Major, Minor: bv.Minor}
			app1 := append(sim.EncodeLoggedEvent(l, 100, -1, 1, 1700000000000, older, []byte{0x80}),
				sim.EncodeLoggedEvent(l, 101, 100, 2, 1700000000001, bv, []byte{0x81, 0xa1, 'a', 1})...)
			enc = append(enc, sim.EncodeEntry(l, 1001, -1, sim.EncodeInitialEntry(l, 2))...)
			enc = append(enc, sim.EncodeEntry(l, 1002, 100, sim.EncodeApplicationEntry(l, 2, 100, 101, app1))...)
			enc = append(enc, sim.EncodeEntry(l, 1003, 102, sim.EncodeApplicationEntry(l, 3, 102, 102,
				sim.EncodeLoggedEvent(l, 102, 101, 3, 1700000000002, older, nil)))...)
			enc = append(enc, make([]byte, 64)...)
			gEqual(t, "encoded segment", enc, s.bytes)
		})
	}
}

func TestScanEntriesRefusals(t *testing.T) {
	v := gVersions[0]
	s := gBuildSegment(v)
	d, err := zeebe.ParseDescriptor(s.bytes)
	if err != nil {
		t.Fatal(err)
	}
	p1 := s.offsets[1] // second entry
	mut := func(f func(b []byte)) []byte { b := slices.Clone(s.bytes); f(b); return b }
	recrc := func(b []byte, p int) {
		length := int(gLE.Uint32(b[p+17:]))
		gLE.PutUint64(b[p+9:], uint64(gCRC(b[p+21:p+21+length])))
	}
	cases := []struct {
		name string
		b    []byte
		keep int // entries read before the refusal
	}{
		{"bad CRC (payload byte flipped)", mut(func(b []byte) { b[p1+60] ^= 0xff }), 1},
		{"bad CRC (stored checksum changed)", mut(func(b []byte) { b[p1+9] ^= 1 }), 1},
		{"wrong RecordMetadata template id", mut(func(b []byte) { gLE.PutUint16(b[p1+3:], 2) }), 1},
		{"wrong RecordMetadata schema id", mut(func(b []byte) { gLE.PutUint16(b[p1+5:], 8) }), 1},
		{"wrong RecordData template id (CRC fixed)", mut(func(b []byte) { gLE.PutUint16(b[p1+23:], 1); recrc(b, p1) }), 1},
		{"length past the end", mut(func(b []byte) { gLE.PutUint32(b[p1+17:], uint32(len(b))) }), 1},
		// The RecordMetadata fits, but its length points past the end: torn (§2.3, "length
		// pointing past the end of the segment").
		{"truncated inside the second entry's data", s.bytes[:p1+30], 1},
		{"truncated inside the first entry's data", s.bytes[:57+30], 0},
	}
	for _, c := range cases {
		entries, err := zeebe.ScanEntries(c.b, d, 1001)
		var ee *zeebe.EntryError
		if !errors.As(err, &ee) {
			t.Errorf("%s: err = %v, want an *EntryError", c.name, err)
			continue
		}
		if len(entries) != c.keep {
			t.Errorf("%s: %d entries before the refusal, want %d", c.name, len(entries), c.keep)
		}
		if ee.Offset != s.offsets[c.keep] {
			t.Errorf("%s: error at offset %d, want %d", c.name, ee.Offset, s.offsets[c.keep])
		}
	}

	// A wrong Raft entry template id with a matching CRC: the entry is intact (Zeebe's journal
	// never reads the payload), only its records cannot be read.
	entries, err := zeebe.ScanEntries(mut(func(b []byte) { gLE.PutUint16(b[p1+49+2:], 2); recrc(b, p1) }), d, 1001)
	if err != nil || len(entries) != 3 || entries[1].PayloadErr == nil {
		t.Errorf("wrong Raft entry template id (CRC fixed): %d entries, err %v; want 3 with a payload error on the second", len(entries), err)
	}

	// Frame byte 0 is the end of data, not an error; any non-zero frame byte is valid.
	entries, err = zeebe.ScanEntries(mut(func(b []byte) { b[p1] = 0 }), d, 1001)
	if err != nil || len(entries) != 1 {
		t.Errorf("frame byte 0: %d entries, err %v; want 1, nil", len(entries), err)
	}
	entries, err = zeebe.ScanEntries(mut(func(b []byte) { b[p1] = 7 }), d, 1001)
	if err != nil || len(entries) != 3 {
		t.Errorf("frame byte 7: %d entries, err %v; want 3, nil", len(entries), err)
	}
	// Fewer bytes than the RecordMetadata after a non-zero frame byte: see
	// TestScanEntriesEndOfData in internal/zeebe/parse_test.go.
	// The first index must be the expected one.
	if _, err := zeebe.ScanEntries(s.bytes, d, 1000); err == nil {
		t.Errorf("ScanEntries with expectIndex 1000 accepted a segment starting at 1001")
	}
}

// ---------------------------------------------------------------------------------------------
// §4.1 .meta

func TestGoldenMeta(t *testing.T) {
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			if got := l.MetaBlockLength(); got != v.metaBlock {
				t.Errorf("MetaBlockLength() = %d, want %d", got, v.metaBlock)
			}
			for _, c := range []struct {
				lastFlushed, commit uint64
				voted               string
			}{
				{1500, 1490, "1"},
				{zeebe.NullIndex, zeebe.NullIndex, ""}, // nothing flushed, no vote
				{0, 0, "12"},
			} {
				want := gMeta(v.raftSchema, v.metaBlock, 7, c.lastFlushed, c.commit, c.voted)
				if c.lastFlushed == zeebe.NullIndex {
					gEqual(t, "null lastFlushedIndex", want[17:25], bytes.Repeat([]byte{0xff}, 8))
				}
				gEqual(t, "meta header literal", want[:9],
					[]byte{1, byte(v.metaBlock), 0, 6, 0, 8, 0, byte(v.raftSchema), 0})
				got := sim.EncodeMeta(l, 7, c.lastFlushed, c.commit, c.voted)
				gEqual(t, fmt.Sprintf("EncodeMeta(%d,%d,%q)", c.lastFlushed, c.commit, c.voted), got, want)

				m, err := zeebe.ParseMeta(want)
				if err != nil {
					t.Fatalf("ParseMeta: %v", err)
				}
				wantM := zeebe.Meta{SchemaVersion: uint16(v.raftSchema), Term: 7, LastFlushedIndex: c.lastFlushed,
					CommitIndex: c.commit, VotedFor: c.voted}
				if v.metaBlock == 16 {
					wantM.CommitIndex = zeebe.NullIndex // absent before 8.7
				}
				if m != wantM {
					t.Errorf("ParseMeta = %+v, want %+v", m, wantM)
				}
			}
		})
	}
}

func TestMetaRefusals(t *testing.T) {
	good := gMeta(3, 16, 7, 1500, 0, "1")
	mut := func(f func(b []byte)) []byte { b := slices.Clone(good); f(b); return b }
	cases := map[string][]byte{
		"version byte 0":        mut(func(b []byte) { b[0] = 0 }),
		"version byte 2":        mut(func(b []byte) { b[0] = 2 }),
		"wrong template id 5":   mut(func(b []byte) { gLE.PutUint16(b[3:], 5) }),
		"wrong schema id 7":     mut(func(b []byte) { gLE.PutUint16(b[5:], 7) }),
		"block length 8":        mut(func(b []byte) { gLE.PutUint16(b[1:], 8) }),
		"votedFor past the end": mut(func(b []byte) { gLE.PutUint32(b[25:], 1000) }),
		"truncated to 20 bytes": good[:20],
		"truncated to 4 bytes":  good[:4],
		"32 zero bytes":         make([]byte, 32),
	}
	for name, b := range cases {
		if m, err := zeebe.ParseMeta(b); err == nil {
			t.Errorf("%s: ParseMeta accepted it: %+v", name, m)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// §4.2 .conf

func TestGoldenConf(t *testing.T) {
	members := []zeebe.Member{
		{Type: zeebe.MemberActive, Updated: 1700000000000, ID: "0"},
		{Type: zeebe.MemberPromotable, Updated: 1700000000001, ID: "12"},
	}
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			if got := l.ConfBlockLength(); got != v.confBlock {
				t.Errorf("ConfBlockLength() = %d, want %d", got, v.confBlock)
			}
			want := gConf(v.raftSchema, v.confBlock, 1001, 2, 1700000000500, members)
			// Literal check of the layout for block 25: header, force at 33, groups from 34.
			gEqual(t, "conf header literal", want[:9], []byte{1, 25, 0, 5, 0, 8, 0, byte(v.raftSchema), 0})
			gEqual(t, "conf groups literal", want[33:], []byte{
				0,       // force
				9, 0, 2, // newMembers: blockLength 9, count 2
				3, 0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0, 0, 1, 0, 0, 0, '0', // ACTIVE, 1700000000000, "0"
				2, 0x01, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0, 0, 2, 0, 0, 0, '1', '2', // PROMOTABLE, 1700000000001, "12"
				9, 0, 0, // oldMembers: empty
			})
			got := sim.EncodeConf(l, 1001, 2, 1700000000500, members)
			gEqual(t, "EncodeConf", got, want)

			c, err := zeebe.ParseConf(want)
			if err != nil {
				t.Fatalf("ParseConf: %v", err)
			}
			wantC := zeebe.Conf{SchemaVersion: uint16(v.raftSchema), Index: 1001, Term: 2, Timestamp: 1700000000500,
				NewMembers: members, OldMembers: []zeebe.Member{}}
			if !reflect.DeepEqual(c, wantC) {
				t.Errorf("ParseConf = %+v, want %+v", c, wantC)
			}
			// The file is not truncated on rewrite: trailing junk is ignored (§4.2).
			c2, err := zeebe.ParseConf(append(slices.Clone(want), 0xaa, 0xbb, 0xcc, 0xdd))
			if err != nil || !reflect.DeepEqual(c2, wantC) {
				t.Errorf("ParseConf with trailing junk = %+v, %v", c2, err)
			}
			// force = 1 comes back.
			forced := slices.Clone(want)
			forced[33] = 1
			if c3, err := zeebe.ParseConf(forced); err != nil || !c3.Force {
				t.Errorf("ParseConf with force=1: Force = %v, err %v", c3.Force, err)
			}
		})
	}
}

func TestConfRefusals(t *testing.T) {
	good := gConf(3, 25, 1001, 2, 1700000000500, []zeebe.Member{
		{Type: zeebe.MemberActive, Updated: 1, ID: "0"},
		{Type: zeebe.MemberActive, Updated: 1, ID: "1"},
	})
	mut := func(f func(b []byte)) []byte { b := slices.Clone(good); f(b); return b }
	cases := map[string][]byte{
		"version byte 2":              mut(func(b []byte) { b[0] = 2 }),
		"wrong template id 6":         mut(func(b []byte) { gLE.PutUint16(b[3:], 6) }),
		"wrong schema id 7":           mut(func(b []byte) { gLE.PutUint16(b[5:], 7) }),
		"schema version 1 (8.0-8.2)":  mut(func(b []byte) { gLE.PutUint16(b[7:], 1) }),
		"member id past the end":      mut(func(b []byte) { gLE.PutUint32(b[34+3+9:], 99) }),
		"truncated in the block":      good[:20],
		"truncated in a member":       good[:34+3+5],
		"truncated before oldMembers": good[:len(good)-3],
	}
	for name, b := range cases {
		if c, err := zeebe.ParseConf(b); err == nil {
			t.Errorf("%s: ParseConf accepted it: %+v", name, c)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// §4.3 .topology.meta

// gTopology is 2 members with 2 partitions each (N=2, P=2, RF=2).
func gTopology() zeebe.PersistedTopology {
	return zeebe.PersistedTopology{
		HeaderVersion: 1,
		Version:       5,
		Members: map[int]zeebe.TopologyMember{
			0: {Version: 3, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{
				1: {State: zeebe.StateActive, Priority: 2},
				2: {State: zeebe.StateActive, Priority: 1},
			}},
			1: {Version: 4, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{
				1: {State: zeebe.StateActive, Priority: 1},
				2: {State: zeebe.StateActive, Priority: 2},
			}},
		},
	}
}

// gTopologyBody is gTopology's ClusterTopology written out by hand (lastUpdated = 1700000000 s).
var gTopologyBody = []byte{
	0x08, 0x05, // version = 5
	0x12, 0x25, // members entry, 37 bytes
	/**/ 0x0a, 0x01, '0', // key "0"
	/**/ 0x12, 0x20, // value MemberState, 32 bytes
	/*    */ 0x08, 0x03, // version = 3
	/*    */ 0x12, 0x06, 0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, // lastUpdated { seconds = 1700000000 }
	/*    */ 0x18, 0x02, // state = ACTIVE
	/*    */ 0x22, 0x08, 0x08, 0x01, 0x12, 0x04, 0x08, 0x02, 0x10, 0x02, // partitions {1: {ACTIVE, priority 2}}
	/*    */ 0x22, 0x08, 0x08, 0x02, 0x12, 0x04, 0x08, 0x02, 0x10, 0x01, // partitions {2: {ACTIVE, priority 1}}
	0x12, 0x25,
	/**/ 0x0a, 0x01, '1',
	/**/ 0x12, 0x20,
	/*    */ 0x08, 0x04,
	/*    */ 0x12, 0x06, 0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06,
	/*    */ 0x18, 0x02,
	/*    */ 0x22, 0x08, 0x08, 0x01, 0x12, 0x04, 0x08, 0x02, 0x10, 0x01,
	/*    */ 0x22, 0x08, 0x08, 0x02, 0x12, 0x04, 0x08, 0x02, 0x10, 0x02,
}

func gTopologyFile(body []byte) []byte {
	b := make([]byte, 9, 9+len(body))
	b[0] = 1
	gLE.PutUint64(b[1:], uint64(gCRC(body)))
	return append(b, body...)
}

func TestGoldenTopologyMeta(t *testing.T) {
	want := gTopologyFile(gTopologyBody)
	got := sim.EncodeTopologyMeta(gTopology(), 1700000000)
	if len(got) >= 9 {
		gEqual(t, "EncodeTopologyMeta protobuf body (from byte 9)", got[9:], gTopologyBody)
	}
	gEqual(t, "EncodeTopologyMeta", got, want)

	top, err := zeebe.ParseTopologyMeta(want)
	if err != nil {
		t.Fatalf("ParseTopologyMeta: %v", err)
	}
	if !reflect.DeepEqual(top, gTopology()) {
		t.Errorf("ParseTopologyMeta = %+v\nwant %+v", top, gTopology())
	}
}

// Round trip of an 8.8 topology with a cluster id (field 6; its inner layout is the
// simulator's unverified reading, so only the round trip is checked).
func TestTopologyMetaClusterIDRoundTrip(t *testing.T) {
	in := gTopology()
	in.ClusterID = "5f0e4a3c-8c1b-4c3e-9a55-0d6a1d1e2f3a"
	b := sim.EncodeTopologyMeta(in, 1700000000)
	if b[0] != 1 || gLE.Uint64(b[1:]) != uint64(gCRC(b[9:])) {
		t.Fatalf("header: version %d, checksum %#x, CRC32C of body %#x", b[0], gLE.Uint64(b[1:]), gCRC(b[9:]))
	}
	if !bytes.HasPrefix(b[9:], gTopologyBody) || b[9+len(gTopologyBody)] != 0x32 {
		t.Errorf("clusterId should follow the members as field 6 (tag 0x32): % x", b[9:])
	}
	out, err := zeebe.ParseTopologyMeta(b)
	if err != nil {
		t.Fatalf("ParseTopologyMeta: %v", err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("ParseTopologyMeta = %+v\nwant %+v", out, in)
	}
}

// topology.proto is proto3 (syntax = 'proto3'), so protobuf-java does not write scalar fields
// that hold their default value: a topology or member version of 0 has no field 1 at all.
// The note's §4.3 fixes the body as that proto message; Zeebe writes it with protobuf-java.
func TestGoldenTopologyMetaProto3Defaults(t *testing.T) {
	in := zeebe.PersistedTopology{
		HeaderVersion: 1,
		Version:       0,
		Members: map[int]zeebe.TopologyMember{
			0: {Version: 0, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{
				1: {State: zeebe.StateActive, Priority: 1},
			}},
		},
	}
	body := []byte{
		// no "08 00": version 0 is the default
		0x12, 0x19,
		/**/ 0x0a, 0x01, '0',
		/**/ 0x12, 0x14,
		/*    */ // no "08 00": member version 0 is the default
		/*    */ 0x12, 0x06, 0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06,
		/*    */ 0x18, 0x02,
		/*    */ 0x22, 0x08, 0x08, 0x01, 0x12, 0x04, 0x08, 0x02, 0x10, 0x01,
	}
	want := gTopologyFile(body)
	got := sim.EncodeTopologyMeta(in, 1700000000)
	if len(got) >= 9 {
		gEqual(t, "EncodeTopologyMeta with zero versions, protobuf body (from byte 9)", got[9:], body)
	}
	gEqual(t, "EncodeTopologyMeta with zero versions", got, want)
	out, err := zeebe.ParseTopologyMeta(want)
	if err != nil || !reflect.DeepEqual(out, in) {
		t.Errorf("ParseTopologyMeta = %+v, %v; want %+v", out, err, in)
	}
}

func TestTopologyMetaRefusals(t *testing.T) {
	good := gTopologyFile(gTopologyBody)
	mut := func(f func(b []byte)) []byte { b := slices.Clone(good); f(b); return b }
	cases := map[string][]byte{
		"bad CRC (body changed)":     mut(func(b []byte) { b[12] ^= 1 }),
		"bad CRC (checksum changed)": mut(func(b []byte) { b[1] ^= 1 }),
		"CRC in the upper half":      mut(func(b []byte) { b[7] = 1 }),
		"version byte 0":             mut(func(b []byte) { b[0] = 0 }),
		"version byte 3":             mut(func(b []byte) { b[0] = 3 }),
		"truncated header":           good[:8],
		"truncated body":             gTopologyFile(gTopologyBody[:20]),
	}
	for name, b := range cases {
		if top, err := zeebe.ParseTopologyMeta(b); err == nil {
			t.Errorf("%s: ParseTopologyMeta accepted it: %+v", name, top)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// §3.3 SFV checksum file and zeebe.metadata

// gSFVHeader is the header of §3.3, verbatim.
const gSFVHeader = "; This is an SFC checksum file for all files in the given directory.\n" +
	"; You might use cksfv or another tool to validate these files manually.\n" +
	"; This is an automatically created file - please do NOT modify.\n"

var gSFVFiles = map[string]uint32{
	"zeebe.metadata":  0xabcdef01,
	"OPTIONS-000007":  0,
	"000012.sst":      0x001a2b3c,
	"MANIFEST-000005": 0x5,
	"CURRENT":         0xdeadbeef,
}

// gSFVBody: sorted by name (bytewise), name, exactly three spaces, lowercase hex without padding.
const gSFVBody = "000012.sst   1a2b3c\n" +
	"CURRENT   deadbeef\n" +
	"MANIFEST-000005   5\n" +
	"OPTIONS-000007   0\n" +
	"zeebe.metadata   abcdef01\n"

func TestGoldenSFV(t *testing.T) {
	for _, v := range gVersions {
		t.Run(v.name, func(t *testing.T) {
			l := gLayout(t, v.name)
			if l.CombinedChecksum != v.combined {
				t.Errorf("Layout.CombinedChecksum = %v, want %v", l.CombinedChecksum, v.combined)
			}
			want := gSFVHeader
			if v.combined {
				// The count is every file listed, checksums.size(), SSTs included (§3.3).
				want += "; combinedValue = 123abcd\n" +
					"; number of files used for combined value = 5\n"
			}
			want += gSFVBody
			got := sim.EncodeSFV(l, gSFVFiles, 0x123abcd)
			gEqual(t, "EncodeSFV", got, []byte(want))
			if !strings.HasPrefix(string(got), gSFVHeader) {
				t.Errorf("EncodeSFV header is not the one of §3.3:\n%s", got)
			}

			s, err := zeebe.ParseSFV([]byte(want))
			if err != nil {
				t.Fatalf("ParseSFV: %v", err)
			}
			wantS := zeebe.SFV{Files: gSFVFiles}
			if v.combined {
				wantS.Combined, wantS.HasCombined, wantS.CombinedFiles = 0x123abcd, true, 5
			}
			if !reflect.DeepEqual(s, wantS) {
				t.Errorf("ParseSFV = %+v, want %+v", s, wantS)
			}
		})
	}
}

func TestGoldenSnapshotMetadata(t *testing.T) {
	const want = `{"version":1,"processedPosition":123,"exportedPosition":9223372036854775807,"lastFollowupEventPosition":130}`
	got := sim.EncodeSnapshotMetadata(123, zeebe.NoExporterPosition, 130)
	gEqual(t, "EncodeSnapshotMetadata", got, []byte(want))

	var keys map[string]json.RawMessage
	if err := json.Unmarshal(got, &keys); err != nil {
		t.Fatalf("zeebe.metadata is not JSON: %v", err)
	}
	for _, k := range []string{"version", "processedPosition", "exportedPosition", "lastFollowupEventPosition"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("zeebe.metadata lacks key %q: %s", k, got)
		}
	}
	if len(keys) != 4 {
		t.Errorf("zeebe.metadata has %d keys, want 4: %s", len(keys), got)
	}
	m, err := zeebe.ParseSnapshotMetadata([]byte(want))
	if err != nil {
		t.Fatalf("ParseSnapshotMetadata: %v", err)
	}
	if wantM := (zeebe.SnapshotMetadata{Version: 1, ProcessedPosition: 123,
		ExportedPosition: zeebe.NoExporterPosition, LastFollowupEventPosition: 130}); m != wantM {
		t.Errorf("ParseSnapshotMetadata = %+v, want %+v", m, wantM)
	}
}

// The SFV of a snapshot written with the simulator's encoders: the combined value of §3.3 and
// the 8.8 id checksum of §3.1, each computed here by hand, survive the round trip.
func TestSnapshotChecksumsRoundTrip(t *testing.T) {
	content := map[string][]byte{
		"000012.sst":      []byte("sst bytes"),
		"CURRENT":         []byte("MANIFEST-000005\n"),
		"MANIFEST-000005": {1, 2, 3},
		"OPTIONS-000007":  []byte("[Version]\n"),
		"zeebe.metadata":  sim.EncodeSnapshotMetadata(123, 130, 130),
	}
	files := map[string]uint32{}
	names := []string{}
	for n, b := range content {
		files[n] = gCRC(b)
		names = append(names, n)
	}
	// §3.3: one CRC32C over name then bytes, files in bytewise order except zeebe.metadata,
	// which comes last; in full-file-checksum builds the SSTs are left out.
	feed := func(order []string) uint64 {
		var crc uint32
		for _, n := range order {
			crc = crc32.Update(crc, gCastagnoli, []byte(n))
			crc = crc32.Update(crc, gCastagnoli, content[n])
		}
		return uint64(crc)
	}
	all := feed([]string{"000012.sst", "CURRENT", "MANIFEST-000005", "OPTIONS-000007", "zeebe.metadata"})
	noSST := feed([]string{"CURRENT", "MANIFEST-000005", "OPTIONS-000007", "zeebe.metadata"})
	get := func(n string) ([]byte, error) { return content[n], nil }
	if c, n, err := zeebe.CombinedChecksum(names, get, nil); err != nil || c != all || n != 5 {
		t.Errorf("CombinedChecksum = %#x, %d, %v; want %#x, 5", c, n, err, all)
	}
	isSST := func(n string) bool { return strings.HasSuffix(n, ".sst") }
	if c, n, err := zeebe.CombinedChecksum(names, get, isSST); err != nil || c != noSST || n != 4 {
		t.Errorf("CombinedChecksum without SSTs = %#x, %d, %v; want %#x, 4", c, n, err, noSST)
	}

	l := gLayout(t, "8.5.3")
	s, err := zeebe.ParseSFV(sim.EncodeSFV(l, files, all))
	if err != nil {
		t.Fatalf("ParseSFV: %v", err)
	}
	if !s.HasCombined || s.Combined != all || s.CombinedFiles != 5 || !reflect.DeepEqual(s.Files, files) {
		t.Errorf("ParseSFV = %+v", s)
	}

	// §3.1: per file in sorted order, the UTF-8 name, then the bytes 0 and crc&0xff.
	var idCRC uint32
	for _, n := range []string{"000012.sst", "CURRENT", "MANIFEST-000005", "OPTIONS-000007", "zeebe.metadata"} {
		idCRC = crc32.Update(idCRC, gCastagnoli, []byte(n))
		idCRC = crc32.Update(idCRC, gCastagnoli, []byte{0, byte(files[n])})
	}
	if got := zeebe.SnapshotIDChecksum(files); got != uint64(idCRC) {
		t.Errorf("SnapshotIDChecksum = %#x, want %#x", got, idCRC)
	}
	id := fmt.Sprintf("1500-7-123-130-2-%x", idCRC)
	parsed, err := zeebe.ParseSnapshotID(id)
	if err != nil {
		t.Fatalf("ParseSnapshotID(%q): %v", id, err)
	}
	if parsed.Checksum != uint64(idCRC) || parsed.BrokerID != 2 || parsed.Parts != 6 || parsed.String() != id {
		t.Errorf("ParseSnapshotID(%q) = %+v (%s)", id, parsed, parsed)
	}
}
