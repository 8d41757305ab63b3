package gateway

import (
	"fmt"
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
			got := Assign(tc.n, tc.parts, tc.f, upBrokers("8.5.3", ids...))
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

// TestReplicasPriorities checks the table of Zeebe's RoundRobinPartitionDistributor Javadoc
// (N=4, P=5, RF=3) and the alternation of secondary priorities.
func TestReplicasPriorities(t *testing.T) {
	want := map[int][]Replica{
		1: {{0, 3}, {1, 2}, {2, 1}},
		2: {{1, 3}, {2, 2}, {3, 1}},
		3: {{2, 3}, {3, 2}, {0, 1}},
		4: {{3, 3}, {0, 2}, {1, 1}},
		5: {{0, 3}, {1, 1}, {2, 2}},
	}
	for p, w := range want {
		if got := Replicas(4, 3, p); !reflect.DeepEqual(got, w) {
			t.Errorf("Replicas(4, 3, %d) = %v, want %v", p, got, w)
		}
	}
	if got := Replicas(2, 3, 1); !reflect.DeepEqual(got, []Replica{{0, 3}, {1, 2}}) {
		t.Errorf("Replicas(2, 3, 1) = %v", got)
	}
	if got := Replicas(0, 3, 1); got != nil {
		t.Errorf("Replicas(0, 3, 1) = %v, want nil", got)
	}
}

func TestAssignLeadersMove(t *testing.T) {
	// N=3, P=6, RF=3 with node 0 down: partitions 1 and 4 lose their primary. Partition 1 is in
	// an even round (node 1 has priority 2), partition 4 in an odd one (node 2 has priority 2).
	got := Assign(3, 6, 3, upBrokers("8.5.3", 1, 2))
	want := map[int]int{1: 1, 2: 1, 3: 2, 4: 2, 5: 1, 6: 2}
	if l := leaders(got); !reflect.DeepEqual(l, want) {
		t.Errorf("leaders = %v, want %v", l, want)
	}
	if len(got) != 2 || got[0].NodeID != 1 || got[1].NodeID != 2 {
		t.Fatalf("brokers = %+v, want nodes 1 and 2", got)
	}
	wantB1 := Broker{NodeID: 1, Host: hostOf(1), Port: 26501, Version: "8.5.3", Partitions: []Partition{
		{1, RoleLeader, HealthHealthy}, {2, RoleLeader, HealthHealthy}, {3, RoleFollower, HealthHealthy},
		{4, RoleFollower, HealthHealthy}, {5, RoleLeader, HealthHealthy}, {6, RoleFollower, HealthHealthy},
	}}
	if !reflect.DeepEqual(got[0], wantB1) {
		t.Errorf("broker 1 = %+v\nwant %+v", got[0], wantB1)
	}
}

func TestAssignPartitionWithoutUpReplica(t *testing.T) {
	// N=4, P=5, RF=3: partition 2 lives on nodes 1, 2, 3 only.
	got := Assign(4, 5, 3, upBrokers("8.5.3", 0))
	want := []Broker{{NodeID: 0, Host: hostOf(0), Port: 26501, Version: "8.5.3", Partitions: []Partition{
		{1, RoleLeader, HealthHealthy}, {3, RoleLeader, HealthHealthy},
		{4, RoleLeader, HealthHealthy}, {5, RoleLeader, HealthHealthy},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Assign = %+v\nwant %+v", got, want)
	}
	if _, ok := leaders(got)[2]; ok {
		t.Error("partition 2 has a leader although all its replicas are down")
	}
}

func TestAssignDoesNotModifyInput(t *testing.T) {
	up := map[int]Broker{1: {NodeID: 7, Host: "h", Partitions: []Partition{{9, RoleLeader, HealthDead}}}}
	got := Assign(3, 3, 3, up)
	if got[0].NodeID != 1 || len(got[0].Partitions) != 3 || got[0].Partitions[0].PartitionID != 1 {
		t.Errorf("Assign = %+v", got)
	}
	if up[1].NodeID != 7 || len(up[1].Partitions) != 1 {
		t.Errorf("input modified: %+v", up[1])
	}
}
