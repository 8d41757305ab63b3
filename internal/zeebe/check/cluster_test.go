package check_test

import (
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// threeBrokers inspects a clean three-broker simulator cluster (3 partitions, RF 3). Followers
// may have flushed less than the leader when it stopped; so that every replica holds the same
// entries, each is given broker 0's entries and indexes.
func threeBrokers(t *testing.T) []*check.Report {
	t.Helper()
	dirs := simData(t, simSpec{Version: "8.8.2", Brokers: 3, Partitions: 3})
	var reps []*check.Report
	for n, dir := range dirs {
		rep := inspect(t, dir, check.Options{NodeID: n, Shape: zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}})
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
	if fs := check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}); len(fs) > 0 {
		t.Fatalf("findings:%s", describe(fs))
	}
	// Without .topology.meta the static distribution gives the same replica sets.
	for _, r := range reps {
		r.Topology = nil
	}
	if fs := check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3}); len(fs) > 0 {
		t.Fatalf("findings without topology:%s", describe(fs))
	}
}

func TestClusterQuorum(t *testing.T) {
	reps := threeBrokers(t)
	for _, r := range reps[1:] {
		r.Partitions = slices.DeleteFunc(r.Partitions, func(p check.PartitionReport) bool { return p.ID == 2 })
	}
	fs := check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3})
	if len(fs) != 1 || fs[0].Severity != check.Error || fs[0].Check != "replicas.quorum" || fs[0].Partition != 2 {
		t.Fatalf("want one replicas.quorum error for partition 2, got%s", describe(fs))
	}
	// Two of three is a quorum: an info finding only.
	reps = threeBrokers(t)
	reps[2].Partitions = slices.DeleteFunc(reps[2].Partitions, func(p check.PartitionReport) bool { return p.ID == 2 })
	fs = check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3})
	if len(fs) != 1 || fs[0].Severity != check.Info || fs[0].Partition != 2 {
		t.Fatalf("want one info finding for partition 2, got%s", describe(fs))
	}
}

// Log matching on reports: the same index and term with other content is an error at any index,
// committed or not; a divergence of terms is an error only where both replicas know the index
// committed, by .meta's commit index or by their snapshot; the flushed index plays no part.
func TestClusterLogMatching(t *testing.T) {
	reps := threeBrokers(t)
	p := &reps[1].Partitions[0]
	n := len(p.Entries)
	last := p.Entries[n-1].Index
	if n < 20 {
		t.Fatalf("partition %d has %d entries only", p.ID, n)
	}
	// What each replica knows committed is given here: no commit index (as before 8.7), and a
	// snapshot at the same index, ten entries before the end.
	snap := p.Entries[n-10].Index
	for _, r := range reps {
		for i := range r.Partitions {
			r.Partitions[i].CommitIndex = zeebe.NullIndex
			r.Partitions[i].Snapshot = &check.SnapshotReport{ID: "snapshot", Index: snap}
		}
	}
	expect := func(name string, sev check.Severity, broker int) {
		t.Helper()
		fs := check.Cluster(reps, zeebe.Shape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 3})
		if sev == "" {
			if len(fs) > 0 {
				t.Fatalf("%s: findings:%s", name, describe(fs))
			}
			return
		}
		// broker 1 against brokers 0 and 2: one finding per pair
		if len(fs) != 2 {
			t.Fatalf("%s: want a finding against brokers 0 and 2, got%s", name, describe(fs))
		}
		for _, f := range fs {
			if f.Severity != sev || f.Check != "replicas.log-matching" || f.Partition != p.ID || f.Broker != broker && broker >= 0 {
				t.Errorf("%s: want %s replicas.log-matching for broker %d, got%s", name, sev, broker, describe([]check.Finding{f}))
			}
		}
	}
	expect("clean", "", 0)

	// The same index and term with another checksum, in the last entry: above every commit
	// index, every snapshot, and beyond the flushed index.
	p.FlushedIndex = last - 5
	p.Entries[n-1].Checksum ^= 1
	expect("same term, other content, uncommitted", check.Error, -1)
	p.Entries[n-1].Checksum ^= 1

	// A tail of another term above both snapshots (a deposed leader's, flushed): info, naming
	// the replica that holds it when one of them knows the index committed.
	p.FlushedIndex = last
	for i := n - 3; i < n; i++ {
		p.Entries[i].Term += 10
	}
	expect("divergent tail above the snapshots", check.Info, -1)
	reps[0].Partitions[0].CommitIndex = last // broker 0 knows the tail's indexes committed: broker 1's tail is stale
	reps[2].Partitions[0].CommitIndex = last
	expect("stale tail below the others' commit index", check.Info, 1)

	// Broker 1 knows them committed too: two different committed entries at one index.
	p.CommitIndex = last
	expect("divergence below both commit indexes", check.Error, -1)
	p.CommitIndex = zeebe.NullIndex
	reps[0].Partitions[0].CommitIndex, reps[2].Partitions[0].CommitIndex = zeebe.NullIndex, zeebe.NullIndex

	// The terms agree again after the divergence: log matching is broken whatever was committed.
	p.Entries[n-1].Term -= 10
	expect("equal terms after a divergence", check.Error, -1)
	for i := n - 3; i < n-1; i++ {
		p.Entries[i].Term -= 10
	}

	// A divergence below the snapshot of both replicas.
	for i := n - 11; i < n; i++ {
		p.Entries[i].Term++
	}
	expect("divergence below the snapshots", check.Error, -1)
}
