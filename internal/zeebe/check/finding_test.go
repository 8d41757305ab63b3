package check_test

import (
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

func TestFindingWhereAndString(t *testing.T) {
	off := int64(12)
	for _, tc := range []struct {
		f            check.Finding
		where, title string
	}{
		{check.Finding{Broker: 2, Partition: 1, File: "raft-partition/partitions/1/1.log", Offset: &off, Message: "torn", Check: "journal.torn"},
			"broker 2 partition 1 raft-partition/partitions/1/1.log at offset 12", "broker 2 partition 1 raft-partition/partitions/1/1.log at offset 12: torn [journal.torn]"},
		{check.Finding{Broker: -1, Partition: 3, Message: "no quorum", Check: "replicas.quorum"},
			"partition 3", "the cluster partition 3: no quorum [replicas.quorum]"},
		{check.Finding{Broker: -1, Message: "shape unknown", Check: "replicas.quorum"},
			"", "the cluster: shape unknown [replicas.quorum]"},
		{check.Finding{Broker: 0, Message: "no partition folder", Check: "layout.partitions"},
			"broker 0", "broker 0: no partition folder [layout.partitions]"},
	} {
		if got := tc.f.Where(); got != tc.where {
			t.Errorf("Where() = %q, want %q", got, tc.where)
		}
		if got := tc.f.String(); got != tc.title {
			t.Errorf("String() = %q, want %q", got, tc.title)
		}
	}
}

func TestErrorsAndSortAcross(t *testing.T) {
	fs := []check.Finding{
		{Severity: check.Info, Broker: 0, Check: "a"},
		{Severity: check.Error, Broker: 2, Check: "b"},
		{Severity: check.Warning, Broker: 1, Check: "c"},
		{Severity: check.Error, Broker: 1, Check: "d"},
		{Severity: check.Error, Broker: 2, Check: "e"},
	}
	if got := check.Errors(fs); len(got) != 3 || got[0].Check != "b" || got[1].Check != "d" || got[2].Check != "e" {
		t.Errorf("Errors = %+v", got)
	}
	check.SortAcross(fs)
	var order []string
	for _, f := range fs {
		order = append(order, f.Check)
	}
	if want := []string{"d", "b", "e", "c", "a"}; !slices.Equal(order, want) {
		t.Errorf("SortAcross order %v, want %v (severity, then broker, each broker's order kept)", order, want)
	}
}
