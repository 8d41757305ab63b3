package check

import (
	"maps"
	"slices"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// topologyFile reads <data>/.topology.meta (§4.3, verifier fact 8).
func (a *analysis) topologyFile() {
	r := a.c.files[zeebe.TopologyMetaFile]
	if r == nil {
		return
	}
	if r.tooLarge {
		a.fs.add(Error, "topology.parse", 0, r.path, "%s is larger than %d bytes", zeebe.TopologyMetaFile, maxSmallFile)
		return
	}
	b := r.content
	t, err := zeebe.ParseTopologyMeta(b)
	switch {
	case err == nil:
		a.rep.Topology = &t
	case len(b) >= 9 && (b[0] == 1 || b[0] == 2) && le.Uint64(b[1:]) != uint64(zeebe.CRC32C(b[9:])):
		a.fs.add(Error, "topology.checksum", 0, r.path,
			"%v: the persisted topology is damaged; Zeebe refuses it, and only a broker other than the coordinator can recover it from its peers (§4.3)", err)
	case len(b) >= 1 && b[0] == 2:
		a.fs.add(Warning, "topology.parse", 0, r.path,
			"%v: version 2 is the 8.10-era multi-group format behind a feature flag (§4.3); its members were not checked", err)
	default:
		a.fs.add(Error, "topology.parse", 0, r.path, "unreadable persisted topology: %v (§4.3)", err)
	}
}

// topologyChecks compare the persisted topology with the partition folders present and the
// cluster's shape, and flag a change in progress. Without one, the partition folders are
// compared with the static distribution. Run after nodeID and members.
func (a *analysis) topologyChecks() {
	t, node, o := a.rep.Topology, a.rep.NodeID, a.c.opts
	present := make([]int, 0, len(a.parts))
	for _, p := range a.parts {
		present = append(present, p.id)
	}
	if t == nil {
		if a.dist != nil && node >= 0 {
			a.comparePartitions("layout.partitions", present, zeebe.PartitionsOf(a.dist, node), "the round-robin distribution (§5)", Warning)
		}
		return
	}
	file := zeebe.TopologyMetaFile
	if t.ChangeInProgress {
		a.fs.add(Warning, "topology.change", 0, file,
			"a cluster change (scaling or reassignment) was in progress when the data was copied (currentChange is set); a restore continues it, which is risky (§4.3)")
	}
	for _, id := range slices.Sorted(maps.Keys(t.Members)) {
		switch m := t.Members[id]; m.State {
		case zeebe.StateJoining, zeebe.StateLeaving:
			a.fs.add(Warning, "topology.change", 0, file, "member %d is %s: a cluster change was in progress (§4.3)", id, stateName(m.State))
		}
	}
	if o.ClusterSize > 0 && len(t.Members) != o.ClusterSize {
		a.fs.add(Warning, "topology.members", 0, file,
			"the persisted topology has %d members, the cluster is configured with %d brokers; the topology is authoritative (§4.3)", len(t.Members), o.ClusterSize)
	}
	parts := map[int]int{}
	for _, m := range t.Members {
		for p := range m.Partitions {
			parts[p]++
		}
	}
	if o.PartitionsCount > 0 && len(parts) != o.PartitionsCount {
		a.fs.add(Warning, "topology.members", 0, file,
			"the persisted topology has %d partitions, the cluster is configured with %d (§4.3)", len(parts), o.PartitionsCount)
	}
	if o.ReplicationFactor > 0 {
		want := o.ReplicationFactor
		if o.ClusterSize > 0 {
			want = min(want, o.ClusterSize)
		}
		for _, p := range slices.Sorted(maps.Keys(parts)) {
			if parts[p] != want {
				a.fs.add(Warning, "topology.members", p, file,
					"partition %d has %d replicas in the persisted topology, the replication factor is %d (§4.3)", p, parts[p], want)
			}
		}
	}
	if node < 0 {
		return
	}
	m, ok := t.Members[node]
	if !ok {
		a.fs.add(Error, "topology.members", 0, file,
			"this broker (node %d) is not a member of the persisted topology: the folder belongs to another cluster or node (§4.3)", node)
		return
	}
	a.comparePartitions("topology.members", present, slices.Sorted(maps.Keys(m.Partitions)), zeebe.TopologyMetaFile+" (§4.3)", Warning)
}

// comparePartitions reports partitions the node should hold without a folder, and folders of
// partitions it does not hold.
func (a *analysis) comparePartitions(id string, present, want []int, source string, sev Severity) {
	for _, p := range want {
		if !slices.Contains(present, p) {
			a.fs.add(sev, id, p, "",
				"this broker should hold partition %d according to %s, but has no folder for it: it would start that replica empty", p, source)
		}
	}
	for _, p := range present {
		if !slices.Contains(want, p) {
			a.fs.add(sev, id, p, a.partByID(p).dir,
				"this broker holds a folder for partition %d, which it does not replicate according to %s; Zeebe ignores it", p, source)
		}
	}
}

func stateName(s zeebe.MemberStateValue) string {
	if s == zeebe.StateJoining {
		return "joining"
	}
	return "leaving"
}
