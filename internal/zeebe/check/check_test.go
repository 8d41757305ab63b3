package check_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// oneBroker is the shape of the single-broker simulator runs.
var oneBroker = check.Options{NodeID: 0, Shape: zeebe.Shape{ClusterSize: 1, PartitionsCount: 2, ReplicationFactor: 1}}

func inspect(t *testing.T, dir string, opts check.Options) *check.Report {
	t.Helper()
	rep, err := check.Inspect(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// serious returns the findings at warning or error level.
func serious(rep *check.Report) []check.Finding {
	var out []check.Finding
	for _, f := range rep.Findings {
		if f.Severity != check.Info {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []check.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		off := ""
		if f.Offset != nil {
			off = "@" + strconv.FormatInt(*f.Offset, 10)
		}
		fmt.Fprintf(&b, "\n  %s %s b%d p%d %s%s: %s", f.Severity, f.Check, f.Broker, f.Partition, f.File, off, f.Message)
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

// Clean simulator data of every supported layout gives no finding above info, and the report
// agrees with zeebe.ReadJournal and what the simulator wrote.
func TestCleanData(t *testing.T) {
	for _, v := range []string{"8.5.3", "8.6.6", "8.7.0", "8.8.2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			dir := simData(t, simSpec{Version: v})[0]
			rep := inspect(t, dir, oneBroker)
			t.Logf("findings:%s", describe(rep.Findings))
			if fs := serious(rep); len(fs) > 0 {
				t.Fatalf("findings:%s", describe(fs))
			}
			want := zeebe.MustVersion(v)
			if !rep.VersionFound || rep.Version != want {
				t.Errorf("version %v (found %v), want %v", rep.Version, rep.VersionFound, want)
			}
			if want.AtLeast(8, 5, 0) && rep.MigratedBy != v {
				t.Errorf("migrated by %q, want %q", rep.MigratedBy, v)
			}
			if rep.NodeID != 0 || rep.Group != "raft-partition" || len(rep.Partitions) != 2 || rep.Topology == nil {
				t.Fatalf("node %d group %q partitions %d topology %v", rep.NodeID, rep.Group, len(rep.Partitions), rep.Topology != nil)
			}
			for _, p := range rep.Partitions {
				pdir := filepath.Join(dir, "raft-partition", "partitions", strconv.Itoa(p.ID))
				j, err := zeebe.ReadJournal(pdir, p.Journal)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(p.Entries, j.Entries) {
					t.Errorf("partition %d: %d entries, zeebe.ReadJournal reads %d", p.ID, len(p.Entries), len(j.Entries))
				}
				if p.FirstIndex != j.FirstIndex() || p.LastIndex != j.LastIndex() || p.LastIndex == 0 {
					t.Errorf("partition %d: indexes %d..%d, zeebe.ReadJournal %d..%d", p.ID, p.FirstIndex, p.LastIndex, j.FirstIndex(), j.LastIndex())
				}
				if p.FlushedIndex != p.LastIndex || p.Lock != "0" || !slices.Equal(p.Members, []string{"0"}) {
					t.Errorf("partition %d: flushed %d last %d lock %q members %v", p.ID, p.FlushedIndex, p.LastIndex, p.Lock, p.Members)
				}
				if p.Snapshot == nil || p.Snapshot.Files == 0 || p.Snapshot.Index < p.FirstIndex {
					t.Errorf("partition %d: snapshot %+v", p.ID, p.Snapshot)
				}
			}
		})
	}
}
