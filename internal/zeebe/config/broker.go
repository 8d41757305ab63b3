package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Broker is what matters of one broker's configuration.
type Broker struct {
	NodeID int
	zeebe.Shape
	ClusterName          string
	ClusterID            string // 8.8+ camunda.cluster.cluster-id, "" when unset
	InitialContactPoints []string
	DataDirectory        string // as configured (may be relative); see ResolveDataDirectory
	RuntimeDirectory     string // "" when unset
	LogSegmentSize       int64
	SnapshotPeriod       time.Duration

	// Host is zeebe.broker.network.host (default 0.0.0.0). AdvertisedHost is
	// zeebe.broker.network.advertisedHost, else Host. (Zeebe itself advertises the machine's
	// address when neither is set; this package never looks at the machine.)
	Host, AdvertisedHost string

	// PortOffset is zeebe.broker.network.portOffset. Zeebe adds 10×PortOffset to the command,
	// internal and embedded gateway ports, configured or default; the ports below include it.
	PortOffset int

	CommandAPIPort, InternalAPIPort int
	GatewayEnabled                  bool // zeebe.broker.gateway.enable, default true
	GatewayPort                     int

	// ManagementPort is management.server.port (MANAGEMENT_SERVER_PORT), default 9600, as in
	// 8.5+. In 8.0–8.4 there is no separate management server: monitoring is served on
	// server.port (SERVER_PORT, default 9600 there), which is RESTPort here; HealthPort
	// tells which one a release uses.
	ManagementPort int
	RESTPort       int // server.port (SERVER_PORT), default 8080 (the 8.5+ default)

	// ServerPortSet tells whether server.port is configured: its default is 8080 from 8.5 but
	// 9600 in 8.0–8.4, where it is the monitoring port (HealthPort).
	ServerPortSet bool
}

// HealthPort is the port that serves health and readiness for a broker of release v (§6, §7):
// management.server.port from 8.5; server.port in 8.0–8.4, whose default there is 9600.
func (b *Broker) HealthPort(v zeebe.Version) int {
	if v.AtLeast(8, 5, 0) {
		return b.ManagementPort
	}
	if b.ServerPortSet {
		return b.RESTPort
	}
	return 9600
}

// Keys read by Broker, in precedence order. When an 8.8+ camunda.* key and its legacy key
// are both set, camunda.* wins. That is our reading of the newest source
// (UnifiedConfigurationHelper, BackwardsCompatibilityMode.SUPPORTED), not verified against
// every 8.8–8.10 release; a pre-8.8 broker ignores camunda.* keys altogether.
var (
	keysNodeID        = []string{"camunda.cluster.node-id", "zeebe.broker.cluster.nodeId"}
	keysClusterSize   = []string{"camunda.cluster.size", "zeebe.broker.cluster.clusterSize"}
	keysPartitions    = []string{"camunda.cluster.partition-count", "zeebe.broker.cluster.partitionsCount"}
	keysReplication   = []string{"camunda.cluster.replication-factor", "zeebe.broker.cluster.replicationFactor"}
	keysClusterName   = []string{"camunda.cluster.name", "zeebe.broker.cluster.clusterName"}
	keysClusterID     = []string{"camunda.cluster.cluster-id", "zeebe.broker.cluster.clusterId"}
	keysContactPoints = []string{"camunda.cluster.initial-contact-points", "zeebe.broker.cluster.initialContactPoints"}
	keysDataDir       = []string{"camunda.data.primary-storage.directory", "zeebe.broker.data.directory"}
	keysRuntimeDir    = []string{"camunda.data.primary-storage.runtime-directory", "zeebe.broker.data.runtimeDirectory"}
	keysSegmentSize   = []string{"camunda.data.primary-storage.log-stream.log-segment-size", "zeebe.broker.data.logSegmentSize"}
	keysSnapshot      = []string{"camunda.data.snapshot-period", "zeebe.broker.data.snapshotPeriod"}
	keysHost          = []string{"camunda.cluster.network.host", "zeebe.broker.network.host"}
	keysAdvertised    = []string{"zeebe.broker.network.advertisedHost"}
	keysPortOffset    = []string{"zeebe.broker.network.portOffset"}
	keysCommandPort   = []string{"camunda.cluster.network.command-api.port", "zeebe.broker.network.commandApi.port"}
	keysInternalPort  = []string{"camunda.cluster.network.internal-api.port", "zeebe.broker.network.internalApi.port"}
	keysGatewayEnable = []string{"zeebe.broker.gateway.enable"}
	keysGatewayPort   = []string{"camunda.api.grpc.port", "zeebe.broker.gateway.network.port"}
	keysManagement    = []string{"management.server.port"}
	keysREST          = []string{"server.port"}
)

// Broker resolves and validates the broker settings. Every error names the key, the value and
// its source and says what is allowed; all problems found are reported together.
func (v *Values) Broker() (*Broker, error) {
	r := &reader{v: v}
	b := &Broker{}
	var nodeID, size, parts, repl, segment, offset, cmd, internal, gw, mgmt, rest setting
	if s, ok := v.pick(keysNodeID...); ok && isBlank(s.value) {
		// Spring would bind nothing and leave 0; for backup and restore a silently wrong node
		// id is worse than an error. The 8.8+ Helm charts set node-id to
		// "${VALUES_ORCHESTRATION_NODE_ID:}", which their startup.sh exports.
		r.errs = append(r.errs, fmt.Errorf("%s is empty; the broker's node id must be known (Helm 8.8+ computes it as VALUES_ORCHESTRATION_NODE_ID in startup.sh)", s))
	}
	b.NodeID, nodeID = r.int(0, keysNodeID)
	b.ClusterSize, size = r.int(1, keysClusterSize)
	b.PartitionsCount, parts = r.int(1, keysPartitions)
	b.ReplicationFactor, repl = r.int(1, keysReplication)
	b.ClusterName = r.str("zeebe-cluster", keysClusterName)
	b.ClusterID = r.str("", keysClusterID)
	b.InitialContactPoints = r.list(keysContactPoints)
	b.DataDirectory = r.str("data", keysDataDir)
	b.RuntimeDirectory = r.str("", keysRuntimeDir)
	b.LogSegmentSize, segment = r.dataSize(128<<20, keysSegmentSize)
	b.SnapshotPeriod = r.duration(5*time.Minute, keysSnapshot)
	b.Host = r.str("0.0.0.0", keysHost)
	b.AdvertisedHost = r.str(b.Host, keysAdvertised)
	b.PortOffset, offset = r.int(0, keysPortOffset)
	b.CommandAPIPort, cmd = r.int(26501, keysCommandPort)
	b.InternalAPIPort, internal = r.int(26502, keysInternalPort)
	b.GatewayEnabled = r.bool(true, keysGatewayEnable)
	b.GatewayPort, gw = r.int(26500, keysGatewayPort)
	b.ManagementPort, mgmt = r.int(9600, keysManagement)
	b.RESTPort, rest = r.int(8080, keysREST)
	b.ServerPortSet = rest.source != ""
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}

	shift := b.PortOffset * 10
	b.CommandAPIPort += shift
	b.InternalAPIPort += shift
	b.GatewayPort += shift

	var errs []error
	bad := func(s setting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s "+format, append([]any{s}, args...)...))
	}
	if b.ClusterSize < 1 {
		bad(size, "must be at least 1")
	}
	// Zeebe 8.4+ (ClusterCfg.init) rejects only a negative node id: a cluster scaled at runtime
	// has brokers 3, 4, 5 while clusterSize, the initial size, stays 3 (zeebe-format.md §6).
	// Its replication factor is still checked against the configured clusterSize, as Zeebe does.
	if b.NodeID < 0 {
		bad(nodeID, "must not be negative")
	}
	if b.PartitionsCount < 1 {
		bad(parts, "must be at least 1")
	}
	if b.ReplicationFactor < 1 || (b.ClusterSize >= 1 && b.ReplicationFactor > b.ClusterSize) {
		bad(repl, "must be between 1 and clusterSize %d (%s)", b.ClusterSize, size.origin())
	}
	if b.LogSegmentSize <= 0 {
		bad(segment, "must be a positive size")
	}
	ports := []portCheck{
		{cmd, b.CommandAPIPort, shift}, {internal, b.InternalAPIPort, shift},
		{mgmt, b.ManagementPort, 0}, {rest, b.RESTPort, 0},
	}
	if b.GatewayEnabled { // a disabled gateway binds no port
		ports = append(ports, portCheck{gw, b.GatewayPort, shift})
	}
	for _, p := range ports {
		if p.port >= 1 && p.port <= 65535 {
			continue
		}
		if p.shift != 0 {
			bad(p.s, "with portOffset %d (%s) gives port %d, which is not between 1 and 65535", b.PortOffset, offset.origin(), p.port)
		} else {
			bad(p.s, "must be a port between 1 and 65535")
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return b, nil
}

type portCheck struct {
	s     setting
	port  int // effective, with the offset
	shift int // 10×portOffset when it applies
}

// ResolveDataDirectory makes a relative data directory absolute against the install dir
// (Zeebe resolves "data" against its install dir, e.g. /usr/local/zeebe).
func (b *Broker) ResolveDataDirectory(installDir string) string {
	return resolveDir(b.DataDirectory, installDir)
}

// ResolveRuntimeDirectory does the same for the runtime directory; it is "" when unset.
func (b *Broker) ResolveRuntimeDirectory(installDir string) string {
	if b.RuntimeDirectory == "" {
		return ""
	}
	return resolveDir(b.RuntimeDirectory, installDir)
}

func resolveDir(dir, installDir string) string {
	if filepath.IsAbs(dir) {
		return filepath.Clean(dir)
	}
	return filepath.Join(installDir, dir)
}
