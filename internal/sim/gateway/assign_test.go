package gateway

import (
	"fmt"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"reflect"
	"testing"
)

// upBrokers returns the up map for the given node ids, with host, port and version filled in.
func upBrokers(version string, ids ...int) map[int]Broker {
	up := make(map[int]Broker, len(ids))
	for _, id := range ids {
		up[id] = Broker{Host: hostOf(id), Port: 26501, Version: version}
	}
	return up
}

func hostOf(id int) string { return fmt.Sprintf("zeebe-%d.zeebe", id) }

// held returns, for every broker, the ids of the partitions it holds.
func held(bs []Broker) map[int][]int {
	out := make(map[int][]int, len(bs))
	for _, b := range bs {
		ids := []int{}
		for _, p := range b.Partitions {
			ids = append(ids, p.PartitionID)
		}
		out[b.NodeID] = ids
	}
	return out
}

// leaders returns partition id -> node id of its leader.
func leaders(bs []Broker) map[int]int {
	out := map[int]int{}
	for _, b := range bs {
		for _, p := range b.Partitions {
			if p.Role == RoleLeader {
				out[p.PartitionID] = b.NodeID
			}
		}
	}
	return out
}

func TestAssignFormatExamples(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n, parts, f int
		want        map[int][]int
	}{
		{"N3P3RF3", 3, 3, 3, map[int][]int{0: {1, 2, 3}, 1: {1, 2, 3}, 2: {1, 2, 3}}},
		{"N4P5RF3", 4, 5, 3, map[int][]int{0: {1, 3, 4, 5}, 1: {1, 2, 4, 5}, 2: {1, 2, 3, 5}, 3: {2, 3, 4}}},
		{"N3P6RF1", 3, 6, 1, map[int][]int{0: {1, 4}, 1: {2, 5}, 2: {3, 6}}},
		{"RFAboveN", 2, 2, 3, map[int][]int{0: {1, 2}, 1: {1, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := make([]int, tc.n)
			for i := range ids {
				ids[i] = i
			}
			got := Assign(zeebe.Shape{ClusterSize: tc.n, PartitionsCount: tc.parts, ReplicationFactor: tc.f}, upBrokers("8.5.3", ids...))
			if h := held(got); !reflect.DeepEqual(h, tc.want) {
				t.Errorf("partitions per node = %v, want %v", h, tc.want)
			}
			// With everyone up, the primary (node p-1 mod N) leads.
			for p, l := range leaders(got) {
				if l != (p-1)%tc.n {
					t.Errorf("partition %d led by %d, want primary %d", p, l, (p-1)%tc.n)
				}
			}
			if len(leaders(got)) != tc.parts {
				t.Errorf("leaders = %v, want one per partition", leaders(got))
			}
		})
	}
}

// TestDistributionPriorities checks the table of Zeebe's RoundRobinPartitionDistributor Javadoc
// (N=4, P=5, RF=3) and the alternation of secondary priorities, as Assign sees them.
func TestDistributionPriorities(t *testing.T) {
	type replica struct{ NodeID, Priority int }
	want := map[int][]replica{
		1: {{0, 3}, {1, 2}, {2, 1}},
		2: {{1, 3}, {2, 2}, {3, 1}},
		3: {{2, 3}, {3, 2}, {0, 1}},
		4: {{3, 3}, {0, 2}, {1, 1}},
		5: {{0, 3}, {1, 1}, {2, 2}},
	}
	dist := zeebe.Distribute(zeebe.Shape{ClusterSize: 4, PartitionsCount: 5, ReplicationFactor: 3}, true)
	for p, w := range want {
		var got []replica
		for _, r := range dist[p] {
			got = append(got, replica{r.NodeID, r.Priority})
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("partition %d: %v, want %v", p, got, w)
		}
	}
	if got := zeebe.Distribute(zeebe.Shape{ClusterSize: 2, PartitionsCount: 1, ReplicationFactor: 3}, true)[1]; len(got) != 2 || got[0].Priority != 3 || got[1].Priority != 2 {
		t.Errorf("N=2, RF=3: %v", got)
	}
}

// Replicas from a persisted topology place partitions on brokers beyond the configured
// clusterSize (a cluster scaled from 3 to 6): brokers 3..5 hold partitions and lead some.
func TestAssignReplicasOfAScaledTopology(t *testing.T) {
	got := AssignReplicas(zeebe.Distribute(zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}, true), upBrokers("8.5.3", 0, 1, 2, 3, 4, 5))
	want := map[int][]int{0: {1, 5, 6}, 1: {1, 2, 6}, 2: {1, 2, 3}, 3: {2, 3, 4}, 4: {3, 4, 5}, 5: {4, 5, 6}}
	if h := held(got); !reflect.DeepEqual(h, want) {
		t.Errorf("held = %v, want %v", h, want)
	}
	if l := leaders(got); !reflect.DeepEqual(l, map[int]int{1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5}) {
		t.Errorf("leaders = %v", l)
	}
}
