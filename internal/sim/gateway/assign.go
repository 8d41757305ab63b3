package gateway

import "sort"

// Replica is one member of a partition's replica set with its election priority.
type Replica struct {
	NodeID   int
	Priority int
}

// Replicas returns the replica set of partitionID (1-based) in Zeebe's static round-robin
// distribution over node ids 0..clusterSize-1 in numeric order (zeebe-format.md §5), in list
// order: the primary first. The primary has priority replicationFactor; the others get
// replicationFactor-1, -2, … when ((partitionID-1)/clusterSize) is even and 1, 2, … when it is
// odd. It returns nil when any argument is below 1.
func Replicas(clusterSize, replicationFactor, partitionID int) []Replica {
	if clusterSize < 1 || replicationFactor < 1 || partitionID < 1 {
		return nil
	}
	i := partitionID - 1
	count := min(replicationFactor, clusterSize)
	descending := (i/clusterSize)%2 == 0
	rs := make([]Replica, count)
	for j := range count {
		prio := replicationFactor
		switch {
		case j == 0:
		case descending:
			prio = replicationFactor - j
		default:
			prio = j
		}
		rs[j] = Replica{NodeID: (i + j) % clusterSize, Priority: prio}
	}
	return rs
}

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
	for p := 1; p <= partitionsCount; p++ {
		leader, best := -1, 0
		for _, r := range Replicas(clusterSize, replicationFactor, p) {
			if _, ok := up[r.NodeID]; ok && (leader < 0 || r.Priority > best) {
				leader, best = r.NodeID, r.Priority
			}
		}
		if leader < 0 {
			continue
		}
		for _, r := range Replicas(clusterSize, replicationFactor, p) {
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
