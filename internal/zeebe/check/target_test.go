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
	rep := inspect(t, simData(t, simSpec{Version: "8.7.0"})[0], oneBroker)
	if fs := check.ForTarget([]*check.Report{rep}, zeebe.MustVersion("8.7.3")); len(fs) > 0 {
		t.Fatalf("8.7 target:%s", describe(fs))
	}
	p := &rep.Partitions[0]
	if p.FirstIndex <= 1 {
		t.Fatalf("partition %d's log was not compacted (first index %d)", p.ID, p.FirstIndex)
	}
	rep.Partitions[1].FirstIndex = 1
	fs := check.ForTarget([]*check.Report{rep}, zeebe.MustVersion("8.8.0"))
	if len(fs) != 2 || fs[0].Severity != check.Error || fs[0].Partition != p.ID || fs[1].Severity != check.Warning ||
		fs[0].Check != "snapshot.id-target" || fs[1].Check != "snapshot.id-target" || fs[0].Broker != 0 {
		t.Fatalf("want an error for partition 1 and a warning for partition 2, got%s", describe(fs))
	}
	rep = inspect(t, simData(t, simSpec{Version: "8.8.2"})[0], oneBroker)
	if fs := check.ForTarget([]*check.Report{rep}, zeebe.MustVersion("8.9.0")); len(fs) > 0 {
		t.Fatalf("8.8 data onto 8.9:%s", describe(fs))
	}
}
