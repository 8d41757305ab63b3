package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// Lock refusals exit 7, never 1: a lock.json that cannot be read (backup, restore, recover), and
// recover while the run holding the lock is alive; nothing is changed and no broker stopped.
func TestLockRefusalsExit7(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "plain"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	lock := filepath.Join(e.repoDir, "lock.json")
	if err := os.WriteFile(lock, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := e.state(t)
	for _, args := range [][]string{{"backup", "--id", "refused"}, {"restore", "--yes", "plain"}, {"recover"}} {
		code, _, stderr := e.run(args...)
		if code != cli.ExitLocked || !strings.Contains(stderr, lock) || !strings.Contains(stderr, "remove") || !strings.Contains(stderr, "run") {
			t.Errorf("%s with an unreadable lock: exit %d, want %d naming the lock and the fix:\n%s", args[0], code, cli.ExitLocked, stderr)
		}
	}
	e.unchanged(t, "runs refused by an unreadable lock", before)
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}

	pause, resume := pauseAt(t, "stopping")
	p := e.startTool(pause, "backup", "--id", "held")
	p.waitPaused("stopping")
	before = e.state(t)
	code, _, stderr := e.run("recover")
	if code != cli.ExitLocked || !strings.Contains(stderr, "still alive") || !strings.Contains(stderr, "wait for it, or stop it first") {
		t.Errorf("recover while the holder runs: exit %d, want %d naming the holder and the fix:\n%s", code, cli.ExitLocked, stderr)
	}
	e.unchanged(t, "recover while the holder runs", before)
	resume()
	if code, _, stderr := p.wait(); code != 0 {
		t.Fatalf("the paused backup: exit %d\n%s", code, stderr)
	}
}

// A repository that cannot be written (a read-only bind mount) can still be listed, shown,
// verified and restored from: restore without --no-lock is refused before any stop (5),
// saying to use it; with --no-lock the backup is restored, the cluster lock beside each data
// folder is taken and released, and the repository is left as it was.
func TestRestoreFromAReadOnlyRepository(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "ro"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	if err := syscall.Mount(e.repoDir, e.repoDir, "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("bind-mount the repository (the test runs as root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(e.repoDir, 0) })
	if err := syscall.Mount("", e.repoDir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("make the repository read-only: %v", err)
	}
	repoBefore := snapshotTree(t, e.repoDir)
	for _, args := range [][]string{{"list"}, {"show", "ro"}, {"verify", "--deep", "ro"}} {
		if code, out, stderr := e.run(args...); code != 0 || !strings.Contains(out, "ro") {
			t.Errorf("%s on a read-only repository: exit %d\n%s\n%s", args[0], code, out, stderr)
		}
	}

	before := e.state(t)
	code, _, stderr := e.run("restore", "--yes", "ro")
	if code != cli.ExitRefused || !strings.Contains(stderr, "read-only file system") || !strings.Contains(stderr, "restore with --no-lock") {
		t.Fatalf("restore from a read-only repository: exit %d, want %d naming --no-lock:\n%s", code, cli.ExitRefused, stderr)
	}
	e.unchanged(t, "the refused restore", before)

	pause, resume := pauseAt(t, "extracting")
	p := e.startTool(pause, "restore", "--yes", "--no-lock", "ro")
	p.waitPaused("extracting")
	for _, b := range e.c.Brokers {
		if _, err := os.Stat(fleet.LockPath(b.DataDir)); err != nil {
			t.Errorf("broker %d: the cluster lock is not taken during a --no-lock restore: %v", b.NodeID, err)
		}
	}
	resume()
	code, out, stderr := p.wait()
	if code != 0 || !strings.Contains(stderr, "--no-lock: "+e.repoDir+" is only read and not locked") {
		t.Fatalf("restore --no-lock: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Errorf("broker %d is not ready after the restore", b.NodeID)
		}
		if _, err := os.Stat(fleet.LockPath(b.DataDir)); !os.IsNotExist(err) {
			t.Errorf("broker %d: the cluster lock is left: %v", b.NodeID, err)
		}
	}
	if d := testtree.Diff(repoBefore, snapshotTree(t, e.repoDir), true); len(d) > 0 {
		t.Errorf("the read-only repository changed:\n%s", testtree.DiffString(d))
	}
}
