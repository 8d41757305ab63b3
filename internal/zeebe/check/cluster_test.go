package check_test

import (
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// threeBrokers inspects a clean three-broker simulator cluster (3 partitions, RF 3). The
// simulator's replicas write their workload independently, so their logs differ; as replication
// would, every replica is given broker 0's entries and indexes.
func threeBrokers(t *testing.T) []*check.Report {
	t.Helper()
	dirs := simData(t, simSpec{Version: "8.8.2", Brokers: 3, Partitions: 3})
	var reps []*check.Report
	for n, dir := range dirs {
		rep := inspect(t, dir, check.Options{NodeID: n, ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3})
		if fs := serious(rep); len(fs) > 0 {
			t.Fatalf("broker %d:%s", n, describe(fs))
		}
		reps = append(reps, rep)
	}
	for _, rep := range reps[1:] {
		for i := range rep.Partitions {
			p, leader := &rep.Partitions[i], reps[0].Partitions[i]
			p.Entries = slices.Clone(leader.Entries)
			p.FirstIndex, p.LastIndex, p.FlushedIndex, p.CommitIndex = leader.FirstIndex, leader.LastIndex, leader.FlushedIndex, leader.CommitIndex
		}
	}
	return reps
}

func TestClusterClean(t *testing.T) {
	reps := threeBrokers(t)
	if fs := check.Cluster(reps, 3, 3, 3); len(fs) > 0 {
		t.Fatalf("findings:%s", describe(fs))
	}
	// Without .topology.meta the static distribution gives the same replica sets.
	for _, r := range reps {
		r.Topology = nil
	}
	if fs := check.Cluster(reps, 3, 3, 3); len(fs) > 0 {
		t.Fatalf("findings without topology:%s", describe(fs))
	}
}

func TestClusterQuorum(t *testing.T) {
	reps := threeBrokers(t)
	for _, r := range reps[1:] {
		r.Partitions = slices.DeleteFunc(r.Partitions, func(p check.PartitionReport) bool { return p.ID == 2 })
	}
	fs := check.Cluster(reps, 3, 3, 3)
	if len(fs) != 1 || fs[0].Severity != check.Error || fs[0].Check != "replicas.quorum" || fs[0].Partition != 2 {
		t.Fatalf("want one replicas.quorum error for partition 2, got%s", describe(fs))
	}
	// Two of three is a quorum: an info finding only.
	reps = threeBrokers(t)
	reps[2].Partitions = slices.DeleteFunc(reps[2].Partitions, func(p check.PartitionReport) bool { return p.ID == 2 })
	fs = check.Cluster(reps, 3, 3, 3)
	if len(fs) != 1 || fs[0].Severity != check.Info || fs[0].Partition != 2 {
		t.Fatalf("want one info finding for partition 2, got%s", describe(fs))
	}
}

func TestClusterLogMatching(t *testing.T) {
	reps := threeBrokers(t)
	p := &reps[1].Partitions[0]
	// An entry above both brokers' flushed and commit index may differ: a tail.
	p.FlushedIndex = p.LastIndex - 5
	p.CommitIndex = p.LastIndex - 5
	p.Entries[len(p.Entries)-1].Checksum ^= 1
	if fs := check.Cluster(reps, 3, 3, 3); len(fs) > 0 {
		t.Fatalf("a differing tail: findings:%s", describe(fs))
	}
	// One below it may not.
	bad := p.Entries[len(p.Entries)/2]
	p.Entries[len(p.Entries)/2].Term++
	fs := check.Cluster(reps, 3, 3, 3)
	if len(fs) != 2 {
		t.Fatalf("want a log matching error against brokers 0 and 2, got%s", describe(fs))
	}
	for _, f := range fs {
		if f.Severity != check.Error || f.Check != "replicas.log-matching" || f.Partition != p.ID || f.Broker == 0 {
			t.Errorf("unexpected finding %+v (entry %d)", f, bad.Index)
		}
	}
	// A replica whose .meta says nothing was flushed is not compared.
	p.FlushedIndex = zeebe.NullIndex
	if fs := check.Cluster(reps, 3, 3, 3); len(fs) > 0 {
		t.Fatalf("nothing flushed: findings:%s", describe(fs))
	}
}
