package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// A restore installs each configuration with the mode and owner the file had (0600 stays
// 0600, and so does the previous copy it keeps), and the locks it writes while it runs are
// 0600 beside each data folder and record no --set value.
func TestRestoreKeepsConfigModeAndRecordsNoSecret(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "modes"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	owners := map[int]uint32{}
	for _, b := range e.c.Brokers {
		if err := os.Chmod(b.ConfigPath, 0o600); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(b.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		owners[b.NodeID] = fi.Sys().(*syscall.Stat_t).Uid
	}
	const secret = "hunter2-never-recorded"
	pause, resume := pauseAt(t, "extracting")
	p := e.startTool(pause, "restore", "modes", "--set", "0.custom.exporter.password="+secret)
	p.waitPaused("extracting")
	for _, b := range e.c.Brokers {
		lock := b.DataDir + ".zeebe-backup-lock"
		fi, err := os.Stat(lock)
		if err != nil {
			t.Fatalf("broker %d: %v", b.NodeID, err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 && perm != 0o640 {
			t.Errorf("broker %d: the cluster lock has mode %v; want 0600 (or 0640)", b.NodeID, perm)
		}
		raw, err := os.ReadFile(lock)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), secret) || !strings.Contains(string(raw), "--set 0.custom.exporter.password=***") {
			t.Errorf("broker %d: the cluster lock records:\n%s", b.NodeID, raw)
		}
	}
	if raw, err := os.ReadFile(filepath.Join(e.repoDir, "lock.json")); err != nil || strings.Contains(string(raw), secret) {
		t.Errorf("the repository lock (%v) records:\n%s", err, raw)
	}
	resume()
	code, stdout, stderr := p.wait()
	if code != 0 {
		t.Fatalf("restore: exit %d\n%s", code, stderr)
	}
	for _, b := range e.c.Brokers {
		for _, path := range []string{b.ConfigPath, b.ConfigPath + ".pre-restore-modes"} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("broker %d: %v", b.NodeID, err)
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("broker %d: %s has mode %v after the restore; it was 0600", b.NodeID, path, perm)
			}
			if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != owners[b.NodeID] {
				t.Errorf("broker %d: %s belongs to uid %d; it was %d", b.NodeID, path, uid, owners[b.NodeID])
			}
		}
	}
	installed, err := os.ReadFile(e.c.Brokers[0].ConfigPath)
	if err != nil || !strings.Contains(string(installed), secret) {
		t.Errorf("the --set value is not in the installed configuration (%v):\n%s", err, installed)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("the output shows the --set value:\n%s\n%s", stdout, stderr)
	}
}
