package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// Backup and restore apply one set of rules to the cluster file: health URLs swapped between
// brokers, a dataDir that is not the configuration's, and a data folder that is a symbolic link
// leading nowhere are refused by both before anything is stopped, with the same message (the
// backup took them all so far); a data folder that is a symbolic link is worked on where it
// leads, as Zeebe does, by both (the backup refused it as "not a folder").
func TestBackupAndRestoreShareTheirRules(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "plain"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}

	other := filepath.Join(e.c.Root, "other-data")
	missing := filepath.Join(e.c.Root, "missing-disk")
	dangling := filepath.Join(e.c.Root, "dangling-data")
	for _, err := range []error{os.MkdirAll(other, 0o755), os.Symlink(missing, dangling)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, want string
		change     func(*brokerYAML)
	}{
		{"health URLs swapped", "management.server.port", func(y *brokerYAML) {
			switch y.NodeID {
			case 0:
				y.Health = e.c.Brokers[1].ManagementURL()
			case 1:
				y.Health = e.c.Brokers[0].ManagementURL()
			}
		}},
		{"dataDir not the configuration's", "gives Zeebe the data folder " + e.c.Brokers[1].DataDir + ", the cluster file's broker uses " + other, func(y *brokerYAML) {
			if y.NodeID == 1 {
				y.Extra = fmt.Sprintf("    dataDir: %s\n", other)
			}
		}},
		{"data folder a link to nothing", dangling + " is a symbolic link to " + missing + ", which does not exist", func(y *brokerYAML) {
			if y.NodeID == 2 {
				y.Extra = fmt.Sprintf("    dataDir: %s\n", dangling)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "cluster.yaml")
			e.writeClusterFile(file, c.change)
			pids := map[int]int{}
			for _, b := range e.c.Brokers {
				pids[b.NodeID] = pid(b)
			}
			for _, args := range [][]string{{"backup", "--id", "refused"}, {"restore", "plain"}} {
				cmd := exec.Command(tool(t), append(args, "--cluster", file)...)
				out, _ := cmd.CombinedOutput()
				if code := cmd.ProcessState.ExitCode(); code != cli.ExitRefused || !strings.Contains(string(out), c.want) {
					t.Errorf("%s: exit %d, want %d with %q:\n%s", args[0], code, cli.ExitRefused, c.want, out)
				}
			}
			for _, b := range e.c.Brokers {
				if !ready(b) || pid(b) != pids[b.NodeID] {
					t.Fatalf("broker %d was touched by a refused run", b.NodeID)
				}
			}
		})
	}

	// Broker 0's data folder becomes a symbolic link to a folder on another "disk": backup and
	// restore work on the folder it leads to; the link stays a link.
	b0 := e.c.Brokers[0]
	disk := filepath.Join(e.c.Root, "disk0", "zeebe-data")
	e.shutdown()
	if err := os.MkdirAll(filepath.Dir(disk), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(b0.DataDir, disk); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(disk, b0.DataDir); err != nil {
		t.Fatal(err)
	}
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "linked"); code != 0 || !strings.Contains(stderr, b0.DataDir+" is a symbolic link to "+disk) {
		t.Fatalf("backup of a data folder that is a symbolic link: exit %d\n%s", code, stderr)
	}
	if paths := indexPaths(t, e, "linked", 0); len(paths) < 5 {
		t.Fatalf("broker 0's archive holds %v, not the data the link leads to", paths)
	}
	if code, out, stderr := e.run("restore", "linked"); code != 0 {
		t.Fatalf("restore onto a data folder that is a symbolic link: exit %d\n%s\n%s", code, out, stderr)
	}
	if got, err := os.Readlink(b0.DataDir); err != nil || got != disk {
		t.Errorf("broker 0's data folder is no longer a link to %s: %q, %v", disk, got, err)
	}
	if _, err := os.Stat(restore.PreviousDir(disk, "linked")); err != nil {
		t.Errorf("the previous data is not kept beside the real folder: %v", err)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the restore:\n%s", b.NodeID, b.Log())
		}
	}
}
