package gateway

import (
	"sort"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Assign computes a deterministic topology for a static round-robin cluster given which brokers
// are up. up maps node id to the broker's host, port and version; its NodeID and Partitions are
// ignored. The leader of a partition is its up replica with the highest priority, the other up
// replicas are followers, all healthy; a partition with no up replica appears nowhere. The
// result holds exactly the brokers of up, sorted by node id, each with its partitions sorted by
// id; a broker whose id is outside 0..clusterSize-1 holds none. The input is not modified.
func Assign(clusterSize, partitionsCount, replicationFactor int, up map[int]Broker) []Broker {
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
	if clusterSize < 1 || replicationFactor < 1 {
		return brokers
	}
	dist := zeebe.Distribute(clusterSize, partitionsCount, replicationFactor, true)
	for p := 1; p <= partitionsCount; p++ {
		leader, best := -1, 0
		for _, r := range dist[p] {
			if _, ok := up[r.NodeID]; ok && (leader < 0 || r.Priority > best) {
				leader, best = r.NodeID, r.Priority
			}
		}
		if leader < 0 {
			continue
		}
		for _, r := range dist[p] {
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
