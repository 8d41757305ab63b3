package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// Every partial outcome names the command that resolves it, and that command works: a broker
// that does not start after a backup is left to recover, which starts it once the cause is
// fixed; a second restore of the same backup is refused naming the folders to remove, and
// restores once they are removed.
func TestEveryPartialOutcomeNamesACommandThatResolvesIt(t *testing.T) {
	e := newEnv(t, simtest.Options{Partitions: 1, RecordsPerSecond: 100})
	e.startCluster()

	// Broker 2 cannot start until the operator fixes the cause (here: creates a file).
	fixed := filepath.Join(t.TempDir(), "fixed")
	e.writeClusterFile(e.clusterFile, func(y *brokerYAML) {
		if y.NodeID == 2 {
			y.Start = "test -e " + fixed + " || { echo 'the disk is not mounted' >&2; exit 1; }; " + y.Start
		}
	})
	code, out, stderr := e.run("backup", "--id", "b2down")
	if code != cli.ExitIncomplete || !strings.Contains(stderr, "not fully back") {
		t.Fatalf("backup with broker 2 not starting: exit %d, want %d\n%s\n%s", code, cli.ExitIncomplete, out, stderr)
	}
	if !strings.Contains(stderr, "run 'zeebe-backup recover'") {
		t.Errorf("the incomplete backup does not name recover:\n%s", stderr)
	}
	if ready(e.c.Brokers[2]) {
		t.Fatal("broker 2 runs though its start command fails")
	}
	if code, out, _ := e.run("list"); code != 0 || !strings.Contains(out, "b2down") || !strings.Contains(out, "did not all come back") {
		t.Errorf("list does not show that the brokers did not come back: exit %d\n%s", code, out)
	}
	if code, out, _ := e.run("status"); code != cli.ExitLocked || !strings.Contains(out, "a backup of backup b2down") {
		t.Errorf("status does not show the unfinished backup: exit %d\n%s", code, out)
	}
	// recover before the cause is fixed says so and keeps the operation.
	if code, _, stderr := e.run("recover"); code == 0 || !strings.Contains(stderr, "broker 2") || !strings.Contains(stderr, "recover again") {
		t.Errorf("recover with broker 2 still failing: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(fixed, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = e.run("recover")
	if code != 0 || strings.Contains(out, "nothing to recover") {
		t.Fatalf("recover once the cause is fixed: exit %d\n%s\n%s", code, out, stderr)
	}
	e.checkAllReady(t, stderr)
	e.checkBackups(t, []string{"b2down"})
	e.checkNothingLeft(t, []string{"b2down"})

	// Restore b2down, then once more: the second is refused, naming each folder the first one
	// kept and the command that removes it.
	if code, _, stderr := e.run("restore", "b2down"); code != 0 {
		t.Fatalf("restore: exit %d\n%s", code, stderr)
	}
	code, _, stderr = e.run("restore", "b2down")
	if code != cli.ExitRefused {
		t.Fatalf("second restore of the same backup: exit %d, want %d\n%s", code, cli.ExitRefused, stderr)
	}
	// Each broker: the previous data folder (rm -r) and the configuration the first restore
	// replaced (rm), both kept by the first restore.
	commands := regexp.MustCompile(`\((rm(?: -r)?) ([^)]+)\)`).FindAllStringSubmatch(stderr, -1)
	named := map[string]bool{}
	for _, c := range commands {
		named[c[2]] = true
	}
	for _, b := range e.c.Brokers {
		for _, want := range []string{restore.PreviousDir(b.DataDir, "b2down"), b.ConfigPath + ".pre-restore-b2down"} {
			if !named[want] {
				t.Errorf("the refusal does not name %s to remove:\n%s", want, stderr)
			}
		}
	}
	if len(named) != 2*len(e.c.Brokers) {
		t.Fatalf("the refusal names %d paths to remove, want two per broker:\n%s", len(named), stderr)
	}
	e.checkAllReady(t, stderr)
	for _, c := range commands {
		args := append(strings.Fields(c[1]), c[2])
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if code, _, stderr := e.run("restore", "b2down"); code != 0 {
		t.Fatalf("restore once the named folders are removed: exit %d\n%s", code, stderr)
	}
	e.checkAllReady(t, stderr)
}
