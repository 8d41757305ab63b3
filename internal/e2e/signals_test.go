package e2e_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// A signal (a dropped SSH session, SIGQUIT, more Ctrl-C) or a closed output pipe at any moment
// of a backup or a restore never leaves a broker down, loses data or leaves anything behind:
// interrupted before the data is captured, the run stops, starts the brokers again, stores
// nothing and exits 130; interrupted while the brokers start, it finishes; with its output
// gone, it carries on to the end. One cluster serves every case.
func TestSignalsNeverLeaveTheClusterDown(t *testing.T) {
	e := newEnv(t, simtest.Options{Partitions: 1, RecordsPerSecond: 100})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "base"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	committed := []string{"base"}
	for _, c := range []struct {
		command string
		moments []string
	}{
		{"backup", []string{"stopping", "archiving", "starting"}},
		{"restore", []string{"stopping", "extracting", "starting"}},
	} {
		for _, moment := range c.moments {
			for _, sig := range []string{"SIGHUP", "SIGQUIT", "SIGPIPE"} {
				id := fmt.Sprintf("%s-%s-%s", c.command, moment, strings.ToLower(sig))
				if !t.Run(id, func(t *testing.T) {
					before := e.positions(t)
					args := []string{"backup", "--id", id}
					if c.command == "restore" {
						args = []string{"restore", "base"}
					}
					var code int
					var stderr string
					if sig == "SIGPIPE" {
						code, stderr = e.runWithOutputClosedAt(t, moment, args...)
					} else {
						code, stderr = e.runSignalledAt(t, moment, sig, args...)
					}
					// Before the data is captured a signal interrupts the run; while the
					// brokers start it finishes; a closed output never stops it.
					finished := sig == "SIGPIPE" || moment == "starting"
					want := cli.ExitOK
					if !finished {
						want = cli.ExitInterrupted
					}
					if code != want {
						t.Fatalf("exit %d, want %d:\n%s", code, want, stderr)
					}
					e.checkAllReady(t, stderr)
					if c.command == "backup" {
						if finished {
							committed = append(committed, id)
						}
						e.checkPositionsKept(t, before)
					} else if !finished {
						e.checkPositionsKept(t, before) // the previous data is back
					} else {
						e.dropPreviousOfRestore(t, "base") // the kept data of a finished restore
					}
					e.checkBackups(t, committed)
					e.checkNothingLeft(t, committed)
				}) {
					return
				}
			}
		}
	}
	// recover, too, finishes what it began: a SIGHUP while it starts the brokers that a
	// killed backup left down does not leave them down.
	t.Run("recover-starting-sighup", func(t *testing.T) {
		pause, _ := pauseAt(t, "archiving")
		p := e.startTool(pause, "backup", "--id", "killed")
		p.waitPaused("archiving")
		p.kill()
		code, stderr := e.runSignalledAt(t, "starting", "SIGHUP", "recover")
		if code != cli.ExitOK {
			t.Fatalf("recover: exit %d\n%s", code, stderr)
		}
		e.checkAllReady(t, stderr)
		e.checkBackups(t, committed)
		e.checkNothingLeft(t, committed)
	})
}

// runSignalledAt runs the tool until it pauses at moment, sends it sig, lets it go on and
// returns its exit status and standard error. SIGQUIT is followed by two Ctrl-C, which must not
// cut the clean-up short.
func (e *env) runSignalledAt(t *testing.T, moment, sig string, args ...string) (int, string) {
	t.Helper()
	pause, resume := pauseAt(t, moment)
	p := e.startTool(pause, args...)
	p.waitPaused(moment)
	signals := map[string][]syscall.Signal{"SIGHUP": {syscall.SIGHUP}, "SIGQUIT": {syscall.SIGQUIT, syscall.SIGINT, syscall.SIGINT}}[sig]
	sent := map[string]int{}
	for _, s := range signals {
		if err := p.cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		name := map[syscall.Signal]string{syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT", syscall.SIGINT: "SIGINT"}[s]
		sent[name]++
		p.waitStderr(name+" received", sent[name])
	}
	resume()
	code, _, stderr := p.wait()
	if len(signals) > 1 && !strings.Contains(stderr, "still finishing") {
		t.Errorf("a later signal is not answered with a wait message:\n%s", stderr)
	}
	return code, stderr
}

// waitStderr waits until standard error holds text n times.
func (p *toolProc) waitStderr(text string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(p.stderr.String(), text) < n {
		select {
		case <-p.done:
			p.t.Fatalf("the tool ended before saying %q (exit %d):\n%s", text, p.cmd.ProcessState.ExitCode(), p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the tool did not say %q:\n%s", text, p.stderr.String())
		}
	}
}

// runWithOutputClosedAt runs the tool with its standard output and error on pipes, closes
// both pipes once it pauses at moment (as 'zeebe-backup backup 2>&1 | head -3' does), lets it
// go on and returns its exit status and what it wrote before.
func (e *env) runWithOutputClosedAt(t *testing.T, moment string, args ...string) (int, string) {
	t.Helper()
	pause, resume := pauseAt(t, moment)
	cmd := exec.Command(toolFor(t, pause), append(args, "--cluster", e.clusterFile)...)
	cmd.Env = append(os.Environ(), pause...)
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	errW.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })

	var seen strings.Builder
	lines := bufio.NewScanner(errR)
	for !strings.Contains(seen.String(), "paused at "+moment) {
		if !lines.Scan() {
			t.Fatalf("the tool did not pause at %s:\n%s", moment, seen.String())
		}
		seen.WriteString(lines.Text() + "\n")
	}
	go io.Copy(io.Discard, outR) // nothing is read from here on: both pipes close
	outR.Close()
	errR.Close()
	resume()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the tool did not finish after its output closed:\n%s", seen.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("the tool died of %v after its output closed at %s:\n%s", ws.Signal(), moment, seen.String())
	}
	return cmd.ProcessState.ExitCode(), seen.String()
}

// positions reads every running broker's positions.
func (e *env) positions(t *testing.T) map[int]sim.Report {
	t.Helper()
	out := map[int]sim.Report{}
	for _, b := range e.c.Brokers {
		out[b.NodeID] = b.Positions(t)
	}
	return out
}

// checkPositionsKept checks that every broker goes on from where it was before the run: no
// record it had processed was lost.
func (e *env) checkPositionsKept(t *testing.T, before map[int]sim.Report) {
	t.Helper()
	for _, b := range e.c.Brokers {
		now := b.Positions(t)
		for part, was := range before[b.NodeID].Partitions {
			if got := now.Partitions[part]; got.ProcessedPosition < was.ProcessedPosition {
				t.Errorf("broker %d partition %d: processed position %d, it was %d before the run", b.NodeID, part, got.ProcessedPosition, was.ProcessedPosition)
			}
		}
	}
}

func (e *env) checkAllReady(t *testing.T, stderr string) {
	t.Helper()
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready after the run:\n%s", b.NodeID, stderr)
		}
	}
}

// checkBackups checks that exactly the given backups are listed.
func (e *env) checkBackups(t *testing.T, want []string) {
	t.Helper()
	var got []string
	for _, m := range e.manifests() {
		got = append(got, m.ID)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("listed backups %v, want %v", got, want)
	}
}

// checkNothingLeft checks that no run left anything: no lock, no unfinished operation, no
// temporary file or backup other than the committed ones in the repository, nothing beside the
// data folders and configurations.
func (e *env) checkNothingLeft(t *testing.T, committed []string) {
	t.Helper()
	if code, out, _ := e.run("status"); code != 0 || !strings.Contains(out, "no unfinished operation") || strings.Contains(out, "locked") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	listed := map[string]bool{}
	for _, id := range committed {
		listed["zeebe-backup-"+id] = true
	}
	filepath.WalkDir(e.repoDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			t.Errorf("walk the repository: %v", err)
			return nil
		}
		rel, _ := filepath.Rel(e.repoDir, path)
		top, _, _ := strings.Cut(rel, string(filepath.Separator))
		switch {
		case rel == ".":
		case strings.HasPrefix(d.Name(), ".tmp-"), d.Name() == "lock.json", !listed[top]:
			t.Errorf("the repository holds %s", rel)
		}
		return nil
	})
	for _, b := range e.c.Brokers {
		for _, dir := range []string{filepath.Dir(b.DataDir), filepath.Dir(b.ConfigPath)} {
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range entries {
				if n := en.Name(); strings.HasPrefix(n, filepath.Base(b.DataDir)+".") || strings.HasPrefix(n, filepath.Base(b.ConfigPath)+".") || strings.Contains(n, ".tmp-") {
					t.Errorf("broker %d: %s is left in %s", b.NodeID, n, dir)
				}
			}
		}
	}
}

// dropPreviousOfRestore removes what a finished restore keeps by design (the previous data
// folders and configurations), so that the next case starts clean.
func (e *env) dropPreviousOfRestore(t *testing.T, id string) {
	t.Helper()
	for _, b := range e.c.Brokers {
		prev := restore.PreviousDir(b.DataDir, id)
		if _, err := os.Stat(prev); err != nil {
			t.Errorf("broker %d: the finished restore did not keep the previous data: %v", b.NodeID, err)
		}
		if err := os.RemoveAll(prev); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(b.ConfigPath + ".pre-restore-" + id); err != nil {
			t.Fatal(err)
		}
	}
}
