package check

import (
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// kind is what a path in a data folder is (§1.1).
type kind int

const (
	kUnknown         kind = iota // nothing Zeebe writes; reported as info
	kTopology                    // <data>/.topology.meta
	kSegment                     // <prefix>-<N>.log
	kDeleted                     // <prefix>-<N>.log_<k>-deleted
	kMeta                        // <prefix>.meta
	kConf                        // <prefix>.conf
	kLock                        // .<prefix>.lock
	kLockTmp                     // .<id>.lock.tmp
	kForeign                     // a journal, meta, conf or lock name of another partition
	kSnapFile                    // snapshots/<id>/<file>
	kSnapChecksum                // snapshots/<id>.checksum
	kSnapChecksumTmp             // snapshots/<id>.checksum.tmp
	kTransient                   // snapshots/transient-<hex>/...
	kPending                     // pending/...
	kRuntime                     // runtime/...
	kProcessorPaused             // .processorPaused
	kExporterPaused              // .exporterPaused
	kBootstrap                   // bootstrap-snapshots/...
	kRestoring                   // restoring-<backupId>/...
)

// Partition groups (§1.1, §1.3): raft-partition up to 8.9, default from 8.10.
const (
	groupRaft    = "raft-partition"
	groupDefault = "default"
)

// loc is a classified path.
type loc struct {
	kind      kind
	group     string // partition group, "" outside partition folders
	partition int    // 0 outside partition folders
	prefix    string // journal name prefix the file uses (segments, meta, conf, lock)
	fileID    int64  // segments
	snapshot  string // snapshot folder name (kSnapFile) or id (kSnapChecksum)
	name      string // file name inside the snapshot folder
	sub       string // first folder below the partition folder, for hygiene findings
}

// classify reads a slash-separated path relative to the data folder.
func classify(path string) loc {
	parts := strings.Split(path, "/")
	if len(parts) == 1 && parts[0] == zeebe.TopologyMetaFile {
		return loc{kind: kTopology}
	}
	if len(parts) < 4 || parts[1] != "partitions" || (parts[0] != groupRaft && parts[0] != groupDefault) {
		return loc{kind: kUnknown}
	}
	p, err := strconv.Atoi(parts[2])
	if err != nil || p <= 0 || strconv.Itoa(p) != parts[2] {
		return loc{kind: kUnknown}
	}
	l := loc{group: parts[0], partition: p}
	rest := parts[3:]
	if len(rest) == 1 {
		classifyPartitionFile(&l, rest[0])
		return l
	}
	l.sub = rest[0]
	switch dir := rest[0]; {
	case dir == "snapshots":
		classifySnapshot(&l, rest[1:])
	case dir == "pending":
		l.kind = kPending
	case dir == "runtime":
		l.kind = kRuntime
	case dir == "bootstrap-snapshots":
		l.kind = kBootstrap
	case strings.HasPrefix(dir, "restoring-"):
		l.kind = kRestoring
	default:
		l.kind = kUnknown
	}
	return l
}

func classifySnapshot(l *loc, rest []string) {
	if len(rest) == 1 {
		name := rest[0]
		if id, ok := strings.CutSuffix(name, ".checksum"); ok {
			l.kind, l.snapshot = kSnapChecksum, id
		} else if id, ok := strings.CutSuffix(name, ".checksum.tmp"); ok {
			l.kind, l.snapshot = kSnapChecksumTmp, id
		}
		return
	}
	if strings.HasPrefix(rest[0], "transient-") {
		l.kind, l.snapshot = kTransient, rest[0]
		return
	}
	l.kind, l.snapshot, l.name = kSnapFile, rest[0], strings.Join(rest[1:], "/")
}

// prefixes are the journal names a partition folder's files may carry: the group's own and,
// because an interrupted 8.10 migration renames the files before the folder (§1.3), the other.
func prefixes(partition int) [2]string {
	return [2]string{zeebe.JournalName(groupRaft, partition), zeebe.JournalName(groupDefault, partition)}
}

func classifyPartitionFile(l *loc, name string) {
	switch name {
	case ".processorPaused":
		l.kind = kProcessorPaused
		return
	case ".exporterPaused":
		l.kind = kExporterPaused
		return
	}
	for _, prefix := range prefixes(l.partition) {
		if k, id, ok := journalFile(name, prefix); ok {
			l.kind, l.prefix, l.fileID = k, prefix, id
			return
		}
	}
	if strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".lock.tmp") {
		l.kind = kLockTmp
		return
	}
	if foreignJournalFile(name) {
		l.kind = kForeign
	}
}

// journalFile matches the names RaftStorage and the journal give files (§1.1, §2.1).
func journalFile(name, prefix string) (kind, int64, bool) {
	switch name {
	case prefix + ".meta":
		return kMeta, 0, true
	case prefix + ".conf":
		return kConf, 0, true
	case "." + prefix + ".lock":
		return kLock, 0, true
	}
	rest, ok := strings.CutPrefix(name, prefix+"-")
	if !ok {
		return 0, 0, false
	}
	k := kSegment
	if i := strings.Index(rest, ".log_"); i >= 0 && strings.HasSuffix(rest, "-deleted") {
		rest, k = rest[:i+4], kDeleted
	}
	num, ok := strings.CutSuffix(rest, ".log")
	if !ok {
		return 0, 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return 0, 0, false
	}
	return k, id, true
}

// foreignJournalFile tells whether a name looks like a journal, meta, conf or lock file of some
// partition: "<group>-partition-<P>..." (ending .log, .meta, .conf or .lock).
func foreignJournalFile(name string) bool {
	if !strings.Contains(name, "-partition-") {
		return false
	}
	for _, suffix := range []string{".log", ".meta", ".conf", ".lock", "-deleted"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}
