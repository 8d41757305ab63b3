package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

// mountDataFolders makes each broker's data folder the mount point of a filesystem of its own
// (an ext4 image on a loop device), as a dedicated disk or a Kubernetes PVC is. The test runs
// as root; mkfs.ext4 and chattr come from e2fsprogs (scripts/install-deps.sh).
func mountDataFolders(t *testing.T, e *env) {
	t.Helper()
	for _, b := range e.c.Brokers {
		img := filepath.Join(e.c.Root, fmt.Sprintf("broker-%d.img", b.NodeID))
		mustRun(t, "truncate", "-s", "200M", img)
		mustRun(t, "mkfs.ext4", "-q", img)
		if err := os.MkdirAll(b.DataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "mount", "-o", "loop", img, b.DataDir)
		t.Cleanup(func() {
			e.shutdown() // nothing may hold the filesystem
			if out, err := exec.Command("umount", b.DataDir).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v\n%s", b.DataDir, err, out)
				exec.Command("umount", "-l", b.DataDir).Run()
			}
		})
	}
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// zeebeTree snapshots what a data folder holds of Zeebe's: lost+found and the tool's folders
// are left out, and so is the folder itself (a mount point keeps its own mode and times).
func zeebeTree(t *testing.T, dir string) testtree.Snapshot {
	t.Helper()
	s, err := testtree.Take(dir, testtree.Options{Skip: func(rel string) bool { return workflow.NotZeebeData(rel) }})
	if err != nil {
		t.Fatal(err)
	}
	delete(s, ".")
	return s
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// indexPaths reads the paths a stored backup's index lists for a broker.
func indexPaths(t *testing.T, e *env, id string, node int) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(e.repoDir, repo.Folder(id), repo.IndexName(node)))
	if err != nil {
		t.Fatal(err)
	}
	var index repo.Index
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range index.Entries {
		out = append(out, en.Path)
	}
	return out
}

// Data folders that are mount points: the restore stages and swaps inside each mounted
// filesystem, lost+found stays, the previous data is kept inside and neither archived by the
// next backup nor in the way of the next restore; status shows it; a kill in the middle of the
// swap is rolled back by recover, and a failure in the swap is rolled back at once.
func TestRestoreOntoMountPoints(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	mountDataFolders(t, e)
	lostFound := map[int]uint64{}
	for _, b := range e.c.Brokers {
		lostFound[b.NodeID] = inode(t, filepath.Join(b.DataDir, workflow.LostFound))
	}
	e.startCluster()
	time.Sleep(500 * time.Millisecond)

	pause, resume := pauseAt(t, "starting")
	p := e.startTool(pause, "backup", "--id", "b1")
	p.waitPaused("starting")
	atBackup := map[int]testtree.Snapshot{}
	for _, b := range e.c.Brokers {
		atBackup[b.NodeID] = zeebeTree(t, b.DataDir)
	}
	resume()
	if code, _, stderr := p.wait(); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	for _, b := range e.c.Brokers {
		for _, path := range indexPaths(t, e, "b1", b.NodeID) {
			if strings.HasPrefix(path, workflow.LostFound) {
				t.Fatalf("broker %d: the backup archived %s", b.NodeID, path)
			}
		}
	}
	time.Sleep(time.Second) // more workload

	t.Run("restore", func(t *testing.T) {
		e := e.in(t)
		pause, resume := pauseAt(t, "starting")
		p := e.startTool(pause, "restore", "b1")
		p.waitPaused("starting")
		for _, b := range e.c.Brokers {
			if d := testtree.Diff(atBackup[b.NodeID], zeebeTree(t, b.DataDir), true); len(d) > 0 {
				t.Errorf("broker %d: restored data differs from the backup:\n%s", b.NodeID, testtree.DiffString(d))
			}
			if got := inode(t, filepath.Join(b.DataDir, workflow.LostFound)); got != lostFound[b.NodeID] {
				t.Errorf("broker %d: lost+found was replaced", b.NodeID)
			}
			previous := filepath.Join(b.DataDir, workflow.InFolderPrevious+"b1")
			if names, err := os.ReadDir(previous); err != nil || len(names) == 0 {
				t.Errorf("broker %d: the previous data is not kept in %s: %v %v", b.NodeID, previous, names, err)
			}
			if _, err := os.Stat(filepath.Join(b.DataDir, workflow.InFolderStaging+"b1")); err == nil {
				t.Errorf("broker %d: the staging folder is left", b.NodeID)
			}
		}
		resume()
		if code, stdout, stderr := p.wait(); code != 0 {
			t.Fatalf("restore: exit %d\n%s\n%s", code, stdout, stderr)
		}
		for _, b := range e.c.Brokers {
			if !ready(b) {
				t.Fatalf("broker %d is not ready after the restore:\n%s", b.NodeID, b.Log())
			}
		}
		code, out, _ := e.run("status")
		want := filepath.Join(e.c.Brokers[2].DataDir, workflow.InFolderPrevious+"b1")
		if code != 0 || !strings.Contains(out, "broker 2 keeps "+want+" (") {
			t.Errorf("status does not show the kept previous data %s:\n%s", want, out)
		}
	})

	if code, _, stderr := e.run("backup", "--id", "b2"); code != 0 {
		t.Fatalf("backup b2: exit %d\n%s", code, stderr)
	}
	for _, b := range e.c.Brokers {
		for _, path := range indexPaths(t, e, "b2", b.NodeID) {
			if strings.HasPrefix(path, workflow.ToolPrefix) || strings.HasPrefix(path, workflow.LostFound) {
				t.Fatalf("broker %d: backup b2 archived %s", b.NodeID, path)
			}
		}
	}

	t.Run("killed in the swap, recover", func(t *testing.T) {
		e := e.in(t)
		pause, _ := pauseAt(t, "swapped 0")
		p := e.startTool(pause, "restore", "b2")
		p.waitPaused("swapped 0")
		previous := map[int]testtree.Snapshot{}
		for _, b := range e.c.Brokers {
			dir := b.DataDir
			if b.NodeID == 0 {
				dir = filepath.Join(b.DataDir, workflow.InFolderPrevious+"b2")
			}
			previous[b.NodeID] = zeebeTree(t, dir)
		}
		p.kill()
		pause, resume := pauseAt(t, "starting")
		r := e.startTool(pause, "recover")
		r.waitPaused("starting")
		for _, b := range e.c.Brokers {
			if d := testtree.Diff(previous[b.NodeID], zeebeTree(t, b.DataDir), true); len(d) > 0 {
				t.Errorf("broker %d: the previous data is not back:\n%s", b.NodeID, testtree.DiffString(d))
			}
			for _, left := range []string{workflow.InFolderStaging + "b2", workflow.InFolderPrevious + "b2"} {
				if _, err := os.Stat(filepath.Join(b.DataDir, left)); err == nil {
					t.Errorf("broker %d: %s is left", b.NodeID, left)
				}
			}
		}
		failed := filepath.Join(e.c.Brokers[0].DataDir, workflow.InFolderFailed+"b2")
		if _, err := os.Stat(filepath.Join(failed, "raft-partition")); err != nil {
			t.Errorf("broker 0: the restored data taken out again is not kept in %s: %v", failed, err)
		}
		resume()
		if code, out, stderr := r.wait(); code != 0 {
			t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
		}
		// The kept failed data is in the way of another restore of b2, and said so first.
		if code, _, stderr := e.run("restore", "b2"); code != cli.ExitRefused || !strings.Contains(stderr, failed+" holds the restored data a rollback of an earlier restore of backup b2 took out again") {
			t.Fatalf("restore with %s left: exit %d\n%s", failed, code, stderr)
		}
		if err := os.RemoveAll(failed); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("failure in the swap rolls back", func(t *testing.T) {
		e := e.in(t)
		// The cluster is down, so that the data before the restore can be recorded; the
		// version is then given in the cluster file.
		e.shutdown()
		raw, err := os.ReadFile(e.clusterFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(e.clusterFile, append(raw, "version: 8.5.3\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		// An entry of broker 1's data folder that cannot be moved (immutable): its swap fails
		// after broker 0's is complete and after some of its own entries moved.
		obstacle := filepath.Join(e.c.Brokers[1].DataDir, "zz-obstacle")
		if err := os.WriteFile(obstacle, []byte("not Zeebe's"), 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "chattr", "+i", obstacle)
		t.Cleanup(func() { exec.Command("chattr", "-i", obstacle).Run() })
		before := map[int]testtree.Snapshot{}
		for _, b := range e.c.Brokers {
			before[b.NodeID] = zeebeTree(t, b.DataDir)
		}

		pause, resume := pauseAt(t, "rolled back")
		p := e.startTool(pause, "restore", "b2")
		p.waitPaused("rolled back")
		for _, b := range e.c.Brokers {
			if d := testtree.Diff(before[b.NodeID], zeebeTree(t, b.DataDir), true); len(d) > 0 {
				t.Errorf("broker %d: the previous data is not back:\n%s", b.NodeID, testtree.DiffString(d))
			}
			if got := inode(t, filepath.Join(b.DataDir, workflow.LostFound)); got != lostFound[b.NodeID] {
				t.Errorf("broker %d: lost+found was replaced", b.NodeID)
			}
			for _, left := range []string{workflow.InFolderStaging + "b2", workflow.InFolderPrevious + "b2"} {
				if _, err := os.Stat(filepath.Join(b.DataDir, left)); err == nil {
					t.Errorf("broker %d: %s is left", b.NodeID, left)
				}
			}
		}
		resume()
		code, _, stderr := p.wait()
		if code != cli.ExitFailed || !strings.Contains(stderr, "zz-obstacle") || !strings.Contains(stderr, "the previous data is back in place and the brokers run again") {
			t.Fatalf("restore with an obstacle: exit %d\n%s", code, stderr)
		}
		for _, b := range e.c.Brokers {
			if !ready(b) {
				t.Fatalf("broker %d is not ready after the rollback:\n%s", b.NodeID, b.Log())
			}
		}
	})
}

// in is the env with the tool's processes tied to a subtest's t.
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}
