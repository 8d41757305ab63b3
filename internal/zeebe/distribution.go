package zeebe

import "sort"

// Replica is one node's membership in a partition's replica set.
type Replica struct {
	NodeID   int
	Priority int // higher is preferred as leader; the primary has ReplicationFactor
	Primary  bool
}

// Distribute computes the round-robin partition distribution of a static cluster (§5,
// RoundRobinPartitionDistributor) for nodes 0..clusterSize-1: the replicas of each partition
// 1..partitions, in list order, with their priorities. numericOrder sorts node ids as numbers
// (8.5+); false sorts them as strings, as 8.4 and earlier do ("10" before "2").
func Distribute(clusterSize, partitions, replicationFactor int, numericOrder bool) map[int][]Replica {
	if clusterSize < 1 || replicationFactor < 1 || partitions < 1 {
		return map[int][]Replica{}
	}
	nodes := make([]int, clusterSize)
	for i := range nodes {
		nodes[i] = i
	}
	if !numericOrder {
		sort.Slice(nodes, func(a, b int) bool { return itoa(nodes[a]) < itoa(nodes[b]) })
	}
	count := min(replicationFactor, clusterSize)
	out := make(map[int][]Replica, partitions)
	for p := 1; p <= partitions; p++ {
		i := p - 1
		ascending := (i/clusterSize)%2 != 0
		replicas := make([]Replica, 0, count)
		for j := range count {
			r := Replica{NodeID: nodes[(i+j)%clusterSize]}
			switch {
			case j == 0:
				r.Priority, r.Primary = replicationFactor, true
			case ascending:
				r.Priority = j
			default:
				r.Priority = replicationFactor - j
			}
			replicas = append(replicas, r)
		}
		out[p] = replicas
	}
	return out
}

// PartitionsOf returns the partitions a node replicates in a distribution, ascending.
func PartitionsOf(dist map[int][]Replica, nodeID int) []int {
	var out []int
	for p, replicas := range dist {
		for _, r := range replicas {
			if r.NodeID == nodeID {
				out = append(out, p)
			}
		}
	}
	sort.Ints(out)
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
