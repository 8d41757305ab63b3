package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// markerFile is a file the tests put at the top of each data folder to tell which data a broker
// runs on while it writes to the rest.
const markerFile = "zb-test-marker"

func (e *env) mark(value string) {
	e.t.Helper()
	for _, b := range e.c.Brokers {
		if err := os.WriteFile(filepath.Join(b.DataDir, markerFile), []byte(value), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// markers reads every broker's marker ("" when absent).
func (e *env) markers() map[int]string {
	out := map[int]string{}
	for _, b := range e.c.Brokers {
		raw, _ := os.ReadFile(filepath.Join(b.DataDir, markerFile))
		out[b.NodeID] = string(raw)
	}
	return out
}

func (e *env) wantMarkers(value string) {
	e.t.Helper()
	for n, v := range e.markers() {
		if v != value {
			e.t.Errorf("broker %d runs on %q data, want %q (all: %v)", n, v, value, e.markers())
		}
	}
}

func (e *env) wantAllReady(what string) {
	e.t.Helper()
	for _, b := range e.c.Brokers {
		if !ready(b) {
			e.t.Errorf("%s: broker %d is not ready", what, b.NodeID)
		}
	}
}

// fill adds n small files to a broker's data folder, so that removing it takes a while.
func fill(t *testing.T, dir string, n int) {
	t.Helper()
	d := filepath.Join(dir, "zb-test-filler")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 10.1: a restore --discard-previous killed while it removes the previous folders (broker
// 0's gone, broker 1's half removed): recover must finish it on the restored data on every
// broker, never hand broker 1 its half-removed folder back.
func TestRecoverAfterKilledDiscardRollsForward(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	e.mark("backup")
	if code, _, stderr := e.run("backup", "--id", "b1"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	e.mark("previous")
	fill(t, e.c.Brokers[1].DataDir, 30000)
	prev0 := restore.PreviousDir(e.c.Brokers[0].DataDir, "b1")
	p := e.startTool(nil, "restore", "b1", "--discard-previous")
	seen := false
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := os.Stat(prev0)
		if err == nil {
			seen = true
		} else if seen {
			break // broker 0's previous data is removed: broker 1's is being removed now
		}
		select {
		case <-p.done:
			t.Fatalf("the restore ended before it was killed (exit %d):\n%s", p.cmd.ProcessState.ExitCode(), p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the previous data of broker 0 was not removed:\n%s", p.stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	p.kill()
	code, out, stderr := e.run("recover")
	if code != 0 {
		t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
	}
	e.wantAllReady("after recover")
	e.wantMarkers("backup")
	for _, b := range e.c.Brokers {
		if _, err := os.Stat(restore.PreviousDir(b.DataDir, "b1")); err == nil {
			t.Errorf("broker %d: the previous data is left though the restore discards it", b.NodeID)
		}
		if _, err := os.Stat(filepath.Join(b.DataDir, "zb-test-filler")); err == nil {
			t.Errorf("broker %d: runs on (part of) the previous data", b.NodeID)
		}
	}
}

// Issue 10.2: a backup killed one second into a slow stop, then recover at once: recover waits
// for (or ends) the stop commands the killed run left, so none of them stops a broker after
// recover said they run again.
func TestRecoverWaitsForTheLeftStopCommands(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	e.writeClusterFile(e.clusterFile, func(y *brokerYAML) { y.Stop = "sleep 3; " + y.Stop })
	pause, resume := pauseAt(t, "stopping")
	p := e.startTool(pause, "backup", "--id", "slow")
	p.waitPaused("stopping")
	resume()
	time.Sleep(time.Second)
	p.kill()
	code, out, stderr := e.run("recover")
	if code != 0 {
		t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
	}
	e.wantAllReady("right after recover")
	time.Sleep(4 * time.Second) // longer than the stop commands had left
	e.wantAllReady("4 s after recover")
	if code, out, _ := e.run("status"); code != 0 {
		t.Errorf("status after recover: exit %d\n%s", code, out)
	}
}

// Issue 10.2: a restore killed while its (slow) start commands run: recover waits for them
// before it acts (none is left running when it returns), rolls back, and succeeds the first
// time. The start commands are slow only for the killed restore (while the flag file exists).
func TestRecoverWaitsForTheLeftStartCommands(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	e.mark("backup")
	if code, _, stderr := e.run("backup", "--id", "b1"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	e.mark("previous")
	flag := filepath.Join(t.TempDir(), "slow")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	e.writeClusterFile(e.clusterFile, func(y *brokerYAML) { y.Start = fmt.Sprintf("if [ -e %s ]; then sleep 3.123; fi; %s", flag, y.Start) })
	pause, resume := pauseAt(t, "starting")
	p := e.startTool(pause, "restore", "b1")
	p.waitPaused("starting")
	resume()
	time.Sleep(500 * time.Millisecond)
	p.kill()
	if err := os.Remove(flag); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := e.run("recover")
	if code != 0 {
		t.Fatalf("the first recover: exit %d\n%s\n%s", code, out, stderr)
	}
	if left := processesWithArgs("sleep", "3.123"); len(left) > 0 {
		t.Errorf("the start commands of the killed restore still run after recover returned: pids %v", left)
	}
	e.wantAllReady("after recover")
	e.wantMarkers("previous")
}

// processesWithArgs lists the processes whose command line is exactly args.
func processesWithArgs(args ...string) []int {
	want := strings.Join(args, "\x00") + "\x00"
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, en := range entries {
		var pid int
		if _, err := fmt.Sscan(en.Name(), &pid); err != nil {
			continue
		}
		if raw, err := os.ReadFile(filepath.Join("/proc", en.Name(), "cmdline")); err == nil && string(raw) == want {
			out = append(out, pid)
		}
	}
	return out
}

// Issue 10.3: a failed restore whose rollback would need a name that is taken: recover refuses
// before it stops any broker, names the folder, and succeeds once it is moved away.
func TestRecoverChecksTheRollbackBeforeStopping(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	e.mark("backup")
	if code, _, stderr := e.run("backup", "--id", "b1"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	e.mark("previous")
	failing := filepath.Join(t.TempDir(), "failing.yaml")
	e.writeClusterFile(failing, func(y *brokerYAML) {
		if y.NodeID == 2 {
			y.Start, y.StartLimit = "true", "3s"
		}
	})
	good := e.clusterFile
	e.clusterFile = failing
	code, _, stderr := e.run("restore", "b1")
	e.clusterFile = good
	if code != cli.ExitIncomplete {
		t.Fatalf("restore with broker 2 not starting: exit %d, want %d\n%s", code, cli.ExitIncomplete, stderr)
	}
	var running []int
	for _, b := range e.c.Brokers[:2] {
		e.waitReady(b)
		running = append(running, b.NodeID)
	}
	taken := restore.FailedDir(e.c.Brokers[0].DataDir, "b1")
	if err := os.Mkdir(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := e.run("recover")
	if code == 0 || !strings.Contains(stderr, taken) {
		t.Fatalf("recover with %s taken: exit %d, want a refusal naming it\n%s\n%s", taken, code, out, stderr)
	}
	for _, n := range running {
		if !ready(e.c.Brokers[n]) {
			t.Errorf("broker %d was stopped by a recover that could not finish", n)
		}
	}
	if err := os.Remove(taken); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := e.run("recover"); code != 0 {
		t.Fatalf("recover once the folder is gone: exit %d\n%s\n%s", code, out, stderr)
	}
	e.wantAllReady("after recover")
	e.wantMarkers("previous")
}

// Issue 10.3: pre-flight checks every name the restore creates, the kept configuration's too: a
// second restore of the same backup after a --discard-previous one would replace the
// configuration the first one kept.
func TestRestorePreflightChecksTheKeptConfigurationName(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "b1"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := e.run("restore", "b1", "--discard-previous"); code != 0 {
		t.Fatalf("restore: exit %d\n%s", code, stderr)
	}
	kept := restore.PreviousConfig(e.c.Brokers[0].ConfigPath, "b1")
	before, err := os.ReadFile(kept)
	if err != nil {
		t.Fatalf("the first restore kept no configuration: %v", err)
	}
	if err := os.WriteFile(kept, append(before, []byte("# the target's own\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := e.run("restore", "b1")
	if code != cli.ExitRefused || !strings.Contains(stderr, kept) {
		t.Fatalf("a second restore of b1: exit %d, want %d naming %s\n%s", code, cli.ExitRefused, kept, stderr)
	}
	if after, _ := os.ReadFile(kept); !strings.Contains(string(after), "# the target's own") {
		t.Errorf("the kept configuration %s was replaced", kept)
	}
	e.wantAllReady("after the refusal")
}
