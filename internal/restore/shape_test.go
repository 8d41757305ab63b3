package restore

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// scaledManifest is a backup of a cluster scaled from 3 to 6 brokers: clusterSize 3 in every
// configuration, 6 members with 6 partitions redistributed round-robin, from .topology.meta.
func scaledManifest() *repo.Manifest {
	m := &repo.Manifest{ID: "b1", Cluster: repo.ClusterShape{ClusterSize: 3, PartitionsCount: 6, ReplicationFactor: 3,
		Members: repo.StaticMembers(zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}), MembersFrom: repo.MembersFromTopology}}
	for n := range 6 {
		m.Brokers = append(m.Brokers, repo.BrokerRecord{NodeID: n})
	}
	return m
}

func description(n int) *cluster.Description {
	d := &cluster.Description{}
	for id := range n {
		d.Brokers = append(d.Brokers, cluster.Broker{NodeID: id, Host: "local", Config: "application.yaml"})
	}
	return d
}

// The restore compares the real shape: a scaled backup goes onto its 6 node ids whatever the
// target's configured clusterSize (its topology places the partitions), not onto 3 brokers;
// a backup without a topology needs the clusterSize that places the partitions as they were.
func TestCompareShape(t *testing.T) {
	static := &repo.Manifest{ID: "b2", Cluster: repo.ClusterShape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}}
	for n := range 3 {
		static.Brokers = append(static.Brokers, repo.BrokerRecord{NodeID: n})
	}
	for _, tc := range []struct {
		name   string
		m      *repo.Manifest
		d      *cluster.Description
		target fleet.Shape
		want   string // "" for no refusal
	}{
		{"scaled onto the same configs", scaledManifest(), description(6), fleet.Shape{Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 6, ReplicationFactor: 3}}, ""},
		{"scaled onto configs that say 6", scaledManifest(), description(6), fleet.Shape{Shape: zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}}, ""},
		{"scaled onto 3 brokers", scaledManifest(), description(3), fleet.Shape{Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 6, ReplicationFactor: 3}}, "node ids [0 1 2 3 4 5]; the target cluster has [0 1 2]"},
		{"scaled, another partitions count", scaledManifest(), description(6), fleet.Shape{Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}}, "has 6 partitions; the target's configurations say partitionsCount 3"},
		{"static onto the same", static, description(3), fleet.Shape{Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}}, ""},
		{"static onto another clusterSize", static, description(3), fleet.Shape{Shape: zeebe.Shape{ClusterSize: 4, PartitionsCount: 3, ReplicationFactor: 3}}, "without a persisted topology; the target's configurations say clusterSize 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := compareShape(tc.m, tc.d, tc.target)
			var msgs []string
			for _, err := range errs {
				msgs = append(msgs, err.Error())
			}
			got := strings.Join(msgs, "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The partition gate takes a broker's partitions from the topology (its archive's, else the
// one the backup recorded), so brokers beyond the configured clusterSize hold partitions;
// round-robin over the configured clusterSize only when the cluster has no topology.
func TestPartitionGateOfAScaledCluster(t *testing.T) {
	m := scaledManifest()
	r := &run{m: m}
	target := fleet.Shape{Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 6, ReplicationFactor: 3}}
	dist := zeebe.Distribute(zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}, true)
	topo := &zeebe.PersistedTopology{Version: 5, Members: map[int]zeebe.TopologyMember{}}
	for _, mem := range m.Cluster.Members {
		tm := zeebe.TopologyMember{State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{}}
		for _, p := range mem.Partitions {
			tm.Partitions[p] = zeebe.PartitionState{State: zeebe.StateActive}
		}
		topo.Members[mem.NodeID] = tm
	}
	report := func(node int, topology *zeebe.PersistedTopology) *check.Report {
		rep := &check.Report{NodeID: node, Topology: topology}
		for _, p := range zeebe.PartitionsOf(dist, node) {
			rep.Partitions = append(rep.Partitions, check.PartitionReport{ID: p})
		}
		return rep
	}
	for node := range 6 {
		if msg := r.partitionGate(node, report(node, topo), target); msg != "" {
			t.Errorf("with its .topology.meta: %s", msg)
		}
		if msg := r.partitionGate(node, report(node, nil), target); msg != "" {
			t.Errorf("with the recorded topology: %s", msg)
		}
	}
	// Broker 4's folders do not match the topology's partitions for broker 3.
	if msg := r.partitionGate(3, report(4, nil), target); !strings.Contains(msg, "node 3 must hold [2 3 4]") {
		t.Errorf("wrong folders: %q", msg)
	}
	// A node the topology does not know.
	if msg := r.partitionGate(7, report(7, topo), target); !strings.Contains(msg, "not a member") {
		t.Errorf("node 7: %q", msg)
	}
}
