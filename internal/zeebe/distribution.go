package zeebe

import (
	"fmt"
	"sort"
)

// Replica is one node's membership in a partition's replica set.
type Replica struct {
	NodeID   int
	Priority int // higher is preferred as leader; the primary has ReplicationFactor
	Primary  bool
}

// Shape is a cluster's shape as Zeebe configures it and a gateway reports it
// (zeebe.broker.cluster.clusterSize, partitionsCount, replicationFactor; §5, §7). ClusterSize
// is the initial size, which a cluster scaled at runtime (8.4+) keeps in its configurations.
// A zero field means unknown. It is the one in-memory form of the three numbers; stored
// formats (the manifest) have their own.
type Shape struct {
	ClusterSize, PartitionsCount, ReplicationFactor int
}

// Known says whether all three numbers are set.
func (s Shape) Known() bool {
	return s.ClusterSize > 0 && s.PartitionsCount > 0 && s.ReplicationFactor > 0
}

// String is the shape as the configuration keys name it.
func (s Shape) String() string {
	return fmt.Sprintf("clusterSize %d, partitionsCount %d, replicationFactor %d", s.ClusterSize, s.PartitionsCount, s.ReplicationFactor)
}

// Distribute computes the round-robin partition distribution of a static cluster (§5,
// RoundRobinPartitionDistributor) of shape s, for nodes 0..ClusterSize-1: the replicas of each
// partition 1..PartitionsCount, in list order, with their priorities. numericOrder sorts node
// ids as numbers (8.5+); false sorts them as strings, as 8.4 and earlier do ("10" before "2").
// A shape that is not Known has no replicas.
func Distribute(s Shape, numericOrder bool) map[int][]Replica {
	clusterSize, partitions, replicationFactor := s.ClusterSize, s.PartitionsCount, s.ReplicationFactor
	if !s.Known() {
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
