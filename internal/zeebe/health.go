package zeebe

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Healthy reports whether a topology shows the cluster fully up (docs/zeebe-format.md §7): every node
// id 0..ClusterSize-1 is present, with version wantVersion unless it is empty, and no other;
// each partition 1..PartitionsCount has exactly one leader and ReplicationFactor-1 followers,
// all healthy. It returns nil or one error naming every problem found, separated by "; ", e.g.
// "cluster not fully up: broker 1 is absent; partition 2 has no leader".
func Healthy(t Topology, wantVersion string) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	n, parts, rf := t.ClusterSize, t.PartitionsCount, t.ReplicationFactor
	switch {
	case n < 1 || parts < 1 || rf < 1:
		add("topology reports clusterSize %d, partitionsCount %d, replicationFactor %d", n, parts, rf)
	case rf > n:
		add("replication factor %d exceeds cluster size %d", rf, n)
	default:
		problems = append(brokerProblems(t, wantVersion), partitionProblems(t)...)
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New("cluster not fully up: " + strings.Join(problems, "; "))
}

// brokerProblems checks the set of brokers and their versions.
func brokerProblems(t Topology, wantVersion string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	seen := make(map[int]bool, len(t.Brokers))
	for _, b := range t.Brokers {
		switch {
		case b.NodeID < 0 || b.NodeID >= t.ClusterSize:
			add("unexpected broker %d (cluster size %d)", b.NodeID, t.ClusterSize)
		case seen[b.NodeID]:
			add("broker %d is listed more than once", b.NodeID)
		}
		seen[b.NodeID] = true
	}
	for id := range t.ClusterSize {
		if !seen[id] {
			add("broker %d is absent", id)
		}
	}
	if wantVersion != "" {
		for _, b := range sortedBrokers(t.Brokers) {
			if b.Version != wantVersion {
				add("broker %d has version %q, want %q", b.NodeID, b.Version, wantVersion)
			}
		}
	}
	return problems
}

// partitionProblems checks roles and health of every partition.
func partitionProblems(t Topology) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	leaders := make([][]int, t.PartitionsCount+1)
	followers := make([]int, t.PartitionsCount+1)
	counted := map[int]bool{}
	for _, b := range sortedBrokers(t.Brokers) {
		if counted[b.NodeID] {
			continue // a repeated broker is reported by brokerProblems and counted once
		}
		counted[b.NodeID] = true
		listed := map[int]bool{}
		for _, p := range b.Partitions {
			id := p.PartitionID
			if id < 1 || id > t.PartitionsCount {
				add("broker %d reports unknown partition %d", b.NodeID, id)
				continue
			}
			if listed[id] {
				add("broker %d lists partition %d more than once", b.NodeID, id)
				continue
			}
			listed[id] = true
			switch p.Role {
			case RoleLeader:
				leaders[id] = append(leaders[id], b.NodeID)
			case RoleFollower:
				followers[id]++
			default:
				add("partition %d on broker %d is %s", id, b.NodeID, p.Role)
			}
			if p.Health != HealthHealthy {
				add("partition %d on broker %d is %s", id, b.NodeID, p.Health)
			}
		}
	}
	want := t.ReplicationFactor - 1
	for id := 1; id <= t.PartitionsCount; id++ {
		switch l := leaders[id]; len(l) {
		case 0:
			add("partition %d has no leader", id)
		case 1:
		default:
			add("partition %d has %d leaders (brokers %v)", id, len(l), l)
		}
		switch f := followers[id]; {
		case f < want:
			add("partition %d has only %d of %d followers", id, f, want)
		case f > want:
			add("partition %d has %d followers, want %d", id, f, want)
		}
	}
	return problems
}

// sortedBrokers returns a copy of bs sorted by node id, so that messages are deterministic.
func sortedBrokers(bs []TopologyBroker) []TopologyBroker {
	out := append([]TopologyBroker(nil), bs...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].NodeID < out[b].NodeID })
	return out
}
