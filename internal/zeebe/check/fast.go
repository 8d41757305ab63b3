package check

import (
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// The hot path. zeebe.ScanEntries is the reference reader of entries, but it allocates per
// entry (its result slice, and the logged events it splits each application entry into to find
// the broker version), which costs more than decompressing the archive does. fastEntry accepts
// an entry only when every check ScanEntries makes passes, without allocating, and yields the
// same values; anything else goes to ScanEntries, which decides. TestFastEntryAgreesWithScanEntries
// and FuzzFastEntry hold the two to the same answers.

// fastEntry checks the whole entry e (as sized by entryExtent) whose index must be expect, as
// zeebe.ScanEntries does (§2.3, §2.4). ok is false when ScanEntries must decide.
func fastEntry(e []byte, expect uint64) (ref zeebe.EntryRef, v zeebe.Version, app, ok bool) {
	block := int(le.Uint16(e[1:]))
	rec := e[metaHeaderEnd+block:]
	checksum := le.Uint64(e[metaHeaderEnd:])
	if uint64(zeebe.CRC32C(rec)) != checksum || !sbe(rec, 0, zeebe.JournalSchemaID, zeebe.TemplateRecordData) {
		return ref, v, false, false
	}
	body := zeebe.HeaderLength + int(le.Uint16(rec))
	if le.Uint16(rec) < 16 || body+4 > len(rec) {
		return ref, v, false, false
	}
	ref = zeebe.EntryRef{Index: le.Uint64(rec[8:]), ASQN: int64(le.Uint64(rec[16:])), Checksum: uint32(checksum)}
	n := int(le.Uint32(rec[body:]))
	if ref.Index != expect || body+4+n > len(rec) {
		return ref, v, false, false
	}
	d := rec[body+4 : body+4+n]
	if len(d) < 17 || !sbe(d, 0, zeebe.RaftSchemaID, zeebe.TemplateRaftLogEntry) {
		return ref, v, false, false
	}
	ref.Term = le.Uint64(d[8:])
	if d[16] != zeebe.EntryApplication {
		return ref, v, false, true
	}
	if len(d) < 45 || !sbe(d, 17, zeebe.RaftSchemaID, zeebe.TemplateApplicationEntry) {
		return ref, v, false, false
	}
	ref.HighestPosition = int64(le.Uint64(d[33:]))
	m := int(le.Uint32(d[41:]))
	if 45+m > len(d) {
		return ref, v, false, false
	}
	v, ok = maxBrokerVersion(d[45 : 45+m])
	return ref, v, true, ok
}

// sbe tells whether b holds an SBE header at off with the given schema and template.
func sbe(b []byte, off int, schema, template uint16) bool {
	return off+zeebe.HeaderLength <= len(b) && le.Uint16(b[off+4:]) == schema && le.Uint16(b[off+2:]) == template
}

// maxBrokerVersion walks the logged events of application data as zeebe.LoggedEvents does and
// returns the highest RecordMetadata.brokerVersion; ok is false where LoggedEvents would fail.
func maxBrokerVersion(app []byte) (best zeebe.Version, ok bool) {
	for off := 0; off+zeebe.FrameHeaderLength <= len(app); {
		framed := int(int32(le.Uint32(app[off:])))
		if framed < zeebe.FrameHeaderLength+zeebe.LogEntryHeaderLength || off+framed > len(app) {
			return best, false
		}
		ev := app[off+zeebe.FrameHeaderLength : off+framed]
		metaLen := int(le.Uint16(ev[36:]))
		if zeebe.LogEntryHeaderLength+metaLen > len(ev) || metaLen < zeebe.HeaderLength {
			return best, false
		}
		meta := ev[zeebe.LogEntryHeaderLength : zeebe.LogEntryHeaderLength+metaLen]
		if !sbe(meta, 0, zeebe.RecordMetadataSchemaID, zeebe.TemplateRecordMeta) {
			return best, false
		}
		var v zeebe.Version
		if at := zeebe.HeaderLength + zeebe.BrokerVersionOffset(int(le.Uint16(meta[6:]))); at+12 <= len(meta) {
			v = zeebe.Version{Major: int(int32(le.Uint32(meta[at:]))), Minor: int(int32(le.Uint32(meta[at+4:]))), Patch: int(int32(le.Uint32(meta[at+8:])))}
		}
		if v.AtLeast(best.Major, best.Minor, best.Patch) {
			best = v
		}
		off += (framed + zeebe.FrameAlignment - 1) / zeebe.FrameAlignment * zeebe.FrameAlignment
	}
	return best, true
}
