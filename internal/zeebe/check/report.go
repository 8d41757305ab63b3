package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Severity says what a finding means for a restore.
type Severity string

// The severities, from worst to mildest.
const (
	// Error: Zeebe would refuse the data, or data it needs is damaged or missing.
	Error Severity = "error"
	// Warning: a restore may work but behave unexpectedly, or only an uncertain fact speaks
	// against the data.
	Warning Severity = "warning"
	// Info: worth knowing, harmless.
	Info Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Finding is one thing a check found. Check is a stable id listed in doc.go.
type Finding struct {
	Severity  Severity `json:"severity"`
	Check     string   `json:"check"`
	Broker    int      `json:"broker"` // node id, -1 when unknown
	Partition int      `json:"partition,omitempty"`
	File      string   `json:"file,omitempty"`   // relative to the data folder
	Offset    *int64   `json:"offset,omitempty"` // byte offset in File, when it applies
	Message   string   `json:"message"`          // what is wrong and what it means for a restore
}

// Where names what a finding is about, e.g. "broker 2 partition 1 FILE at offset 12"; what
// does not apply is left out, a broker below 0 (unknown, or a finding across brokers) too, so
// it may be "".
func (f Finding) Where() string {
	var parts []string
	if f.Broker >= 0 {
		parts = append(parts, fmt.Sprintf("broker %d", f.Broker))
	}
	if f.Partition > 0 {
		parts = append(parts, fmt.Sprintf("partition %d", f.Partition))
	}
	if f.File != "" {
		parts = append(parts, f.File)
	}
	if f.Offset != nil {
		parts = append(parts, fmt.Sprintf("at offset %d", *f.Offset))
	}
	return strings.Join(parts, " ")
}

// String is the finding in one line among those of a cluster's brokers, as backup and restore
// report it: "WHERE: MESSAGE [CHECK]", where a finding of no broker is the cluster's.
func (f Finding) String() string {
	where := f.Where()
	if f.Broker < 0 {
		where = strings.TrimSpace("the cluster " + where)
	}
	return fmt.Sprintf("%s: %s [%s]", where, f.Message, f.Check)
}

// Errors returns the error-level findings of fs.
func Errors(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// SortAcross orders the findings of several brokers by severity, then broker, keeping each
// broker's own order: the same data always reads the same, whichever broker was read first.
func SortAcross(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Severity.rank(), b.Severity.rank()), cmp.Compare(a.Broker, b.Broker))
	})
}

// Report is what checking one broker's data folder found.
type Report struct {
	NodeID       int
	Group        string        // partition group: "raft-partition" or "default"
	Version      zeebe.Version // highest broker version in the records
	VersionFound bool
	// MigratedBy is migrated-by-version from the newest snapshot's SST files, "" when absent.
	MigratedBy string
	Partitions []PartitionReport        // sorted by id
	Topology   *zeebe.PersistedTopology // .topology.meta, when present and readable
	Findings   []Finding                // errors first, then by partition, file, offset
	Bytes      int64                    // content bytes of the files seen
}

// PartitionReport is one partition folder.
type PartitionReport struct {
	ID                    int
	Journal               string // journal name prefix, e.g. raft-partition-partition-1
	Segments              []SegmentReport
	FirstIndex, LastIndex uint64 // of the readable journal; 0, 0 when empty
	LastTerm              uint64
	LastPosition          int64  // highest Zeebe position of the last application entry
	FlushedIndex          uint64 // from .meta; zeebe.NullIndex when null or absent
	CommitIndex           uint64 // from .meta (8.7+); zeebe.NullIndex when null or absent
	Term                  uint64
	VotedFor              string
	Members               []string // .conf newMembers ids
	Lock                  string   // lock file content
	Snapshot              *SnapshotReport
	// Entries are the readable entries in index order, for cross-replica checks. Where the
	// journal is damaged they may skip indexes.
	Entries []zeebe.EntryRef `json:"-"`
}

// SegmentReport is one journal segment file.
type SegmentReport struct {
	File                  string // relative to the data folder
	FileID                int64
	Size                  int64
	Prepared              bool   // all-zero header: prepared ahead, never used
	FirstIndex, LastIndex uint64 // LastIndex is FirstIndex-1 when the segment holds no entry
	TornAt                *int64 // offset of a torn or corrupt entry that ended the scan
}

// SnapshotReport is the newest committed snapshot of a partition.
type SnapshotReport struct {
	ID                                  string
	Index, Term                         uint64
	ProcessedPosition, ExportedPosition int64
	Files                               int
	Bytes                               int64
}

// DataVersion is the version of the broker's data (verifier fact 10): the higher of Version,
// from the records, and MigratedBy, from the state. found is false when neither is known.
func (r *Report) DataVersion() (v zeebe.Version, found bool) {
	v, found, err := zeebe.DataVersion(r.Version, r.VersionFound, r.MigratedBy)
	if err != nil { // MigratedBy is set from a parsed version only
		return r.Version, r.VersionFound
	}
	return v, found
}

// HighestDataVersion is the highest DataVersion among the reports, with the node id of a report
// that has it; found is false when no report knows its version.
func HighestDataVersion(reports []*Report) (v zeebe.Version, node int, found bool) {
	for _, r := range reports {
		if r == nil {
			continue
		}
		if rv, ok := r.DataVersion(); ok && (!found || zeebe.CompareVersions(rv, v) > 0) {
			v, node, found = rv, r.NodeID, true
		}
	}
	return v, node, found
}

// Errors returns the error-level findings.
func (r *Report) Errors() []Finding { return Errors(r.Findings) }

// sortFindings orders findings: errors first, then by partition, file, offset and check id.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Severity.rank(), b.Severity.rank()),
			cmp.Compare(a.Partition, b.Partition),
			cmp.Compare(a.File, b.File),
			cmp.Compare(offsetOf(a), offsetOf(b)),
			cmp.Compare(a.Check, b.Check),
		)
	})
}

func offsetOf(f Finding) int64 {
	if f.Offset == nil {
		return -1
	}
	return *f.Offset
}

// findings collects findings while a report is built.
type findings struct {
	list []Finding
}

func (fs *findings) add(sev Severity, id string, part int, file string, format string, args ...any) {
	fs.list = append(fs.list, Finding{Severity: sev, Check: id, Broker: -1, Partition: part, File: file, Message: fmt.Sprintf(format, args...)})
}

func (fs *findings) addAt(sev Severity, id string, part int, file string, off int64, format string, args ...any) {
	fs.add(sev, id, part, file, format, args...)
	fs.list[len(fs.list)-1].Offset = &off
}

// has tells whether a finding of at least the given severity exists for a partition with one
// of the check ids.
func (fs *findings) has(part int, sev Severity, ids ...string) bool {
	for _, f := range fs.list {
		if f.Partition == part && f.Severity.rank() <= sev.rank() && slices.Contains(ids, f.Check) {
			return true
		}
	}
	return false
}
