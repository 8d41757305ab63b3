package zeebe

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Zeebe release, e.g. 8.5.3 or 8.6.0-alpha2.
type Version struct {
	Major, Minor, Patch int
	Pre                 string // pre-release suffix without the dash, "" for a release
}

// ParseVersion reads "8.5.3", "8.6.0-alpha2" or "8.7" (patch 0).
func ParseVersion(s string) (Version, error) {
	var v Version
	core, pre, _ := strings.Cut(strings.TrimSpace(s), "-")
	v.Pre = pre
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, fmt.Errorf("zeebe version %q: want MAJOR.MINOR[.PATCH][-PRE], e.g. 8.5.3", s)
	}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("zeebe version %q: %q is not a number", s, p)
		}
		*nums[i] = n
	}
	return v, nil
}

// MustVersion is ParseVersion for constants.
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// AtLeast tells whether v is major.minor.patch or later, ignoring pre-release suffixes.
func (v Version) AtLeast(major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

// Compatibility is the result of Zeebe's version check between the version that last wrote
// the data and the version about to start on it (§8, VersionCompatibilityCheck, 8.5+).
type Compatibility int

// The outcomes of a version check.
const (
	Compatible Compatibility = iota
	Incompatible
	Indeterminate // the data's version is unknown: Zeebe does no check
)

// CheckUpgrade applies §8: same version, a patch upgrade, or a minor upgrade by exactly one are
// compatible; a skipped minor, any downgrade (a patch downgrade too), another major, or a
// pre-release on either side unless both are identical are not. The reason says why.
func CheckUpgrade(data, running Version) (Compatibility, string) {
	switch {
	case data == running:
		return Compatible, "same version"
	case data.Pre != "" || running.Pre != "":
		return Incompatible, fmt.Sprintf("cannot upgrade from or to a pre-release version (%s to %s)", data, running)
	case data.Major != running.Major:
		return Incompatible, fmt.Sprintf("cannot change the major version (%s to %s)", data, running)
	case running.Minor == data.Minor && running.Patch >= data.Patch:
		return Compatible, "patch upgrade"
	case running.Minor == data.Minor+1:
		return Compatible, "minor upgrade"
	case running.Minor > data.Minor+1:
		return Incompatible, fmt.Sprintf("skipping minor versions is not supported (%s to %s)", data, running)
	}
	return Incompatible, fmt.Sprintf("downgrades are not supported (%s to %s)", data, running)
}

// Layout is what a Zeebe release writes on disk: the variants of each structure (§1.3).
type Layout struct {
	Version Version
	// JournalSchema is the journal SBE schema version: 1 (8.0-8.2) or 2 (8.3+) (§2.2).
	JournalSchema int
	// RaftSchema is the Raft entry schema version: 1 (8.0-8.2), 2 (8.3-8.4), 3 (8.5-8.6), 4 (8.7+) (§2.4).
	RaftSchema int
	// ProtocolVersion is the SBE version of a record's RecordMetadata: 3 (8.0-8.2), 4 (8.3-8.5), 5 (8.6+) (§2.4).
	ProtocolVersion int
	// LogEntryVersion is the version field of a record's LogEntryDescriptor: 0 before 8.5, where
	// metadataLength is a uint16 followed by 2 unused bytes; 1 from 8.5, where it is an int32
	// (LogAppendEntrySerializer, §2.4).
	LogEntryVersion int
	// SnapshotIDParts is 4 (index-term-processed-exported) before 8.8 and 6 (adds
	// brokerId and checksum) from 8.8 (§3.1).
	SnapshotIDParts int
	// CombinedChecksum: the SFV file carries "; combinedValue" lines (8.0-8.5, §3.3).
	CombinedChecksum bool
	// FullFileChecksums: SST checksums come from RocksDB and are left out of the combined value
	// (8.2.29+, 8.3.13+, 8.4.9+, 8.5.4+, 8.6+; §3.3).
	FullFileChecksums bool
	// SnapshotFileCheck: on load, the snapshot's files and their CRCs must equal the checksum
	// file's list (8.2.29+, 8.3.13+, 8.4.9+, 8.6+). Otherwise only the combined value is
	// compared (8.0-8.5.x): in 8.5.4+ the SSTs are left out of it, so a damaged or extra SST
	// goes unnoticed (§3.3).
	SnapshotFileCheck bool
	// TopologyMeta: <data>/.topology.meta is always written (8.4+, §4.3).
	TopologyMeta bool
	// ClusterID: .topology.meta carries a cluster id (8.8+).
	ClusterID bool
	// ZeebeMetadata: snapshots carry zeebe.metadata (8.1+).
	ZeebeMetadata bool
	// MigratedByVersion: the state records the version that last migrated it (8.5+, §8).
	MigratedByVersion bool
	// PartitionGroup is "raft-partition" before 8.10 and "default" from 8.10 (§1.3).
	PartitionGroup string
}

// LayoutOf returns the on-disk layout a release writes. Releases before 8.3 are not supported.
func LayoutOf(v Version) (Layout, error) {
	if v.Major != 8 || v.Minor < 3 {
		return Layout{}, fmt.Errorf("zeebe %s: only 8.3 and later are supported", v)
	}
	l := Layout{
		Version:         v,
		JournalSchema:   2,
		RaftSchema:      2,
		ProtocolVersion: 4,
		SnapshotIDParts: 4,
		ZeebeMetadata:   true,
		PartitionGroup:  "raft-partition",
	}
	if v.AtLeast(8, 5, 0) {
		l.RaftSchema = 3
		l.MigratedByVersion = true
		l.LogEntryVersion = 1
	}
	if v.AtLeast(8, 6, 0) {
		l.ProtocolVersion = 5
	}
	if v.AtLeast(8, 7, 0) {
		l.RaftSchema = 4
	}
	if v.AtLeast(8, 8, 0) {
		l.SnapshotIDParts = 6
		l.ClusterID = true
	}
	if v.AtLeast(8, 10, 0) {
		l.PartitionGroup = "default"
	}
	l.CombinedChecksum = !v.AtLeast(8, 6, 0)
	l.TopologyMeta = v.AtLeast(8, 4, 0)
	switch v.Minor {
	case 3:
		l.FullFileChecksums = v.Patch >= 13
		l.SnapshotFileCheck = l.FullFileChecksums
	case 4:
		l.FullFileChecksums = v.Patch >= 9
		l.SnapshotFileCheck = l.FullFileChecksums
	case 5:
		l.FullFileChecksums = v.Patch >= 4
	default:
		l.FullFileChecksums = true
		l.SnapshotFileCheck = true
	}
	return l, nil
}

// MetaBlockLength is the SBE block length of the .meta file: 16, or 24 with commitIndex (8.7+).
func (l Layout) MetaBlockLength() int {
	if l.RaftSchema >= 4 {
		return 24
	}
	return 16
}

// ConfBlockLength is the SBE block length of the .conf file: 24, or 25 with force (8.5+).
func (l Layout) ConfBlockLength() int {
	if l.RaftSchema >= 3 {
		return 25
	}
	return 24
}

// DescriptorLength is the length of a segment descriptor: 57 bytes for schema 2, 45 for 1.
func (l Layout) DescriptorLength() int {
	if l.JournalSchema >= 2 {
		return 57
	}
	return 45
}

// BrokerVersionOffset is where brokerVersion sits in a RecordMetadata block (§2.4).
func BrokerVersionOffset(protocolVersion int) int {
	if protocolVersion <= 3 {
		return 18
	}
	return 17
}
