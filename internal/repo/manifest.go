package repo

import "time"

// Manifest describes one complete backup. It holds no secrets: no environment, no credentials.
// It is a stored format (format.go, docs/repository-format.md): every field is of a type of
// this package, a basic one or time.Time (RFC 3339, which Go keeps stable), so that no change
// elsewhere changes what is stored.
type Manifest struct {
	// FormatVersion is the format the manifest was written in: ManifestFormat when written,
	// an earlier one when read from an older backup.
	FormatVersion int    `json:"formatVersion"`
	ToolVersion   string `json:"toolVersion"`
	ID            string `json:"id"`
	// ZeebeVersion is the cluster's version and VersionSource where it was read: "gateway",
	// "cluster file" or "data".
	ZeebeVersion  string `json:"zeebeVersion,omitempty"`
	VersionSource string `json:"versionSource,omitempty"`
	// DataVersion is the version of the data (verifier fact 10): the highest of every broker's
	// DataVersion and MigratedBy. Zeebe refuses to run an older version on it (§8).
	DataVersion string       `json:"dataVersion,omitempty"`
	Cluster     ClusterShape `json:"cluster"`
	// Compression is the archives' compression: "zstd", "gzip" or "none".
	Compression string `json:"compression"`
	Times       Times  `json:"times"`
	// DowntimeMillis runs from the stop request to the moment every broker was ready again
	// (or to the last start attempt when one never became ready).
	DowntimeMillis int64          `json:"downtimeMs"`
	Brokers        []BrokerRecord `json:"brokers"`
	// Topology is the gateway's view before the stop, when a gateway was given.
	Topology *Topology `json:"topology,omitempty"`
	// Problems are things that went wrong after the data was captured, e.g. a broker that did
	// not come back; the backup itself is complete.
	Problems []string `json:"problems,omitempty"`
	// Findings are what Zeebe's checks found in the data as it was archived (warnings, and
	// errors when the backup was taken with --allow-findings).
	Findings []Finding `json:"findings,omitempty"`
}

// Finding is a finding of Zeebe's checks as the manifest records it (the backup converts
// check.Finding to it).
type Finding struct {
	Severity  string `json:"severity"` // "error", "warning" or "info"
	Check     string `json:"check"`    // the check's stable id
	Broker    int    `json:"broker"`   // node id, -1 when unknown
	Partition int    `json:"partition,omitempty"`
	File      string `json:"file,omitempty"`   // relative to the data folder
	Offset    *int64 `json:"offset,omitempty"` // byte offset in File, when it applies
	Message   string `json:"message"`
}

// ClusterShape is what a restore target must match. ClusterSize, PartitionsCount,
// ReplicationFactor and ClusterName are what every broker's configuration says; ClusterSize is
// the initial size, which a cluster scaled at runtime (8.4+) keeps. Members is the cluster's
// real shape (shape.go).
type ClusterShape struct {
	ClusterSize       int    `json:"clusterSize"`
	PartitionsCount   int    `json:"partitionsCount"`
	ReplicationFactor int    `json:"replicationFactor"`
	ClusterName       string `json:"clusterName,omitempty"`
	// Members are the brokers of the cluster with the partitions each replicates, by node id,
	// and MembersFrom where they were read: MembersFromTopology or MembersFromConfig. Both
	// are empty in manifests written before they were recorded.
	Members     []ShapeMember `json:"members,omitempty"`
	MembersFrom string        `json:"membersFrom,omitempty"`
}

// Times are the moments of a cold backup.
type Times struct {
	StopRequested time.Time `json:"stopRequested"`
	AllDown       time.Time `json:"allDown"`
	DataCaptured  time.Time `json:"dataCaptured"`
	Started       time.Time `json:"started"`
	Ready         time.Time `json:"ready,omitzero"`
	Committed     time.Time `json:"committed"`
}

// BrokerRecord is one broker's part of a backup.
type BrokerRecord struct {
	NodeID  int    `json:"nodeId"`
	Host    string `json:"host"`
	DataDir string `json:"dataDir"`
	// Config is the saved configuration's name and ConfigPath where it came from.
	Config       string `json:"config"`
	ConfigPath   string `json:"configPath"`
	ConfigSHA256 string `json:"configSha256"`
	// Archive is the data archive's name, with its size and SHA-256 as stored.
	Archive       string `json:"archive"`
	ArchiveSize   int64  `json:"archiveSize"`
	ArchiveSHA256 string `json:"archiveSha256"`
	Index         string `json:"index"`
	IndexSHA256   string `json:"indexSha256"`
	Files         int    `json:"files"`
	Dirs          int    `json:"dirs"`
	Symlinks      int    `json:"symlinks"`
	HardLinks     int    `json:"hardLinks"`
	Bytes         int64  `json:"bytes"`
	// DataVersion is the highest broker version in the archived records (RecordMetadata
	// brokerVersion) and MigratedBy the state's migrated-by-version (8.5+): the version of this
	// broker's data is the higher of both. Partitions are the partition folders archived.
	DataVersion string `json:"dataVersion,omitempty"`
	MigratedBy  string `json:"migratedBy,omitempty"`
	Partitions  []int  `json:"partitions,omitempty"`
	// Effective is the broker's configuration as it ran when the backup began: the values the
	// tool uses (node id, cluster shape, data folder, advertised host, ports), each with its
	// source, resolved from ConfigPath with the environment of the broker's process on top.
	// EffectiveFrom says whose environment that was. Never the environment itself.
	Effective     []Setting `json:"effective,omitempty"`
	EffectiveFrom string    `json:"effectiveFrom,omitempty"`
}

// Setting is one effective configuration value: the setting's name (the ≤ 8.7 key, e.g.
// "management.server.port"), its value and where it came from ("environment variable
// MANAGEMENT_SERVER_PORT", "server.port in /usr/local/zeebe/config/application.yaml",
// "default").
type Setting struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Topology is the gateway's topology as recorded.
type Topology struct {
	ClusterSize       int            `json:"clusterSize"`
	PartitionsCount   int            `json:"partitionsCount"`
	ReplicationFactor int            `json:"replicationFactor"`
	GatewayVersion    string         `json:"gatewayVersion"`
	Brokers           []TopologyNode `json:"brokers"`
}

// TopologyNode is one broker in a recorded topology.
type TopologyNode struct {
	NodeID     int             `json:"nodeId"`
	Address    string          `json:"address"`
	Version    string          `json:"version"`
	Partitions []TopologyPlace `json:"partitions"`
}

// TopologyPlace is a partition's role on a broker.
type TopologyPlace struct {
	PartitionID int    `json:"partitionId"`
	Role        string `json:"role"`
	Health      string `json:"health"`
}

// Downtime is the manifest's downtime as a duration.
func (m *Manifest) Downtime() time.Duration {
	return time.Duration(m.DowntimeMillis) * time.Millisecond
}

// Size is the stored size of the backup's archives.
func (m *Manifest) Size() int64 {
	var n int64
	for _, b := range m.Brokers {
		n += b.ArchiveSize
	}
	return n
}

// Bytes is the data the backup holds, uncompressed.
func (m *Manifest) Bytes() int64 {
	var n int64
	for _, b := range m.Brokers {
		n += b.Bytes
	}
	return n
}

// CommittedTime is when the backup's manifest was written; a manifest without that time counts
// from the stop. The newest complete backup ('latest') is the one committed last.
func (m *Manifest) CommittedTime() time.Time {
	if !m.Times.Committed.IsZero() {
		return m.Times.Committed
	}
	return m.Times.StopRequested
}
