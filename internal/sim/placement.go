package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// placement is where the cluster's partitions are, as this broker knows it: from its
// .topology.meta (8.4+), else from the static round-robin distribution over node ids
// 0..clusterSize-1 (§5).
type placement struct {
	replicas map[int][]zeebe.Replica // by partition id
	// shape is what the gateway reports as the cluster's size, partitions count and
	// replication factor: the configuration's, and from 8.4 the dynamic topology's
	// (topologyShape).
	shape zeebe.Shape
}

// topologyShape is what an 8.4+ gateway reports for a persisted topology: not the
// configuration's shape but the number of members, of partitions, and the lowest replica
// count of any partition.
func topologyShape(t zeebe.PersistedTopology, replicas map[int][]zeebe.Replica) zeebe.Shape {
	rf := 0
	for _, rs := range replicas {
		if rf == 0 || len(rs) < rf {
			rf = len(rs)
		}
	}
	return zeebe.Shape{ClusterSize: len(t.Members), PartitionsCount: len(replicas), ReplicationFactor: rf}
}

// partitionsOfThisNode reads .topology.meta (8.4+), which is authoritative once written, or
// writes it from the static round-robin distribution; before 8.4 the distribution alone decides.
// It returns this node's partitions, the Raft members of each partition, and the replicas of
// each partition with their priorities.
//
// A node id at or above clusterSize is refused before 8.4, as Zeebe's configuration check
// did then. From 8.4 it is the broker of a cluster scaled at runtime: its partitions are those
// .topology.meta gives it. Zeebe gossips the topology to a broker that has none yet; the
// simulator does not, so such a broker needs the file in its data folder before its first
// start (simtest writes it for a scaled cluster).
func (b *Broker) partitionsOfThisNode() ([]int, map[int][]zeebe.Member, *placement, error) {
	node, size := b.cfg.NodeID, b.cfg.ClusterSize
	if !b.layout.TopologyMeta && node >= size {
		return nil, nil, nil, fmt.Errorf("node id %d needs to be below the cluster size %d before Zeebe 8.4 (zeebe.broker.cluster.nodeId, clusterSize)", node, size)
	}
	dist := zeebe.Distribute(b.cfg.Shape, b.version.AtLeast(8, 5, 0))
	if !b.layout.TopologyMeta {
		static := &placement{dist, b.cfg.Shape}
		return zeebe.PartitionsOf(dist, node), membersOf(dist, nil), static, nil
	}
	path := filepath.Join(b.opts.DataDir, zeebe.TopologyMetaFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		t, perr := zeebe.ParseTopologyMeta(raw)
		if perr == nil {
			replicas := replicasOf(t)
			mine := []int{}
			if m, ok := t.Members[node]; ok {
				mine = slices.Sorted(maps.Keys(m.Partitions))
			} else {
				b.logf("This node %d is not a member of the persisted topology %s: it holds no partition", node, path)
			}
			byNode := func(a, c zeebe.Replica) int { return a.NodeID - c.NodeID }
			return mine, membersOf(replicas, byNode), &placement{replicas, topologyShape(t, replicas)}, nil
		}
		b.logf("Persisted topology %s is unreadable (%v); rebuilding it from the static configuration", path, perr)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("read the persisted topology %s: %w", path, err)
	}
	if node >= size {
		return nil, nil, nil, fmt.Errorf("node id %d is not below clusterSize %d and %s has no persisted topology: Zeebe would take it from its peers, the simulator needs %s written before the first start",
			node, size, b.opts.DataDir, zeebe.TopologyMetaFile)
	}
	t := zeebe.PersistedTopology{Version: 1, Members: map[int]zeebe.TopologyMember{}}
	if b.layout.ClusterID {
		t.ClusterID = b.cfg.ClusterID
		if t.ClusterID == "" {
			t.ClusterID = fmt.Sprintf("zeebe-sim-%s", b.cfg.ClusterName)
		}
	}
	for n := range size {
		m := zeebe.TopologyMember{Version: 1, State: zeebe.StateActive, Partitions: map[int]zeebe.PartitionState{}}
		for p, replicas := range dist {
			for _, r := range replicas {
				if r.NodeID == n {
					m.Partitions[p] = zeebe.PartitionState{State: zeebe.StateActive, Priority: r.Priority}
				}
			}
		}
		t.Members[n] = m
	}
	if err := writeSynced(path, EncodeTopologyMeta(t, time.Now().Unix())); err != nil {
		return nil, nil, nil, err
	}
	return zeebe.PartitionsOf(dist, node), membersOf(dist, nil), &placement{dist, topologyShape(t, dist)}, nil
}

// membersOf gives the Raft members of each partition, in the replicas' order or sorted by
// order when it is not nil.
func membersOf(replicas map[int][]zeebe.Replica, order func(a, b zeebe.Replica) int) map[int][]zeebe.Member {
	now := time.Now().UnixMilli()
	out := map[int][]zeebe.Member{}
	for p, rs := range replicas {
		if order != nil {
			rs = slices.SortedFunc(slices.Values(rs), order)
		}
		for _, r := range rs {
			out[p] = append(out[p], zeebe.Member{Type: zeebe.MemberActive, Updated: now, ID: strconv.Itoa(r.NodeID)})
		}
	}
	return out
}

// replicasOf lists the replicas of each partition a persisted topology gives, by node id.
func replicasOf(t zeebe.PersistedTopology) map[int][]zeebe.Replica {
	out := map[int][]zeebe.Replica{}
	for _, n := range slices.Sorted(maps.Keys(t.Members)) {
		for p, s := range t.Members[n].Partitions {
			out[p] = append(out[p], zeebe.Replica{NodeID: n, Priority: s.Priority})
		}
	}
	return out
}
