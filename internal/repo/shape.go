package repo

import (
	"maps"
	"slices"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Where a shape's members come from.
const (
	// MembersFromTopology: the persisted topology (.topology.meta, 8.4+), authoritative for
	// which partitions a node holds after any scaling or reassignment (zeebe-format.md §4.3).
	MembersFromTopology = zeebe.TopologyMetaFile
	// MembersFromConfig: the static round-robin distribution over node ids 0..clusterSize-1
	// (§5), for a cluster without a persisted topology.
	MembersFromConfig = "configuration"
)

// ShapeMember is one broker of a cluster's real shape.
type ShapeMember struct {
	NodeID     int   `json:"nodeId"`
	Partitions []int `json:"partitions"`
}

// StaticMembers are the members of a cluster of shape s without a persisted topology: node ids
// 0..ClusterSize-1 with the round-robin distribution's partitions (numeric order, §5).
func StaticMembers(s zeebe.Shape) []ShapeMember {
	dist := zeebe.Distribute(s, true)
	out := make([]ShapeMember, 0, max(s.ClusterSize, 0))
	for n := range s.ClusterSize {
		out = append(out, ShapeMember{NodeID: n, Partitions: orEmpty(zeebe.PartitionsOf(dist, n))})
	}
	return out
}

// TopologyMembers are the members of a persisted topology, by node id, each with its
// partitions sorted; a member that has LEFT the cluster is not one of them.
func TopologyMembers(t *zeebe.PersistedTopology) []ShapeMember {
	out := make([]ShapeMember, 0, len(t.Members))
	for _, n := range slices.Sorted(maps.Keys(t.Members)) {
		if t.Members[n].State == zeebe.StateLeft {
			continue
		}
		out = append(out, ShapeMember{NodeID: n, Partitions: orEmpty(slices.Sorted(maps.Keys(t.Members[n].Partitions)))})
	}
	return out
}

func orEmpty(ps []int) []int {
	if ps == nil {
		return []int{}
	}
	return ps
}

// Configured is the shape every broker's configuration gave, as recorded.
func (s ClusterShape) Configured() zeebe.Shape {
	return zeebe.Shape{ClusterSize: s.ClusterSize, PartitionsCount: s.PartitionsCount, ReplicationFactor: s.ReplicationFactor}
}

// Real is the shape the backed-up data must have: the configured one with the number of
// brokers the cluster really had (Brokers), which differs in a cluster scaled at runtime.
func (s ClusterShape) Real() zeebe.Shape {
	return zeebe.Shape{ClusterSize: s.Brokers(), PartitionsCount: s.PartitionsCount, ReplicationFactor: s.ReplicationFactor}
}

// Brokers is the number of brokers of the real shape: its members when recorded, else the
// configured clusterSize.
func (s ClusterShape) Brokers() int {
	if len(s.Members) > 0 {
		return len(s.Members)
	}
	return s.ClusterSize
}

// NodeIDs are the node ids of the members, sorted; nil when none were recorded.
func (s ClusterShape) NodeIDs() []int {
	var out []int
	for _, m := range s.Members {
		out = append(out, m.NodeID)
	}
	slices.Sort(out)
	return out
}

// PartitionsOf is the partitions a member holds, and whether the node is a member.
func (s ClusterShape) PartitionsOf(nodeID int) ([]int, bool) {
	for _, m := range s.Members {
		if m.NodeID == nodeID {
			return m.Partitions, true
		}
	}
	return nil, false
}

// PartitionIDs are the partitions the members hold, sorted.
func (s ClusterShape) PartitionIDs() []int {
	set := map[int]bool{}
	for _, m := range s.Members {
		for _, p := range m.Partitions {
			set[p] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
