package check_test

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// A cluster scaled from 3 to 6 brokers (clusterSize 3 configured): the replicas of each
// partition come from .topology.meta, members 3..5 included, not from the configured size.
func TestClusterReplicasOfAScaledTopology(t *testing.T) {
	dist := zeebe.Distribute(zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}, true)
	topo := &zeebe.PersistedTopology{Version: 5, Members: map[int]zeebe.TopologyMember{}}
	for n := range 6 {
		m := zeebe.TopologyMember{State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{}}
		for _, p := range zeebe.PartitionsOf(dist, n) {
			m.Partitions[p] = zeebe.PartitionState{State: zeebe.StateActive}
		}
		topo.Members[n] = m
	}
	reports := func(skip func(node, partition int) bool) []*check.Report {
		var out []*check.Report
		for n := range 6 {
			rep := &check.Report{NodeID: n, Topology: topo}
			for _, p := range zeebe.PartitionsOf(dist, n) {
				if !skip(n, p) {
					rep.Partitions = append(rep.Partitions, check.PartitionReport{ID: p, Segments: []check.SegmentReport{{}}})
				}
			}
			out = append(out, rep)
		}
		return out
	}
	if fs := check.Cluster(reports(func(int, int) bool { return false }), zeebe.Shape{ClusterSize: 3, PartitionsCount: 6, ReplicationFactor: 3}); len(fs) > 0 {
		t.Fatalf("findings on a complete scaled cluster:%s", describe(fs))
	}
	// Partition 4 lives on brokers 3, 4, 5 only: without 4 and 5 it has no quorum.
	fs := check.Cluster(reports(func(n, p int) bool { return p == 4 && n >= 4 }), zeebe.Shape{ClusterSize: 3, PartitionsCount: 6, ReplicationFactor: 3})
	if len(fs) != 1 || fs[0].Severity != check.Error || fs[0].Check != "replicas.quorum" || fs[0].Partition != 4 || !strings.Contains(fs[0].Message, "of its replicas [3 4 5]") {
		t.Fatalf("want one replicas.quorum error for partition 4 with replicas [3 4 5], got%s", describe(fs))
	}
}
