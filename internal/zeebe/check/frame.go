package check

import (
	"encoding/binary"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

var le = binary.LittleEndian

// Entry framing (§2.3). zeebe.ScanEntries validates entries; the checker only needs to know
// where each one ends, to hand ScanEntries whole entries out of a stream, and, on the error
// path, what an entry whose checksum is fine says about itself.
const (
	metaHeaderEnd = 1 + zeebe.HeaderLength // frame byte and RecordMetadata header
	minEntryHead  = metaHeaderEnd + 12     // ... and its checksum and length
	minRecordData = zeebe.HeaderLength + 20
	minEntrySize  = minEntryHead + minRecordData
)

// entryExtent reads the frame of the entry at b[0] (len(b) >= minEntryHead): it returns the
// entry's size, or bad when the header cannot be a journal entry's or the entry does not fit in
// the room left in the segment. These are the conditions under which zeebe.ScanEntries reports a
// torn entry before reading its data.
func entryExtent(b []byte, room int64) (size int64, bad bool) {
	block, template, schema := le.Uint16(b[1:]), le.Uint16(b[3:]), le.Uint16(b[5:])
	if schema != zeebe.JournalSchemaID || template != zeebe.TemplateRecordMetadata || block < 12 {
		return 0, true
	}
	length := int64(int32(le.Uint32(b[metaHeaderEnd+8:])))
	if length < minRecordData {
		return 0, true
	}
	size = metaHeaderEnd + int64(block) + length
	if size > room {
		return 0, true
	}
	return size, false
}

// rawEntry reads a whole entry that zeebe.ScanEntries refused, to tell a torn or corrupt entry
// from one whose bytes are intact (checksum and record headers fine) but whose payload our
// parser could not read, or whose index is out of place. For an intact entry it returns what
// the entry says of itself, reading the payload's term and highest position where it can.
func rawEntry(e []byte) (ref zeebe.EntryRef, intact bool) {
	block := int(le.Uint16(e[1:]))
	if len(e) < minEntryHead || metaHeaderEnd+block > len(e) {
		return ref, false
	}
	checksum := le.Uint64(e[metaHeaderEnd:])
	rec := e[metaHeaderEnd+block:]
	if uint64(zeebe.CRC32C(rec)) != checksum || len(rec) < minRecordData {
		return ref, false
	}
	rblock := int(le.Uint16(rec))
	if le.Uint16(rec[2:]) != zeebe.TemplateRecordData || le.Uint16(rec[4:]) != zeebe.JournalSchemaID || rblock < 16 {
		return ref, false
	}
	ref = zeebe.EntryRef{Index: le.Uint64(rec[8:]), ASQN: int64(le.Uint64(rec[16:])), Checksum: uint32(checksum)}
	body := zeebe.HeaderLength + rblock
	if body+4 > len(rec) {
		return ref, true
	}
	n := int(le.Uint32(rec[body:]))
	if n < 0 || body+4+n > len(rec) {
		return ref, true
	}
	payload := rec[body+4 : body+4+n]
	if len(payload) >= 17 {
		ref.Term = le.Uint64(payload[8:])
		if payload[16] == zeebe.EntryApplication && len(payload) >= 41 {
			ref.HighestPosition = int64(le.Uint64(payload[33:]))
		}
	}
	return ref, true
}
