package zeebe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Descriptor is a journal segment's header (§2.2).
type Descriptor struct {
	Version        byte   // descriptor version byte: 2
	SchemaVersion  uint16 // journal schema version of the SBE headers: 1 or 2
	ID             int64  // segment id
	Index          int64  // index of the first entry
	MaxSegmentSize int32
	LastIndex      uint64 // schema 2 only; a hint, 0 = unknown
	LastPosition   uint32 // schema 2 only; byte offset of the last entry, 0 = unknown
	Length         int    // bytes the descriptor takes: 57 or 45
}

// ErrUninitialized is returned for an all-zero descriptor: a segment prepared but never used.
var ErrUninitialized = errors.New("segment descriptor is all zeros: a prepared segment that was never used")

// ParseDescriptor reads and validates a segment descriptor as SegmentDescriptorReader does.
func ParseDescriptor(b []byte) (Descriptor, error) {
	var d Descriptor
	if len(b) < 1 {
		return d, errors.New("segment is empty")
	}
	if b[0] == 0 {
		return d, ErrUninitialized
	}
	if b[0] != 2 {
		return d, fmt.Errorf("offset 0: descriptor version %d, want 2", b[0])
	}
	d.Version = b[0]
	mh, err := readHeader(b, 1)
	if err != nil {
		return d, err
	}
	if err := mh.expect(JournalSchemaID, TemplateDescriptorMetadata, "descriptor metadata", 1); err != nil {
		return d, err
	}
	if len(b) < 17 {
		return d, errors.New("offset 9: segment too short for the descriptor checksum")
	}
	checksum := le.Uint64(b[9:])
	dh, err := readHeader(b, 17)
	if err != nil {
		return d, err
	}
	if err := dh.expect(JournalSchemaID, TemplateSegmentDescriptor, "segment descriptor", 17); err != nil {
		return d, err
	}
	if dh.BlockLength < 20 {
		return d, fmt.Errorf("offset 17: segment descriptor block length %d, want 20 or 32", dh.BlockLength)
	}
	end := 17 + HeaderLength + int(dh.BlockLength)
	if end > len(b) {
		return d, fmt.Errorf("offset 17: descriptor of %d bytes runs past the end of the segment", end)
	}
	if got := uint64(CRC32C(b[17:end])); got != checksum {
		return d, fmt.Errorf("offset 9: descriptor checksum %#x does not match its content (%#x)", checksum, got)
	}
	d.SchemaVersion = dh.Version
	d.ID = int64(le.Uint64(b[25:]))
	d.Index = int64(le.Uint64(b[33:]))
	d.MaxSegmentSize = int32(le.Uint32(b[41:]))
	if dh.BlockLength >= 32 {
		d.LastIndex = le.Uint64(b[45:])
		d.LastPosition = le.Uint32(b[53:])
	}
	d.Length = end
	if d.ID <= 0 || d.Index <= 0 {
		return d, fmt.Errorf("offset 25: segment id %d and first index %d must be positive", d.ID, d.Index)
	}
	return d, nil
}

// Entry is one journal record (§2.3) with what its payload says (§2.4).
type Entry struct {
	Offset   int    // where its frame byte is
	Index    uint64 // Raft index
	ASQN     int64  // lowest Zeebe position in it, -1 for Raft-internal entries
	Checksum uint32 // CRC32C of the serialized RecordData
	Term     uint64 // Raft term, from the payload
	Type     uint8  // 0 application, 1 configuration, 2 initial
	// HighestPosition is the highest Zeebe position of an application entry.
	HighestPosition int64
	// BrokerVersion is the highest broker version of the records in an application entry.
	BrokerVersion Version
	Size          int // bytes from the frame byte to the next entry
	// Payload is the serialized Raft entry, a slice of the scanned segment's bytes.
	Payload []byte
	// PayloadErr says why the payload's Raft entry or records could not be read. The entry itself
	// is intact (its checksum matches): Zeebe's journal never reads the payload, and its layout
	// is derived, not verified (§2.4).
	PayloadErr error
}

// Raft entry types.
const (
	EntryApplication   = 0
	EntryConfiguration = 1
	EntryInitial       = 2
)

// recordMetadataBlock is the block length of an entry's RecordMetadata: checksum and length.
const recordMetadataBlock = 12

// EntryError says why scanning stopped before the end of data: a torn or corrupt entry.
type EntryError struct {
	Offset int
	Reason string
}

func (e *EntryError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Reason) }

// InvalidIndexError is an intact entry (its checksum matches) whose index is not the next one:
// Zeebe's InvalidIndex, a plain JournalException that neither the segment writer nor the
// segments manager catches, so that startup fails. It is never a torn tail (§2.5 step 5).
type InvalidIndexError struct {
	File        string // the segment file, when known
	Offset      int
	Index, Want uint64
}

func (e *InvalidIndexError) Error() string {
	where := fmt.Sprintf("offset %d", e.Offset)
	if e.File != "" {
		where = filepath.Base(e.File) + " at " + where
	}
	return fmt.Sprintf("InvalidIndex: %s: Expected to read a record with next index %d, but found %d (an intact entry out of place, not a partial write)", where, e.Want, e.Index)
}

// ScanEntries reads the entries of a segment from its descriptor's end. It stops at the end of
// data (a frame byte 0 or too few bytes left) and returns the entries read; a torn or corrupt
// entry ends the scan with an *EntryError (Zeebe treats it as the end of a partial write), an
// intact entry with another index than the expected one with an *InvalidIndexError (Zeebe
// fails). The checksum is checked before the index, as JournalRecordReaderUtil does.
// expectIndex is the index the first entry must carry.
func ScanEntries(b []byte, d Descriptor, expectIndex uint64) ([]Entry, error) {
	var entries []Entry
	p := d.Length
	for {
		// End of data (§2.3): a frame byte 0, the end of the file, or too few bytes left for
		// an entry's metadata.
		if p+1 > len(b) || b[p] == 0 || len(b)-(p+1) < HeaderLength+recordMetadataBlock {
			return entries, nil
		}
		e, err := parseEntry(b, p)
		if err != nil {
			return entries, err
		}
		if e.Index != expectIndex {
			return entries, &InvalidIndexError{Offset: p, Index: e.Index, Want: expectIndex}
		}
		entries = append(entries, e)
		expectIndex++
		p += e.Size
	}
}

func parseEntry(b []byte, p int) (Entry, error) {
	torn := func(format string, args ...any) (Entry, error) {
		return Entry{}, &EntryError{Offset: p, Reason: fmt.Sprintf(format, args...)}
	}
	mh, err := readHeader(b, p+1)
	if err != nil {
		return torn("record metadata: %v", err)
	}
	if err := mh.expect(JournalSchemaID, TemplateRecordMetadata, "record metadata", p+1); err != nil {
		return torn("%v", err)
	}
	meta := p + 1 + HeaderLength
	if meta+int(mh.BlockLength) > len(b) || mh.BlockLength < 12 {
		return torn("record metadata of block length %d runs past the segment", mh.BlockLength)
	}
	checksum := le.Uint64(b[meta:])
	length := int(int32(le.Uint32(b[meta+8:])))
	data := meta + int(mh.BlockLength)
	if length < HeaderLength+20 || data+length > len(b) {
		return torn("record length %d does not fit in the segment", length)
	}
	rec := b[data : data+length]
	if got := uint64(CRC32C(rec)); got != checksum {
		return torn("record checksum %#x does not match its data (%#x)", checksum, got)
	}
	rh, _ := readHeader(rec, 0)
	if err := rh.expect(JournalSchemaID, TemplateRecordData, "record data", data); err != nil {
		return torn("%v", err)
	}
	body := HeaderLength + int(rh.BlockLength)
	if rh.BlockLength < 16 || body+4 > len(rec) {
		return torn("record data block length %d does not fit", rh.BlockLength)
	}
	e := Entry{
		Offset:   p,
		Index:    le.Uint64(rec[8:]),
		ASQN:     int64(le.Uint64(rec[16:])),
		Checksum: uint32(checksum),
		Size:     1 + HeaderLength + int(mh.BlockLength) + length,
	}
	dataLen := int(le.Uint32(rec[body:]))
	if body+4+dataLen > len(rec) {
		return torn("payload length %d does not fit in the record", dataLen)
	}
	e.Payload = rec[body+4 : body+4+dataLen]
	e.PayloadErr = parsePayload(e.Payload, &e)
	return e, nil
}

// raftBlock checks that d holds, at off, the SBE header of the Raft schema's template, and at
// least need bytes in all; what names the block in errors.
func raftBlock(d []byte, off int, template uint16, what string, need int) error {
	h, err := readHeader(d, off)
	if err != nil {
		return err
	}
	if err := h.expect(RaftSchemaID, template, what, off); err != nil {
		return err
	}
	if len(d) < need {
		return errors.New(what + " too short")
	}
	return nil
}

// parsePayload reads the Raft entry (§2.4): term and type, and for application entries the
// highest position and the records' broker versions.
func parsePayload(d []byte, e *Entry) error {
	if err := raftBlock(d, 0, TemplateRaftLogEntry, "raft entry", 17); err != nil {
		return err
	}
	e.Term = le.Uint64(d[8:])
	e.Type = d[16]
	if e.Type != EntryApplication {
		return nil
	}
	if err := raftBlock(d, 17, TemplateApplicationEntry, "application entry", 45); err != nil {
		return err
	}
	e.HighestPosition = int64(le.Uint64(d[33:]))
	n := int(le.Uint32(d[41:]))
	if 45+n > len(d) {
		return fmt.Errorf("application data of %d bytes runs past the entry", n)
	}
	v, err := recordsBrokerVersion(d[45 : 45+n])
	if err != nil {
		return err
	}
	e.BrokerVersion = v
	return nil
}

// Logged event framing inside application data (§2.4).
const (
	FrameHeaderLength    = 12
	LogEntryHeaderLength = 40
	FrameAlignment       = 8
)

// LoggedEvent is one Zeebe record inside an application entry (§2.4).
type LoggedEvent struct {
	// Version is the LogEntryDescriptor's version: 0 before 8.5, 1 from 8.5.
	Version                                  int
	Position, SourcePosition, Key, Timestamp int64
	// MetadataVersion is the SBE version of the RecordMetadata (the protocol version).
	MetadataVersion int
	// BrokerVersion is RecordMetadata.brokerVersion; zero when the block is too short for it.
	BrokerVersion Version
	Metadata      []byte // the SBE RecordMetadata, header included
	Value         []byte // the msgpack value
}

// ApplicationData returns the records' bytes of an application entry's payload.
func ApplicationData(payload []byte) ([]byte, error) {
	if len(payload) < 45 || payload[16] != EntryApplication {
		return nil, errors.New("not an application entry")
	}
	n := int(le.Uint32(payload[41:]))
	if 45+n > len(payload) {
		return nil, fmt.Errorf("application data of %d bytes runs past the entry", n)
	}
	return payload[45 : 45+n], nil
}

// LoggedEvents splits application data into its records: each framed by a 12-byte header whose
// first int32 is the framed length, aligned to 8 bytes, then the 40-byte log entry descriptor,
// the RecordMetadata and the value.
func LoggedEvents(app []byte) ([]LoggedEvent, error) {
	var out []LoggedEvent
	for off := 0; off+FrameHeaderLength <= len(app); {
		framed := int(int32(le.Uint32(app[off:])))
		if framed < FrameHeaderLength+LogEntryHeaderLength || off+framed > len(app) {
			return out, fmt.Errorf("logged event at %d has framed length %d", off, framed)
		}
		ev := app[off+FrameHeaderLength : off+framed]
		metaLen := int(le.Uint16(ev[36:]))
		if LogEntryHeaderLength+metaLen > len(ev) || metaLen < HeaderLength {
			return out, fmt.Errorf("logged event at %d has metadata length %d", off, metaLen)
		}
		meta := ev[LogEntryHeaderLength : LogEntryHeaderLength+metaLen]
		mh, _ := readHeader(meta, 0)
		if err := mh.expect(RecordMetadataSchemaID, TemplateRecordMeta, "record metadata", off); err != nil {
			return out, err
		}
		e := LoggedEvent{
			Version:         int(le.Uint16(ev[0:])),
			Position:        int64(le.Uint64(ev[4:])),
			SourcePosition:  int64(le.Uint64(ev[12:])),
			Key:             int64(le.Uint64(ev[20:])),
			Timestamp:       int64(le.Uint64(ev[28:])),
			MetadataVersion: int(mh.Version),
			Metadata:        meta,
			Value:           ev[LogEntryHeaderLength+metaLen:],
		}
		if at := HeaderLength + BrokerVersionOffset(int(mh.Version)); at+12 <= len(meta) {
			e.BrokerVersion = Version{
				Major: int(int32(le.Uint32(meta[at:]))),
				Minor: int(int32(le.Uint32(meta[at+4:]))),
				Patch: int(int32(le.Uint32(meta[at+8:]))),
			}
		}
		out = append(out, e)
		off += align(framed, FrameAlignment)
	}
	return out, nil
}

// recordsBrokerVersion returns the highest broker version of the records in application data.
func recordsBrokerVersion(app []byte) (Version, error) {
	events, err := LoggedEvents(app)
	var best Version
	for _, e := range events {
		if e.BrokerVersion.AtLeast(best.Major, best.Minor, best.Patch) {
			best = e.BrokerVersion
		}
	}
	return best, err
}

func align(n, a int) int { return (n + a - 1) / a * a }

// SegmentFile is one journal segment file found in a partition folder.
type SegmentFile struct {
	Path   string
	FileID int64
}

// JournalName is the prefix of a partition's journal, meta, conf and lock files (§1.1).
func JournalName(group string, partition int) string {
	return fmt.Sprintf("%s-partition-%d", group, partition)
}

// ListSegments lists a partition folder's segment files named <journal>-<id>.log, sorted by file
// id; soft-deleted files (<name>_<k>-deleted) and other names are left out.
func ListSegments(dir, journal string) ([]SegmentFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []SegmentFile
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, journal+"-") || !strings.HasSuffix(name, ".log") {
			continue
		}
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(name, journal+"-"), ".log"), 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		out = append(out, SegmentFile{Path: filepath.Join(dir, name), FileID: id})
	}
	slices.SortFunc(out, func(a, b SegmentFile) int { return int(a.FileID - b.FileID) })
	return out, nil
}
