package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// A data folder with a symbolic link pointing outside it: the backup takes it with a warning
// naming it, verify --deep reports it, and restore refuses it before stopping anything unless
// --allow-external-symlinks, with which the link comes back as it was.
func TestSymlinkOutsideTheDataFolder(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	outside := filepath.Join(e.c.Root, "runtime-elsewhere")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	e.startCluster()
	link := filepath.Join(e.c.Brokers[0].DataDir, "runtime-link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := e.run("backup", "--id", "ext")
	if code != 0 || !strings.Contains(stderr, `runtime-link is a symbolic link to "`+outside+`", outside the data folder`) {
		t.Fatalf("backup: exit %d, want 0 with a warning naming the link:\n%s", code, stderr)
	}
	code, out, stderr := e.run("verify", "--deep", "ext")
	if code != cli.ExitFindings || !strings.Contains(out, "runtime-link") || !strings.Contains(out, "archive.symlink-outside") {
		t.Fatalf("verify --deep: exit %d, want %d naming the link:\n%s\n%s", code, cli.ExitFindings, out, stderr)
	}

	pids := map[int]int{}
	for _, b := range e.c.Brokers {
		pids[b.NodeID] = pid(b)
	}
	code, _, stderr = e.run("restore", "ext")
	if code != cli.ExitRefused || !strings.Contains(stderr, "runtime-link") || !strings.Contains(stderr, "--allow-external-symlinks") {
		t.Fatalf("restore: exit %d, want %d naming the link and the flag:\n%s", code, cli.ExitRefused, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) || pid(b) != pids[b.NodeID] {
			t.Fatalf("broker %d was touched by the refused restore", b.NodeID)
		}
	}

	if code, out, stderr := e.run("restore", "ext", "--allow-external-symlinks"); code != 0 {
		t.Fatalf("restore --allow-external-symlinks: exit %d\n%s\n%s", code, out, stderr)
	}
	if got, err := os.Readlink(link); err != nil || got != outside {
		t.Errorf("the restored link points to %q (%v), want %q", got, err, outside)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the restore", b.NodeID)
		}
	}
}
