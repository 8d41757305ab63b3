package sim

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

var le = binary.LittleEndian

func header(b []byte, blockLength, template, schema, version int) {
	zeebe.PutHeader(b, zeebe.SBEHeader{BlockLength: uint16(blockLength), TemplateID: uint16(template), SchemaID: uint16(schema), Version: uint16(version)})
}

// EncodeDescriptor writes a segment descriptor (§2.2).
func EncodeDescriptor(l zeebe.Layout, id, index int64, maxSegmentSize int32, lastIndex uint64, lastPosition uint32) []byte {
	block := 20
	if l.JournalSchema >= 2 {
		block = 32
	}
	b := make([]byte, 17+8+block)
	b[0] = 2
	header(b[1:], 8, zeebe.TemplateDescriptorMetadata, zeebe.JournalSchemaID, l.JournalSchema)
	header(b[17:], block, zeebe.TemplateSegmentDescriptor, zeebe.JournalSchemaID, l.JournalSchema)
	le.PutUint64(b[25:], uint64(id))
	le.PutUint64(b[33:], uint64(index))
	le.PutUint32(b[41:], uint32(maxSegmentSize))
	if block >= 32 {
		le.PutUint64(b[45:], lastIndex)
		le.PutUint32(b[53:], lastPosition)
	}
	le.PutUint64(b[9:], uint64(zeebe.CRC32C(b[17:])))
	return b
}

// EncodeEntry frames one journal record (§2.3): frame byte, RecordMetadata with the CRC32C of
// the RecordData, and the RecordData holding index, asqn and the payload.
func EncodeEntry(l zeebe.Layout, index uint64, asqn int64, payload []byte) []byte {
	length := 28 + len(payload)
	b := make([]byte, 1+20+length)
	b[0] = 1
	header(b[1:], 12, zeebe.TemplateRecordMetadata, zeebe.JournalSchemaID, l.JournalSchema)
	rec := b[21:]
	header(rec, 16, zeebe.TemplateRecordData, zeebe.JournalSchemaID, l.JournalSchema)
	le.PutUint64(rec[8:], index)
	le.PutUint64(rec[16:], uint64(asqn))
	le.PutUint32(rec[24:], uint32(len(payload)))
	copy(rec[28:], payload)
	le.PutUint64(b[9:], uint64(zeebe.CRC32C(rec)))
	le.PutUint32(b[17:], uint32(length))
	return b
}

// EncodeInitialEntry is the Raft entry a new leader appends: term and type, no body (§2.4).
func EncodeInitialEntry(l zeebe.Layout, term uint64) []byte {
	b := make([]byte, 17)
	header(b, 9, zeebe.TemplateRaftLogEntry, zeebe.RaftSchemaID, l.RaftSchema)
	le.PutUint64(b[8:], term)
	b[16] = zeebe.EntryInitial
	return b
}

// EncodeApplicationEntry is a Raft entry carrying Zeebe records (§2.4).
func EncodeApplicationEntry(l zeebe.Layout, term uint64, lowest, highest int64, app []byte) []byte {
	b := make([]byte, 45+len(app))
	header(b, 9, zeebe.TemplateRaftLogEntry, zeebe.RaftSchemaID, l.RaftSchema)
	le.PutUint64(b[8:], term)
	b[16] = zeebe.EntryApplication
	header(b[17:], 16, zeebe.TemplateApplicationEntry, zeebe.RaftSchemaID, l.RaftSchema)
	le.PutUint64(b[25:], uint64(lowest))
	le.PutUint64(b[33:], uint64(highest))
	le.PutUint32(b[41:], uint32(len(app)))
	copy(b[45:], app)
	return b
}

// recordMetadataBlock is the block length the simulator gives a RecordMetadata: the fields up
// to and including brokerVersion (§2.4).
func recordMetadataBlock(protocol int) int { return zeebe.BrokerVersionOffset(protocol) + 12 }

// EncodeLoggedEvent frames one Zeebe record inside application data (§2.4): a 12-byte frame
// header, the 40-byte log entry descriptor (version 1 from 8.5 with an int32 metadata length,
// version 0 before with a uint16 one), the SBE RecordMetadata carrying the broker version, then
// the value; padded to 8 bytes.
func EncodeLoggedEvent(l zeebe.Layout, position, sourcePosition, key, timestamp int64, v zeebe.Version, value []byte) []byte {
	block := recordMetadataBlock(l.ProtocolVersion)
	metaLen := zeebe.HeaderLength + block
	framed := zeebe.FrameHeaderLength + zeebe.LogEntryHeaderLength + metaLen + len(value)
	b := make([]byte, (framed+zeebe.FrameAlignment-1)/zeebe.FrameAlignment*zeebe.FrameAlignment)
	le.PutUint32(b[0:], uint32(framed))
	ev := b[zeebe.FrameHeaderLength:]
	le.PutUint16(ev[0:], uint16(l.LogEntryVersion))
	le.PutUint64(ev[4:], uint64(position))
	le.PutUint64(ev[12:], uint64(sourcePosition))
	le.PutUint64(ev[20:], uint64(key))
	le.PutUint64(ev[28:], uint64(timestamp))
	if l.LogEntryVersion >= 1 {
		le.PutUint32(ev[36:], uint32(metaLen)) // int32
	} else {
		le.PutUint16(ev[36:], uint16(metaLen)) // uint16, then 2 unused bytes
	}
	meta := ev[zeebe.LogEntryHeaderLength:]
	header(meta, block, zeebe.TemplateRecordMeta, zeebe.RecordMetadataSchemaID, l.ProtocolVersion)
	at := zeebe.HeaderLength + zeebe.BrokerVersionOffset(l.ProtocolVersion)
	le.PutUint32(meta[at:], uint32(v.Major))
	le.PutUint32(meta[at+4:], uint32(v.Minor))
	le.PutUint32(meta[at+8:], uint32(v.Patch))
	copy(meta[metaLen:], value)
	return b
}

// EncodeMeta writes a .meta file (§4.1): 256 bytes, zero-padded.
func EncodeMeta(l zeebe.Layout, term, lastFlushed, commitIndex uint64, votedFor string) []byte {
	b := make([]byte, zeebe.MetaFileSize)
	block := l.MetaBlockLength()
	b[0] = 1
	header(b[1:], block, zeebe.TemplateMeta, zeebe.RaftSchemaID, l.RaftSchema)
	le.PutUint64(b[9:], term)
	le.PutUint64(b[17:], lastFlushed)
	if block >= 24 {
		le.PutUint64(b[25:], commitIndex)
	}
	p := 9 + block
	le.PutUint32(b[p:], uint32(len(votedFor)))
	copy(b[p+4:], votedFor)
	return b
}

// EncodeConf writes a .conf file (§4.2) with newMembers and an empty oldMembers group.
func EncodeConf(l zeebe.Layout, index, term, timestamp uint64, members []zeebe.Member) []byte {
	block := l.ConfBlockLength()
	b := make([]byte, 9+block)
	b[0] = 1
	header(b[1:], block, zeebe.TemplateConfiguration, zeebe.RaftSchemaID, l.RaftSchema)
	le.PutUint64(b[9:], index)
	le.PutUint64(b[17:], term)
	le.PutUint64(b[25:], timestamp)
	b = appendMembers(b, members)
	return appendMembers(b, nil)
}

func appendMembers(b []byte, members []zeebe.Member) []byte {
	b = le.AppendUint16(b, 9)
	b = append(b, byte(len(members)))
	for _, m := range members {
		b = append(b, byte(m.Type))
		b = le.AppendUint64(b, uint64(m.Updated))
		b = le.AppendUint32(b, uint32(len(m.ID)))
		b = append(b, m.ID...)
	}
	return b
}

// varintField appends a proto3 scalar field; zero values are left out, as protobuf-java does.
func varintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// EncodeTopologyMeta writes .topology.meta (§4.3): version 1, CRC32C of the body, protobuf body
// (proto3: fields at their zero value are absent; map entries always carry key and value).
func EncodeTopologyMeta(t zeebe.PersistedTopology, lastUpdatedSeconds int64) []byte {
	var body []byte
	body = varintField(body, 1, uint64(t.Version))
	for _, id := range slices.Sorted(maps.Keys(t.Members)) {
		m := t.Members[id]
		var ms []byte
		ms = varintField(ms, 1, uint64(m.Version))
		if ts := varintField(nil, 1, uint64(lastUpdatedSeconds)); len(ts) > 0 {
			ms = protowire.AppendTag(ms, 2, protowire.BytesType)
			ms = protowire.AppendBytes(ms, ts)
		}
		ms = varintField(ms, 3, uint64(m.State))
		for _, p := range slices.Sorted(maps.Keys(m.Partitions)) {
			ps := m.Partitions[p]
			var state []byte
			state = varintField(state, 1, uint64(ps.State))
			state = varintField(state, 2, uint64(int64(ps.Priority)))
			var entry []byte
			entry = protowire.AppendTag(entry, 1, protowire.VarintType)
			entry = protowire.AppendVarint(entry, uint64(int64(p)))
			entry = protowire.AppendTag(entry, 2, protowire.BytesType)
			entry = protowire.AppendBytes(entry, state)
			ms = protowire.AppendTag(ms, 4, protowire.BytesType)
			ms = protowire.AppendBytes(ms, entry)
		}
		var entry []byte
		entry = protowire.AppendTag(entry, 1, protowire.BytesType)
		entry = protowire.AppendString(entry, strconv.Itoa(id))
		entry = protowire.AppendTag(entry, 2, protowire.BytesType)
		entry = protowire.AppendBytes(entry, ms)
		body = protowire.AppendTag(body, 2, protowire.BytesType)
		body = protowire.AppendBytes(body, entry)
	}
	if t.ClusterID != "" {
		// ClusterId message with the id as its field 1: our reading of 8.8, unverified.
		var cid []byte
		cid = protowire.AppendTag(cid, 1, protowire.BytesType)
		cid = protowire.AppendString(cid, t.ClusterID)
		body = protowire.AppendTag(body, 6, protowire.BytesType)
		body = protowire.AppendBytes(body, cid)
	}
	b := make([]byte, 9, 9+len(body))
	b[0] = 1
	le.PutUint64(b[1:], uint64(zeebe.CRC32C(body)))
	return append(b, body...)
}

// EncodeSFV writes a snapshot checksum file (§3.3): the cksfv-style header, the combined value
// lines up to 8.5 (the "number of files" line counts every file listed, SSTs included, even
// where they are left out of the combined value), then "name   crc" per file sorted by name,
// hex lowercase without padding.
func EncodeSFV(l zeebe.Layout, files map[string]uint32, combined uint64) []byte {
	var s strings.Builder
	s.WriteString("; This is an SFC checksum file for all files in the given directory.\n")
	s.WriteString("; You might use cksfv or another tool to validate these files manually.\n")
	s.WriteString("; This is an automatically created file - please do NOT modify.\n")
	if l.CombinedChecksum {
		fmt.Fprintf(&s, "; combinedValue = %s\n", strconv.FormatUint(combined, 16))
		fmt.Fprintf(&s, "; number of files used for combined value = %d\n", len(files))
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&s, "%s   %s\n", n, strconv.FormatUint(uint64(files[n]), 16))
	}
	return []byte(s.String())
}

// EncodeSnapshotMetadata writes zeebe.metadata (§3.3).
func EncodeSnapshotMetadata(processed, exported, lastFollowup int64) []byte {
	b, _ := json.Marshal(zeebe.SnapshotMetadata{Version: 1, ProcessedPosition: processed, ExportedPosition: exported, LastFollowupEventPosition: lastFollowup})
	return b
}
