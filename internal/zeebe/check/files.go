package check

import (
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// fileRec is what the checker keeps of one file: never more than a small file's content.
type fileRec struct {
	path string
	loc  loc
	size int64
	// received counts the content bytes seen; a hard link copies its target's record.
	received int64
	crc      uint32
	summed   bool   // crc covers the content
	content  []byte // the content of small files the checks parse
	tooLarge bool   // content was wanted but the file exceeds maxSmallFile
	seg      *segScan
	// migratedBy is migrated-by-version found in an SST's bytes (§8).
	migratedBy *zeebe.Version
	link       string // hard link target, "" for a file with content of its own
}

// maxSmallFile bounds the content kept of a file that is parsed whole (.meta, .conf, lock,
// .topology.meta, checksum files, zeebe.metadata, pause flags).
const maxSmallFile = 1 << 20

// wantsContent tells which files are parsed whole.
func wantsContent(l loc) bool {
	switch l.kind {
	case kTopology, kMeta, kConf, kLock, kSnapChecksum, kExporterPaused:
		return true
	case kSnapFile:
		return l.name == zeebe.MetadataFile
	}
	return false
}

// wantsCRC tells which files get a CRC32C: snapshot files, and everything a snapshot file may
// be a hard link to (runtime/, other snapshots, pending/ ...). Journal segments are scanned.
func wantsCRC(l loc) bool {
	switch l.kind {
	case kSegment, kDeleted, kMeta, kConf, kLock, kLockTmp, kTopology, kProcessorPaused, kExporterPaused:
		return false
	}
	return true
}

// sumWriter checksums a file, keeps its content when small and wanted, and looks for the
// migrated-by-version key in SST files.
type sumWriter struct {
	r    *fileRec
	keep bool
	sst  bool
	tail []byte // the end of the previous write, for a key split across writes
}

func (w *sumWriter) Write(p []byte) (int, error) {
	r := w.r
	r.received += int64(len(p))
	if r.summed {
		r.crc = zeebe.CRC32CUpdate(r.crc, p)
	}
	if w.keep {
		if len(r.content)+len(p) > maxSmallFile {
			w.keep, r.tooLarge, r.content = false, true, nil
		} else {
			r.content = append(r.content, p...)
		}
	}
	if w.sst && r.migratedBy == nil {
		w.search(p)
	}
	return len(p), nil
}

// keyWindow is enough bytes for the key, its value's length and a version string.
var keyWindow = len(zeebe.MigratedByVersionKey()) + 4 + 64

func (w *sumWriter) search(p []byte) {
	if len(w.tail) > 0 {
		joined := append(w.tail, p[:min(len(p), keyWindow)]...)
		if v, ok := zeebe.FindMigratedByVersion(joined); ok {
			w.r.migratedBy = &v
			return
		}
	}
	if v, ok := zeebe.FindMigratedByVersion(p); ok {
		w.r.migratedBy = &v
		return
	}
	w.tail = append(w.tail[:0], p[max(0, len(p)-keyWindow):]...)
}

func (w *sumWriter) Close() error { return nil }
