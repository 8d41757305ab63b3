package check

import (
	"fmt"
	"maps"
	"slices"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Cluster checks across the brokers of one backup (verifier fact 9): every partition has a
// quorum floor(RF/2)+1 of its replicas present, the replicas coming from the newest
// .topology.meta among the reports or else from the round-robin distribution (numeric order);
// and Raft's log matching between every two replicas of a partition (logMatching). Zero fields
// of the shape are unknown.
func Cluster(reports []*Report, shape zeebe.Shape) []Finding {
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
	replicas, source := expectedReplicas(byNode, shape)
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
func expectedReplicas(byNode map[int]*Report, shape zeebe.Shape) (map[int][]int, string) {
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
	if !shape.Known() {
		return nil, ""
	}
	for p, rs := range zeebe.Distribute(shape, true) {
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

// knownCommitted is the highest index a replica's own files show committed: its .meta commit
// index (8.7+), or its newest snapshot's index (a snapshot holds only committed, processed
// state, §3.1); 0 when neither says anything.
func knownCommitted(pr *PartitionReport) uint64 {
	var k uint64
	if pr.CommitIndex != zeebe.NullIndex {
		k = pr.CommitIndex
	}
	if s := pr.Snapshot; s != nil {
		k = max(k, s.Index)
	}
	return k
}

// logMatching applies Raft's Log Matching property to two replicas of a partition (verifier
// fact 9), over the indexes both hold:
//
//   - the same index and term must mean the same entry (checksum), at any index, committed or
//     not: otherwise an error;
//   - where the terms differ, the logs diverge from there on: one replica holds a tail a
//     deposed leader wrote and never committed (Raft's Figure 7), which the leader truncates
//     when the replica follows it. That is an error only when both replicas know the index
//     committed (knownCommitted), as then each has committed another entry there; otherwise it
//     is reported as info. Flushed does not mean committed, so the flushed index plays no part;
//   - after a divergence, an index where the terms agree again breaks the property too (equal
//     terms at an index imply equal logs up to it): an error.
//
// It reports at most one finding per pair.
func logMatching(fs *findings, p, na, nb int, a, b *PartitionReport) {
	ka, kb := knownCommitted(a), knownCommitted(b)
	var div, divA, divB uint64 // the first index where the terms differ, and those terms
	ea, eb := a.Entries, b.Entries
	for i, j := 0, 0; i < len(ea) && j < len(eb); {
		x, y := ea[i], eb[j]
		if x.Index != y.Index {
			if x.Index < y.Index {
				i++
			} else {
				j++
			}
			continue
		}
		i++
		j++
		switch {
		case x.Term == 0 || y.Term == 0:
			continue // a payload our parser could not read: the term is unknown
		case x.Term == y.Term && x.Checksum != y.Checksum:
			fs.add(Error, "replicas.log-matching", p, "",
				"at index %d, brokers %d and %d both hold an entry of term %d, with different content (checksums %08x and %08x): entries with the same index and term must be identical (Raft log matching, verifier fact 9); one replica's log is damaged or comes from elsewhere",
				x.Index, na, nb, x.Term, x.Checksum, y.Checksum)
		case x.Term == y.Term && div != 0:
			fs.add(Error, "replicas.log-matching", p, "",
				"brokers %d and %d hold entries of different terms at index %d (%d and %d) but of the same term %d at index %d: equal terms at an index mean equal logs up to it (Raft log matching, verifier fact 9); one replica's log is damaged or comes from elsewhere",
				na, nb, div, divA, divB, x.Term, x.Index)
		case x.Term == y.Term || div != 0:
			continue
		case x.Index <= min(ka, kb):
			fs.add(Error, "replicas.log-matching", p, "",
				"at index %d, broker %d has an entry of term %d and broker %d one of term %d, and both know it committed (broker %d up to index %d, broker %d up to %d, from .meta's commit index or the snapshot): two different entries were committed at one index, the replicas' states disagree (Raft, verifier fact 9)",
				x.Index, na, x.Term, nb, y.Term, na, ka, nb, kb)
		default:
			div, divA, divB = x.Index, x.Term, y.Term
			continue
		}
		fs.list[len(fs.list)-1].Broker = nb
		return
	}
	if div == 0 {
		return
	}
	stale := nb
	who := fmt.Sprintf("neither knows index %d committed (broker %d up to %d, broker %d up to %d), so one of them holds", div, na, ka, nb, kb)
	switch {
	case div <= ka:
		who = fmt.Sprintf("broker %d knows index %d committed (up to %d), so broker %d (committed up to %d) holds", na, div, ka, nb, kb)
	case div <= kb:
		stale = na
		who = fmt.Sprintf("broker %d knows index %d committed (up to %d), so broker %d (committed up to %d) holds", nb, div, kb, na, ka)
	}
	fs.add(Info, "replicas.log-matching", p, "",
		"the logs of brokers %d and %d diverge from index %d (terms %d and %d): %s an uncommitted tail written by a deposed leader; Zeebe truncates it when that replica follows the leader, and nothing committed is lost (Raft log matching, verifier fact 9)",
		na, nb, div, divA, divB, who)
	fs.list[len(fs.list)-1].Broker = stale
}
