package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// SIGKILL of the tool while it archives: the brokers stay down until recover starts them all.
func TestKilledDuringArchivingRecoverStartsTheBrokers(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	pause, _ := pauseAt(t, "archiving")
	p := e.startTool(pause, "backup", "--id", "killed")
	p.waitPaused("archiving")
	p.kill()
	for _, b := range e.c.Brokers {
		if ready(b) {
			t.Fatalf("broker %d runs, though the killed backup had stopped it", b.NodeID)
		}
	}
	if code, out, _ := e.run("status"); code != cli.ExitLocked || !strings.Contains(out, "a backup of backup killed") {
		t.Errorf("status does not show the unfinished backup: exit %d, want %d\n%s", code, cli.ExitLocked, out)
	}
	if code, _, stderr := e.run("backup"); code != cli.ExitLocked || !strings.Contains(stderr, "recover") {
		t.Errorf("a second backup while the lock is left: exit %d\n%s", code, stderr)
	}
	code, out, stderr := e.run("recover")
	if code != 0 {
		t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after recover:\n%s", b.NodeID, stderr)
		}
	}
	if ms := e.manifests(); len(ms) != 0 {
		t.Errorf("the killed backup is listed: %+v", ms)
	}
	if entries, _ := os.ReadDir(e.repoDir); len(entries) != 0 {
		t.Errorf("the repository still holds %v", entries)
	}
	if code, out, _ := e.run("recover"); code != 0 || !strings.Contains(out, "nothing to recover") {
		t.Errorf("a second recover: exit %d\n%s", code, out)
	}
}

// SIGKILL of the tool in the middle of the restore swap: recover puts the previous data back
// and starts every broker.
func TestKilledDuringRestoreSwapRecoverPutsThePreviousDataBack(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "b1"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	time.Sleep(time.Second)

	pause, _ := pauseAt(t, "swapped 0")
	p := e.startTool(pause, "restore", "b1")
	p.waitPaused("swapped 0")
	// Broker 0 is swapped, 1 and 2 are only staged: the previous data is in the pre-restore
	// folder of broker 0 and still in place for the others.
	previous := map[int]testtree.Snapshot{}
	for _, b := range e.c.Brokers {
		dir := b.DataDir
		if b.NodeID == 0 {
			dir = restore.PreviousDir(b.DataDir, "b1")
		}
		previous[b.NodeID] = snapshotTree(t, dir)
	}
	p.kill()

	pause, resume := pauseAt(t, "starting")
	r := e.startTool(pause, "recover")
	r.waitPaused("starting")
	for _, b := range e.c.Brokers {
		if d := testtree.Diff(previous[b.NodeID], snapshotTree(t, b.DataDir), true); len(d) > 0 {
			t.Fatalf("broker %d: the previous data is not back:\n%s", b.NodeID, testtree.DiffString(d))
		}
		if _, err := os.Stat(restore.StagingDir(b.DataDir, "b1")); err == nil {
			t.Errorf("broker %d: the staging folder is left", b.NodeID)
		}
	}
	if _, err := os.Stat(restore.FailedDir(e.c.Brokers[0].DataDir, "b1")); err != nil {
		t.Errorf("broker 0: the restored data taken out again should be kept aside: %v", err)
	}
	resume()
	if code, out, stderr := r.wait(); code != 0 {
		t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after recover", b.NodeID)
		}
	}
}

// A broker whose stop command does not stop it: the backup aborts, the others run again,
// nothing is committed.
func TestStopCommandThatDoesNotStop(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	e.writeClusterFile(e.clusterFile, func(y *brokerYAML) {
		if y.NodeID == 1 {
			y.Stop, y.StopTimeout = "true", "2s"
		}
	})
	pid1 := pid(e.c.Brokers[1])
	code, _, stderr := e.run("backup")
	if code != cli.ExitFailed || !strings.Contains(stderr, "broker 1 (local)") || !strings.Contains(stderr, "still answers") {
		t.Fatalf("exit %d, want %d naming broker 1:\n%s", code, cli.ExitFailed, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not running after the aborted backup:\n%s", b.NodeID, stderr)
		}
	}
	if pid(e.c.Brokers[1]) != pid1 {
		t.Error("broker 1 was started a second time")
	}
	if ms := e.manifests(); len(ms) != 0 {
		t.Errorf("an aborted backup is listed: %+v", ms)
	}
	if entries, _ := os.ReadDir(e.repoDir); len(entries) != 0 {
		t.Errorf("the aborted backup left %v in the repository", entries)
	}
}

// The documented hand procedure works on our output: tar xaf of each archive plus its config
// gives folders the simulator starts from, as a cluster.
func TestHandRestoreWithPlainTar(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	time.Sleep(500 * time.Millisecond)
	if code, _, stderr := e.run("backup", "--id", "by-hand"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	e.shutdown()
	folder := filepath.Join(e.repoDir, "zeebe-backup-by-hand")
	hand := &simtest.Cluster{Root: t.TempDir(), Opts: e.c.Opts}
	for _, b := range e.c.Brokers {
		dir := filepath.Join(hand.Root, "broker-"+itoa(b.NodeID))
		for _, sub := range []string{"data", "config"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		archive := filepath.Join(folder, "zeebe-broker-"+itoa(b.NodeID)+"-data.tar.zst")
		if out, err := exec.Command("tar", "-xaf", archive, "-C", filepath.Join(dir, "data")).CombinedOutput(); err != nil {
			t.Fatalf("tar -xaf %s: %v\n%s", archive, err, out)
		}
		cfg, err := os.ReadFile(filepath.Join(folder, "zeebe-broker-"+itoa(b.NodeID)+"-config.yml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config", "application.yaml"), cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		hand.Brokers = append(hand.Brokers, &simtest.Broker{
			NodeID: b.NodeID, Dir: dir, ConfigPath: filepath.Join(dir, "config", "application.yaml"),
			DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "broker.log"),
			ManagementPort: b.ManagementPort, RESTPort: b.RESTPort, GatewayPort: b.GatewayPort,
			InternalPort: b.InternalPort, CmdPort: b.CmdPort, Version: b.Version,
		})
	}
	hand.Start(t)
	hand.Stop(t)
}

// Two runs against one cluster are refused even with different repositories: the second names
// the first.
func TestClusterLockAcrossRepositories(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	pause, resume := pauseAt(t, "archiving")
	p := e.startTool(pause, "backup", "--id", "first")
	p.waitPaused("archiving")
	other := t.TempDir()
	cmd := exec.Command(tool(t), "backup", "--cluster", e.clusterFile, "--repo", other)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != cli.ExitLocked || !strings.Contains(string(out), "broker 0 (local) is locked by") || !strings.Contains(string(out), "backup first") {
		t.Fatalf("second backup: exit %d:\n%s", cmd.ProcessState.ExitCode(), out)
	}
	if code, out, _ := e.run("status"); code != cli.ExitLocked || !strings.Contains(out, "broker 1 is locked: backup first") {
		t.Errorf("status does not show the lock: exit %d, want %d\n%s", code, cli.ExitLocked, out)
	}
	resume()
	if code, _, stderr := p.wait(); code != 0 {
		t.Fatalf("first backup: exit %d\n%s", code, stderr)
	}
	for _, b := range e.c.Brokers {
		if _, err := os.Stat(b.DataDir + ".zeebe-backup-lock"); err == nil {
			t.Errorf("broker %d's lock file is left after the backup", b.NodeID)
		}
	}
}
