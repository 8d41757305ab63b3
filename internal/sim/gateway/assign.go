package gateway

import (
	"maps"
	"slices"
	"sort"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Assign computes a deterministic topology for a static round-robin cluster of shape s given
// which brokers are up: AssignReplicas with the distribution over node ids 0..clusterSize-1
// (§5), so a broker whose id is outside them holds none.
func Assign(s zeebe.Shape, up map[int]Broker) []Broker {
	return AssignReplicas(zeebe.Distribute(s, true), up)
}

// AssignReplicas computes a deterministic topology given the replicas of each partition, from
// the static distribution or a persisted topology (8.4+, where a cluster scaled at runtime has
// brokers beyond the configured clusterSize), and which brokers are up. up maps node id to the
// broker's host, port and version; its NodeID and Partitions are ignored. The leader of a
// partition is its up replica with the highest priority (the lowest node id among equals),
// the other up replicas are followers, all healthy; a partition with no up replica appears
// nowhere. The result holds exactly the brokers of up, sorted by node id, each with its
// partitions sorted by id. The inputs are not modified.
func AssignReplicas(replicas map[int][]zeebe.Replica, up map[int]Broker) []Broker {
	brokers := make([]Broker, 0, len(up))
	index := make(map[int]int, len(up))
	for id, b := range up {
		b.NodeID = id
		b.Partitions = nil
		brokers = append(brokers, b)
	}
	sort.Slice(brokers, func(a, b int) bool { return brokers[a].NodeID < brokers[b].NodeID })
	for i, b := range brokers {
		index[b.NodeID] = i
	}
	for _, p := range slices.Sorted(maps.Keys(replicas)) {
		leader, best := -1, 0
		for _, r := range replicas[p] {
			if _, ok := up[r.NodeID]; ok && (leader < 0 || r.Priority > best || (r.Priority == best && r.NodeID < leader)) {
				leader, best = r.NodeID, r.Priority
			}
		}
		if leader < 0 {
			continue
		}
		for _, r := range replicas[p] {
			i, ok := index[r.NodeID]
			if !ok {
				continue
			}
			role := RoleFollower
			if r.NodeID == leader {
				role = RoleLeader
			}
			brokers[i].Partitions = append(brokers[i].Partitions, Partition{PartitionID: p, Role: role, Health: HealthHealthy})
		}
	}
	return brokers
}
