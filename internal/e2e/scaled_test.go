package e2e_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// A cluster scaled from 3 to 6 brokers at runtime (8.4+): every configuration still says
// clusterSize 3, brokers 3, 4 and 5 are beyond it, and .topology.meta places the partitions.
// The backup records the real shape (6 members with their partitions, beside the configured
// clusterSize 3), and the restore brings every broker back with its data and a fully up
// cluster of 6.
func TestScaledClusterBackupAndRestore(t *testing.T) {
	e := newEnv(t, simtest.Options{Brokers: 6, ClusterSize: 3, Partitions: 6, Replication: 3, RecordsPerSecond: 200, SnapshotPeriod: "500ms"})
	e.startCluster()
	time.Sleep(time.Second)

	// The configured clusterSize no longer says how many brokers there are: the persisted
	// topology does, and a cluster file that leaves brokers out is refused before any stop.
	partial := filepath.Join(t.TempDir(), "partial.yaml")
	three := *e
	three.c = &simtest.Cluster{Root: e.c.Root, Opts: e.c.Opts, Brokers: e.c.Brokers[:3]}
	three.writeClusterFile(partial, nil)
	cmd := exec.Command(tool(t), "backup", "--cluster", partial)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != cli.ExitRefused || !strings.Contains(string(out), "has members [0 1 2 3 4 5]; the cluster file lists brokers [0 1 2]") {
		t.Fatalf("backup of 3 of the 6 brokers: exit %d, want %d\n%s", cmd.ProcessState.ExitCode(), cli.ExitRefused, out)
	}

	pause, resume := pauseAt(t, "starting")
	p := e.startTool(pause, "backup", "--id", "scaled")
	p.waitPaused("starting")
	atBackup := map[int]testtree.Snapshot{}
	positions := map[int]sim.Report{}
	for _, b := range e.c.Brokers {
		atBackup[b.NodeID] = snapshotTree(t, b.DataDir)
		positions[b.NodeID] = stoppedPositions(t, b)
	}
	resume()
	if code, _, stderr := p.wait(); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}

	want := zeebe.Distribute(zeebe.Shape{ClusterSize: 6, PartitionsCount: 6, ReplicationFactor: 3}, true)
	ms := e.manifests()
	if len(ms) != 1 || len(ms[0].Brokers) != 6 {
		t.Fatalf("list: %+v", ms)
	}
	c := ms[0].Cluster
	if c.ClusterSize != 3 || c.PartitionsCount != 6 || c.ReplicationFactor != 3 || c.MembersFrom != repo.MembersFromTopology || len(c.Members) != 6 {
		t.Fatalf("manifest shape %+v: want configured clusterSize 3 and 6 members from %s", c, zeebe.TopologyMetaFile)
	}
	for i, m := range c.Members {
		if m.NodeID != i || !slices.Equal(m.Partitions, zeebe.PartitionsOf(want, i)) {
			t.Errorf("manifest member %+v: want node %d with partitions %v", m, i, zeebe.PartitionsOf(want, i))
		}
	}
	for _, b := range ms[0].Brokers {
		if !slices.Equal(b.Partitions, zeebe.PartitionsOf(want, b.NodeID)) {
			t.Errorf("broker %d: archived partitions %v, want %v", b.NodeID, b.Partitions, zeebe.PartitionsOf(want, b.NodeID))
		}
	}
	for _, f := range ms[0].Findings {
		if f.Check == "topology.members" || f.Check == "layout.partitions" || f.Check == "replicas.quorum" && f.Severity != string(check.Info) {
			t.Errorf("finding on a healthy scaled cluster: %+v", f)
		}
	}
	if code, out, stderr := e.run("show", "scaled"); code != 0 || !strings.Contains(out, "6 brokers") || !strings.Contains(out, "configured clusterSize 3") {
		t.Errorf("show: exit %d\n%s%s", code, out, stderr)
	}

	time.Sleep(time.Second) // the data moves on from the backup

	pause, resume = pauseAt(t, "starting")
	p = e.startTool(pause, "restore", "scaled")
	p.waitPaused("starting")
	for _, b := range e.c.Brokers {
		if d := testtree.Diff(atBackup[b.NodeID], snapshotTree(t, b.DataDir), true); len(d) > 0 {
			t.Fatalf("broker %d: restored data differs from the backup:\n%s", b.NodeID, testtree.DiffString(d))
		}
		checkPositions(t, b, positions[b.NodeID])
	}
	resume()
	if code, stdout, stderr := p.wait(); code != 0 {
		t.Fatalf("restore: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the restore:\n%s", b.NodeID, b.Log())
		}
		now := b.Positions(t)
		got := make([]int, 0, len(now.Partitions))
		for part := range now.Partitions {
			got = append(got, part)
		}
		slices.Sort(got)
		if !slices.Equal(got, zeebe.PartitionsOf(want, b.NodeID)) {
			t.Errorf("broker %d runs partitions %v after the restore, want %v", b.NodeID, got, zeebe.PartitionsOf(want, b.NodeID))
		}
		for part, w := range positions[b.NodeID].Partitions {
			if g := now.Partitions[part]; g.ProcessedPosition < w.ProcessedPosition {
				t.Errorf("broker %d partition %d after the restore: %+v; at the backup: %+v", b.NodeID, part, g, w)
			}
		}
	}
}
