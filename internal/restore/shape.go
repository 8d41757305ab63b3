package restore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// compareShape compares the backup's real shape with the target's: the same node ids, the
// same partitions count and replication factor, and every member holding the same partitions.
//
// A backup with a persisted topology (8.4+) brings it along, and the restored brokers take
// their partitions from it, not from the configuration (zeebe-format.md §4.3): the target's
// configured clusterSize is then only the initial size, as in the backed-up cluster, and is
// not compared; a cluster scaled from 3 to 6 brokers says clusterSize 3 everywhere. Without a
// persisted topology the target's brokers place the partitions by the round-robin
// distribution over their configured clusterSize (§5), which must then give each member the
// partitions it had. A manifest that recorded no members is taken as the static shape of its
// configured clusterSize.
func compareShape(m *repo.Manifest, d *cluster.Description, shape fleet.Shape) []error {
	var errs []error
	from := m.Cluster.MembersFrom
	backup := m.Cluster.Members
	if len(backup) == 0 {
		backup, from = repo.StaticMembers(m.Cluster.Configured()), repo.MembersFromConfig
	}
	var backedUp, ids, target []int
	for _, b := range m.Brokers {
		backedUp = append(backedUp, b.NodeID)
	}
	for _, mem := range backup {
		ids = append(ids, mem.NodeID)
	}
	for _, b := range d.Brokers {
		target = append(target, b.NodeID)
	}
	slices.Sort(backedUp)
	slices.Sort(ids)
	slices.Sort(target)
	if !slices.Equal(backedUp, target) {
		errs = append(errs, fmt.Errorf("backup %s holds brokers with node ids %v; the target cluster has %v: restore onto the same number of brokers with the same node ids", m.ID, backedUp, target))
	} else if !slices.Equal(ids, target) {
		errs = append(errs, fmt.Errorf("backup %s is of a cluster whose members are %v (from its %s), but it holds brokers %v: the backup is incomplete", m.ID, ids, from, backedUp))
	}
	if shape.PartitionsCount != m.Cluster.PartitionsCount {
		errs = append(errs, fmt.Errorf("backup %s has %d partitions; the target's configurations say partitionsCount %d (%s): the partitions count must be the same", m.ID, m.Cluster.PartitionsCount, shape.PartitionsCount, d.Brokers[0].Config))
	}
	if shape.ReplicationFactor != m.Cluster.ReplicationFactor {
		errs = append(errs, fmt.Errorf("backup %s has replication factor %d; the target's configurations say %d (%s): the replication factor must be the same", m.ID, m.Cluster.ReplicationFactor, shape.ReplicationFactor, d.Brokers[0].Config))
	}
	if len(errs) > 0 || from == repo.MembersFromTopology {
		return errs
	}
	// Static: the target's round-robin must give each member the partitions it had.
	placed := repo.ClusterShape{Members: repo.StaticMembers(shape.Shape)}
	var moved []string
	for _, mem := range backup {
		if got, _ := placed.PartitionsOf(mem.NodeID); !slices.Equal(got, mem.Partitions) {
			moved = append(moved, fmt.Sprintf("broker %d held %v, would hold %v", mem.NodeID, mem.Partitions, got))
		}
	}
	if shape.ClusterSize != m.Cluster.ClusterSize || len(moved) > 0 {
		errs = append(errs, fmt.Errorf("backup %s is of a cluster of %d brokers without a persisted topology; the target's configurations say clusterSize %d (%s), which places the partitions otherwise (%s): the cluster size must be the same",
			m.ID, m.Cluster.ClusterSize, shape.ClusterSize, d.Brokers[0].Config, strings.Join(moved, "; ")))
	}
	return errs
}
