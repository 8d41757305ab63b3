package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Backup, more workload, restore: every broker comes back with data equal to the backup's
// (trees compared with link counts) and the positions of the backup time.
func TestBackupThenRestoreGivesTheBackedUpData(t *testing.T) {
	e := newEnv(t, simtest.Options{SnapshotPeriod: "500ms"})
	e.startCluster()
	time.Sleep(time.Second)
	e.roundTrip(nil)
}

// roundTrip runs backup, list, verify --deep and restore of backup "first" with the tool's
// environment toolEnv, and checks that the restored data equals the backed-up data, that every
// partition ends at the position it had at the backup, and that the brokers go on from there.
// It returns everything the tool printed.
func (e *env) roundTrip(toolEnv []string) string {
	t := e.t
	t.Helper()
	var printed strings.Builder

	// Pause after archiving, before the brokers start: the data folders are then exactly what
	// the backup holds.
	pause, resume := pauseAt(t, "starting")
	p := e.startTool(append(pause, toolEnv...), "backup", "--id", "first")
	p.waitPaused("starting")
	atBackup := map[int]testtree.Snapshot{}
	positions := map[int]sim.Report{}
	for _, b := range e.c.Brokers {
		if ready(b) {
			t.Fatalf("broker %d answers while the backup holds the cluster down", b.NodeID)
		}
		atBackup[b.NodeID] = snapshotTree(t, b.DataDir)
		positions[b.NodeID] = stoppedPositions(t, b)
	}
	resume()
	code, stdout, stderr := p.wait()
	printed.WriteString(stdout + stderr)
	if code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the backup", b.NodeID)
		}
	}
	ms := e.manifestsWith(toolEnv)
	if len(ms) != 1 || ms[0].ID != "first" || len(ms[0].Brokers) != 3 || ms[0].ZeebeVersion != "8.5.3" || ms[0].VersionSource != "gateway" {
		t.Fatalf("list: %+v", ms)
	}
	m := ms[0]
	if m.Times.AllDown.Before(m.Times.StopRequested) || m.Times.DataCaptured.Before(m.Times.AllDown) || m.Times.Ready.Before(m.Times.Started) || m.DowntimeMillis <= 0 {
		t.Errorf("manifest times out of order: %+v, downtime %d ms", m.Times, m.DowntimeMillis)
	}
	if m.Topology == nil || len(m.Topology.Brokers) != 3 {
		t.Errorf("manifest topology: %+v", m.Topology)
	}

	code, stdout, stderr = e.startTool(toolEnv, "verify", "first", "--deep").wait()
	printed.WriteString(stdout + stderr)
	if code != 0 || !strings.Contains(stdout, "first") {
		t.Fatalf("verify --deep: exit %d\n%s%s", code, stdout, stderr)
	}

	// More workload, so that the data moves on from the backup.
	time.Sleep(1500 * time.Millisecond)

	pause, resume = pauseAt(t, "starting")
	p = e.startTool(append(pause, toolEnv...), "restore", "first")
	p.waitPaused("starting")
	for _, b := range e.c.Brokers {
		if d := testtree.Diff(atBackup[b.NodeID], snapshotTree(t, b.DataDir), true); len(d) > 0 {
			t.Fatalf("broker %d: restored data differs from the backup:\n%s", b.NodeID, testtree.DiffString(d))
		}
		checkPositions(t, b, positions[b.NodeID])
		previous := restore.PreviousDir(b.DataDir, "first")
		if _, err := os.Stat(previous); err != nil {
			t.Errorf("broker %d: the previous data is not kept: %v", b.NodeID, err)
		}
	}
	resume()
	code, stdout, stderr = p.wait()
	printed.WriteString(stdout + stderr)
	if code != 0 {
		t.Fatalf("restore: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the restore:\n%s", b.NodeID, b.Log())
		}
		// The restored brokers go on from the backup's positions.
		now := b.Positions(t)
		for part, want := range positions[b.NodeID].Partitions {
			got := now.Partitions[part]
			if got.Records != got.ProcessedPosition || got.ProcessedPosition < want.ProcessedPosition {
				t.Errorf("broker %d partition %d after the restore: %+v; at the backup: %+v", b.NodeID, part, got, want)
			}
		}
	}
	code, stdout, stderr = e.startTool(toolEnv, "status").wait()
	printed.WriteString(stdout + stderr)
	if code != 0 || !strings.Contains(stdout, "no unfinished operation") {
		t.Errorf("status after the restore: exit %d\n%s%s", code, stdout, stderr)
	}
	return printed.String()
}

// checkPositions reads each partition's journal and compares its end with the positions the
// broker reported when the backup stopped it.
func checkPositions(t *testing.T, b *simtest.Broker, want sim.Report) {
	t.Helper()
	for part, p := range want.Partitions {
		dir := filepath.Join(b.DataDir, "raft-partition", "partitions", itoa(part))
		j, err := zeebe.ReadJournal(dir, zeebe.JournalName("raft-partition", part))
		if err != nil {
			t.Fatal(err)
		}
		if j.LastIndex() != p.LastWrittenIndex {
			t.Errorf("broker %d partition %d: the restored journal ends at %d, at the backup it ended at %d", b.NodeID, part, j.LastIndex(), p.LastWrittenIndex)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Restores onto 2 brokers, onto swapped node ids, or onto another partitions count are refused
// before anything is stopped.
func TestRestoreRefusalsStopNothing(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "b1"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	pids := map[int]int{}
	for _, b := range e.c.Brokers {
		pids[b.NodeID] = pid(b)
	}

	root := t.TempDir()
	twoBrokers := filepath.Join(root, "two.yaml")
	two := *e
	two.c = &simtest.Cluster{Root: e.c.Root, Opts: e.c.Opts, Brokers: e.c.Brokers[:2]}
	// Their configurations say a cluster of 2.
	var twoCfgs []string
	for _, b := range two.c.Brokers {
		raw, _ := os.ReadFile(b.ConfigPath)
		cfg := strings.Replace(string(raw), "clusterSize: 3", "clusterSize: 2", 1)
		cfg = strings.Replace(cfg, "replicationFactor: 3", "replicationFactor: 2", 1)
		p := filepath.Join(b.Dir, "config-two", "application.yaml")
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(cfg), 0o644)
		twoCfgs = append(twoCfgs, p)
	}
	two.writeClusterFile(twoBrokers, func(y *brokerYAML) { y.Config = twoCfgs[y.NodeID] })

	swapped := filepath.Join(root, "swapped.yaml")
	e.writeClusterFile(swapped, func(y *brokerYAML) {
		// broker 0's entry points at broker 1's configuration and the other way round
		switch y.NodeID {
		case 0:
			y.Config = e.c.Brokers[1].ConfigPath
		case 1:
			y.Config = e.c.Brokers[0].ConfigPath
		}
	})

	fourParts := filepath.Join(root, "four.yaml")
	var fourCfgs []string
	for _, b := range e.c.Brokers {
		raw, _ := os.ReadFile(b.ConfigPath)
		p := filepath.Join(b.Dir, "config-four", "application.yaml")
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(strings.Replace(string(raw), "partitionsCount: 3", "partitionsCount: 4", 1)), 0o644)
		fourCfgs = append(fourCfgs, p)
	}
	e.writeClusterFile(fourParts, func(y *brokerYAML) { y.Config = fourCfgs[y.NodeID] })

	for _, c := range []struct {
		name, file, want string
		code             int
	}{
		{"two brokers", twoBrokers, "node ids [0 1 2]; the target cluster has [0 1]", cli.ExitRefused},
		{"swapped node ids", swapped, "gives node id 1; the description says 0", cli.ExitUsage},
		{"another partitions count", fourParts, "has 3 partitions; the target's configurations say partitionsCount 4", cli.ExitRefused},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(tool(t), "restore", "b1", "--cluster", c.file)
			out, _ := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != c.code || !strings.Contains(string(out), c.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", cmd.ProcessState.ExitCode(), c.code, c.want, out)
			}
			for _, b := range e.c.Brokers {
				if !ready(b) || pid(b) != pids[b.NodeID] {
					t.Fatalf("broker %d was touched by a refused restore", b.NodeID)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(e.repoDir, "lock.json")); err == nil {
		t.Error("a refused restore left the repository locked")
	}
}
