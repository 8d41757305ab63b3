package simtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// ScaledTopology is the persisted topology (§4.3) a completed scale operation leaves when a
// cluster configured with clusterSize brokers was scaled to brokers (kubectl scale, then the
// scale request, 8.4+): members 0..brokers-1, all ACTIVE, with the partitions redistributed by
// the round-robin distribution over all of them (§5), as Zeebe's scale request does; no change
// in progress.
func ScaledTopology(brokers, partitions, replication int, clusterID string) zeebe.PersistedTopology {
	t := zeebe.PersistedTopology{Version: int64(brokers - 1), Members: map[int]zeebe.TopologyMember{}, ClusterID: clusterID}
	for n := range brokers {
		t.Members[n] = zeebe.TopologyMember{Version: 2, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{}}
	}
	for p, rs := range zeebe.Distribute(zeebe.Shape{ClusterSize: brokers, PartitionsCount: partitions, ReplicationFactor: replication}, true) {
		for _, r := range rs {
			t.Members[r.NodeID].Partitions[p] = zeebe.PartitionState{State: zeebe.StateActive, Priority: r.Priority}
		}
	}
	return t
}

// writeScaledTopology writes ScaledTopology into every broker's data folder before the first
// start. The simulator does not gossip the topology nor run the scale operation; it honours a
// .topology.meta it finds, as Zeebe does from 8.4.
func (c *Cluster) writeScaledTopology(t testing.TB) {
	t.Helper()
	v, err := zeebe.ParseVersion(c.Opts.Version)
	if err != nil {
		t.Fatal(err)
	}
	l, err := zeebe.LayoutOf(v)
	if err != nil {
		t.Fatal(err)
	}
	if !l.TopologyMeta {
		t.Fatalf("a cluster of %d brokers with clusterSize %d needs Zeebe 8.4 or later (a persisted topology), not %s", c.Opts.Brokers, c.Opts.ClusterSize, c.Opts.Version)
	}
	clusterID := ""
	if l.ClusterID {
		clusterID = "zeebe-sim-zeebe-cluster" // what the simulator makes up for clusterName zeebe-cluster
	}
	raw := sim.EncodeTopologyMeta(ScaledTopology(c.Opts.Brokers, c.Opts.Partitions, c.Opts.Replication, clusterID), time.Now().Unix())
	for _, b := range c.Brokers {
		if err := os.MkdirAll(b.DataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.DataDir, zeebe.TopologyMetaFile), raw, 0o644); err != nil {
			t.Fatal(fmt.Errorf("broker %d: %w", b.NodeID, err))
		}
	}
}
