package check_test

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// 8.7 data has 4-part snapshot ids, which 8.8 and later ignore (§3.1): an error where the log
// was compacted after the snapshot, a warning where it starts at index 1 (a replay); nothing for
// an 8.7 target, or for 8.8 data.
func TestForTarget(t *testing.T) {
	rep := inspect(t, snapshotted(t, "8.7.0", 1)[0], check.Options{NodeID: 0, Shape: zeebe.Shape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1}})
	p := &rep.Partitions[0]
	if p.Snapshot == nil {
		t.Fatalf("no snapshot")
	}
	if fs := check.ForTarget([]*check.Report{rep}, zeebe.MustVersion("8.7.3")); len(fs) > 0 {
		t.Fatalf("8.7 target:%s", describe(fs))
	}
	for first, sev := range map[uint64]check.Severity{1: check.Warning, p.Snapshot.Index: check.Error} {
		p.FirstIndex = first
		fs := check.ForTarget([]*check.Report{rep}, zeebe.MustVersion("8.8.0"))
		if len(fs) != 1 || fs[0].Severity != sev || fs[0].Check != "snapshot.id-target" || fs[0].Partition != 1 || fs[0].Broker != 0 {
			t.Errorf("log from index %d: want one %s snapshot.id-target, got%s", first, sev, describe(fs))
		}
	}
	rep = inspect(t, snapshotted(t, "8.8.2", 1)[0], check.Options{NodeID: 0, Shape: zeebe.Shape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1}})
	if fs := check.ForTarget([]*check.Report{rep}, zeebe.MustVersion("8.9.0")); len(fs) > 0 || rep.Partitions[0].Snapshot == nil {
		t.Fatalf("8.8 data onto 8.9 (snapshot %+v):%s", rep.Partitions[0].Snapshot, describe(fs))
	}
}
