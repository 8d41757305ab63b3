package check

import (
	"maps"
	"slices"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Cluster checks across the brokers of one backup (verifier fact 9): every partition has a
// quorum floor(RF/2)+1 of its replicas present, the replicas coming from the newest
// .topology.meta among the reports or else from the round-robin distribution (numeric order);
// and Raft's log matching: for a partition on two brokers, entries with the same index up to the
// lower of both brokers' commit (when known) and flushed indexes have the same term and
// checksum. Shape arguments of zero mean unknown.
func Cluster(reports []*Report, clusterSize, partitionsCount, replicationFactor int) []Finding {
	var fs findings
	byNode := map[int]*Report{}
	for _, r := range reports {
		if r == nil {
			continue
		}
		if r.NodeID < 0 {
			fs.add(Warning, "replicas.node", 0, "", "a broker's report has no node id; it is left out of the cross-broker checks")
			continue
		}
		byNode[r.NodeID] = r
	}
	replicas, source := expectedReplicas(byNode, clusterSize, partitionsCount, replicationFactor)
	if replicas == nil {
		fs.add(Warning, "replicas.quorum", 0, "",
			"the cluster's shape is unknown and no broker has a readable .topology.meta: replica quorums were not checked")
	}
	for _, p := range slices.Sorted(maps.Keys(replicas)) {
		want := replicas[p]
		var present []int
		for _, n := range want {
			if r := byNode[n]; r != nil && holds(r, p) {
				present = append(present, n)
			}
		}
		quorum := len(want)/2 + 1
		switch {
		case len(present) < quorum:
			fs.add(Error, "replicas.quorum", p, "",
				"partition %d has data on brokers %v only, of its replicas %v (from %s): a quorum of %d is needed to elect a leader without losing committed entries (§5, verifier fact 9)",
				p, present, want, source, quorum)
		case len(present) < len(want):
			fs.add(Info, "replicas.quorum", p, "",
				"partition %d has data on brokers %v of its replicas %v (from %s): a quorum; the others catch up from the leader", p, present, want, source)
		}
	}
	nodes := slices.Sorted(maps.Keys(byNode))
	for _, p := range allPartitions(byNode) {
		for i, a := range nodes {
			for _, b := range nodes[i+1:] {
				pa, pb := partitionOf(byNode[a], p), partitionOf(byNode[b], p)
				if pa == nil || pb == nil {
					continue
				}
				logMatching(&fs, p, a, b, pa, pb)
			}
		}
	}
	sortFindings(fs.list)
	return fs.list
}

// expectedReplicas are the node ids replicating each partition.
func expectedReplicas(byNode map[int]*Report, clusterSize, partitionsCount, rf int) (map[int][]int, string) {
	var topo *zeebe.PersistedTopology
	for _, n := range slices.Sorted(maps.Keys(byNode)) {
		if t := byNode[n].Topology; t != nil && (topo == nil || t.Version > topo.Version) {
			topo = t
		}
	}
	out := map[int][]int{}
	if topo != nil {
		for id, m := range topo.Members {
			for p := range m.Partitions {
				out[p] = append(out[p], id)
			}
		}
		for p := range out {
			slices.Sort(out[p])
		}
		return out, zeebe.TopologyMetaFile
	}
	if clusterSize <= 0 || partitionsCount <= 0 || rf <= 0 {
		return nil, ""
	}
	for p, rs := range zeebe.Distribute(clusterSize, partitionsCount, rf, true) {
		for _, r := range rs {
			out[p] = append(out[p], r.NodeID)
		}
		slices.Sort(out[p])
	}
	return out, "the round-robin distribution"
}

// holds tells whether a broker's data has a replica of the partition: segments or a snapshot.
func holds(r *Report, p int) bool {
	pr := partitionOf(r, p)
	return pr != nil && (len(pr.Segments) > 0 || pr.Snapshot != nil)
}

func partitionOf(r *Report, p int) *PartitionReport {
	for i := range r.Partitions {
		if r.Partitions[i].ID == p {
			return &r.Partitions[i]
		}
	}
	return nil
}

func allPartitions(byNode map[int]*Report) []int {
	set := map[int]bool{}
	for _, r := range byNode {
		for _, p := range r.Partitions {
			set[p.ID] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// agreedBound is the index up to which a replica's log must match the others': the lower of
// its flushed and (when known) commit indexes; 0 when nothing was flushed.
func agreedBound(pr *PartitionReport) uint64 {
	b := pr.FlushedIndex
	if b == zeebe.NullIndex {
		return 0
	}
	if pr.CommitIndex != zeebe.NullIndex && pr.CommitIndex < b {
		b = pr.CommitIndex
	}
	return b
}

// logMatching compares two replicas' entries up to both bounds and reports the first mismatch.
func logMatching(fs *findings, p, na, nb int, a, b *PartitionReport) {
	limit := min(agreedBound(a), agreedBound(b))
	ea, eb := a.Entries, b.Entries
	for i, j := 0, 0; i < len(ea) && j < len(eb); {
		x, y := ea[i], eb[j]
		switch {
		case x.Index > limit || y.Index > limit:
			return
		case x.Index < y.Index:
			i++
		case x.Index > y.Index:
			j++
		default:
			if x.Term != y.Term || x.Checksum != y.Checksum {
				fs.add(Error, "replicas.log-matching", p, "",
					"at index %d, broker %d has an entry of term %d (checksum %08x) and broker %d one of term %d (checksum %08x), below both brokers' committed and flushed index %d: replicas disagree on committed entries (Raft log matching, verifier fact 9)",
					x.Index, na, x.Term, x.Checksum, nb, y.Term, y.Checksum, limit)
				fs.list[len(fs.list)-1].Broker = nb
				return
			}
			i++
			j++
		}
	}
}
