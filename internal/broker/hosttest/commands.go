package hosttest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
)

func (s suite) commands(t *testing.T) {
	s.cases(t, []namedCase{
		{"Name", func(e *env) {
			if e.h.Name() == "" {
				e.t.Error("Name is empty; it names the host in messages")
			}
		}},
		{"RunReturnsTheEndOfItsOutput", runOutput},
		{"RunFailsOnAnExitStatus", func(e *env) {
			out, err := e.h.Run(e.ctx, "echo failing; exit 3", 10*time.Second, nil)
			if err == nil || !strings.Contains(out, "failing") {
				e.t.Errorf("exit 3: output %q, error %v; want an error and the output", out, err)
			}
		}},
		{"RunTimeoutKillsTheProcessGroup", runTimeout},
		{"RunGatesTheCommandUntilStarted", runGated},
		{"RunRefusedByStartedNeverRuns", runRefused},
		{"SettleFinishedCommand", func(e *env) {
			var g broker.Group
			if _, err := e.h.Run(e.ctx, "true", 10*time.Second, func(got broker.Group) error { g = got; return nil }); err != nil {
				e.t.Fatal(err)
			}
			if running, err := e.h.Settle(e.ctx, g, time.Second, time.Second); running || err != nil {
				e.t.Errorf("Settle of a command that ended: running %v, %v; want false, nil", running, err)
			}
		}},
		{"SettleWaitsForACommandThatEnds", settleWaits},
		{"SettleEndsAHungCommandWithItsGroup", settleEndsHung},
		{"SettleNeverSignalsAnotherProcess", settleNeverSignalsAnother},
		{"SettleOfACommandJustStarted", settleJustStarted},
	})
}

// Combined output, bounded to its last MaxOutput bytes.
func runOutput(e *env) {
	out, err := e.h.Run(e.ctx, `echo to-stderr >&2; i=0; while [ $i -lt 2000 ]; do echo "line $i of the output"; i=$((i+1)); done; echo END`, 30*time.Second, nil)
	if err != nil {
		e.t.Fatalf("%v\n%s", err, out)
	}
	if len(out) != broker.MaxOutput || !strings.HasSuffix(out, "line 1999 of the output\nEND\n") {
		e.t.Errorf("about 44 KB of output: got %d bytes ending %q; want the last %d bytes", len(out), out[max(0, len(out)-40):], broker.MaxOutput)
	}
	out, err = e.h.Run(e.ctx, "echo to-stdout; echo to-stderr >&2", 10*time.Second, nil)
	if err != nil || !strings.Contains(out, "to-stdout\n") || !strings.Contains(out, "to-stderr\n") {
		e.t.Errorf("output %q, %v; want standard output and error combined", out, err)
	}
}

// At the timeout, what the command started in the background dies with it.
func runTimeout(e *env) {
	pidfile := e.p("bg.pid")
	began := time.Now()
	out, err := e.h.Run(e.ctx, "sleep 60 </dev/null >/dev/null 2>&1 & echo $! > "+q(pidfile)+"; echo started; sleep 60", 500*time.Millisecond, nil)
	if err == nil || !strings.Contains(out, "started") {
		e.t.Fatalf("a command past its timeout: output %q, error %v; want an error and the output so far", out, err)
	}
	if d := time.Since(began); d > 10*time.Second {
		e.t.Errorf("Run returned %s after its timeout of 500ms", d)
	}
	pid := e.readPID(pidfile)
	e.t.Cleanup(func() { e.kill(pid) })
	e.waitEnded(pid, "the command started in its group, survived the timeout")
}

// started gets the command's group before the command runs.
func runGated(e *env) {
	flag := e.p("ran")
	var g broker.Group
	// The command writes its own process group (field 5 of /proc/$$/stat; sh's name has no
	// space), which must be the group started was given.
	command := "read -r pid comm state ppid pgrp rest < /proc/$$/stat && echo $pgrp > " + q(flag)
	out, err := e.h.Run(e.ctx, command, 10*time.Second, func(got broker.Group) error {
		g = got
		for range 3 {
			if _, err := e.h.Stat(e.ctx, flag); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("the command ran before started returned (Stat: %v)", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	})
	if err != nil {
		e.t.Fatalf("%v\n%s", err, out)
	}
	b, err := e.h.ReadFile(e.ctx, flag)
	if err != nil {
		e.t.Fatalf("the command did not run: %v", err)
	}
	if got := strings.TrimSpace(string(b)); g.PGID <= 1 || got != strconv.Itoa(g.PGID) || g.Start == 0 {
		e.t.Errorf("started was given %+v; the command ran in process group %s", g, got)
	}
}

func runRefused(e *env) {
	flag := e.p("ran")
	refused := errors.New("the record could not be written")
	_, err := e.h.Run(e.ctx, "touch "+q(flag), 10*time.Second, func(broker.Group) error { return refused })
	if !errors.Is(err, refused) {
		e.t.Fatalf("Run returned %v; want started's error", err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := e.h.Stat(e.ctx, flag); !errors.Is(err, fs.ErrNotExist) {
		e.t.Fatalf("the command ran though started refused (Stat: %v)", err)
	}
}

// start runs command in the background through Run, and returns its group once started got it
// and the channel Run's error arrives on.
func (e *env) start(command string) (broker.Group, <-chan error) {
	e.t.Helper()
	gc := make(chan broker.Group, 1)
	done := make(chan error, 1)
	go func() {
		out, err := e.h.Run(context.Background(), command, time.Minute, func(g broker.Group) error { gc <- g; return nil })
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		done <- err
	}()
	select {
	case g := <-gc:
		return g, done
	case err := <-done:
		e.t.Fatalf("Run %q: %v", command, err)
	case <-time.After(30 * time.Second):
		e.t.Fatalf("Run %q did not call started within 30s", command)
	}
	return broker.Group{}, nil
}

// wait is Run's result, failing the case when it takes longer than d.
func (e *env) wait(done <-chan error, d time.Duration) error {
	e.t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		e.t.Fatalf("the command still runs after %s", d)
		return nil
	}
}

// A command that ends within wait is waited for, never signalled.
func settleWaits(e *env) {
	flag := e.p("done")
	g, done := e.start("sleep 0.5; echo done > " + q(flag))
	running, err := e.h.Settle(e.ctx, g, 20*time.Second, time.Second)
	if err != nil || !running {
		e.t.Fatalf("Settle of a running command: running %v, %v; want true, nil", running, err)
	}
	if _, err := e.h.Stat(e.ctx, flag); err != nil {
		e.t.Errorf("Settle returned before the command ended (Stat of what it writes last: %v)", err)
	}
	if err := e.wait(done, 10*time.Second); err != nil {
		e.t.Errorf("the command was signalled: %v", err)
	}
}

// A command that ignores SIGTERM is killed after grace, with what it started in its group.
func settleEndsHung(e *env) {
	pidfile := e.p("bg.pid")
	g, done := e.start("trap '' TERM; sleep 60 </dev/null >/dev/null 2>&1 & echo $! > " + q(pidfile) + "; sleep 60")
	e.eventually(10*time.Second, func() (bool, string) {
		_, err := e.h.Stat(e.ctx, pidfile)
		return err == nil, fmt.Sprintf("the command did not start its background process: %v", err)
	})
	pid := e.readPID(pidfile)
	e.t.Cleanup(func() { e.kill(pid) })
	began := time.Now()
	running, err := e.h.Settle(e.ctx, g, 300*time.Millisecond, 300*time.Millisecond)
	if err != nil || !running {
		e.t.Fatalf("Settle of a hung command: running %v, %v; want true, nil", running, err)
	}
	if d := time.Since(began); d > 10*time.Second {
		e.t.Errorf("ending a hung command took %s", d)
	}
	if err := e.wait(done, 10*time.Second); err == nil {
		e.t.Error("the hung command ended as if nothing happened; want it killed")
	}
	e.waitEnded(pid, "started in the command's group, survived Settle")
}

// A group whose leader started at another time, or runs another command, is not the recorded
// command: Settle leaves it alone.
func settleNeverSignalsAnother(e *env) {
	flag := e.p("done")
	command := "sleep 1; echo done > " + q(flag)
	g, done := e.start(command)
	for _, other := range []broker.Group{
		{PGID: g.PGID, Start: g.Start + 1},
		{PGID: g.PGID, Start: g.Start, Command: "another command"},
	} {
		if running, err := e.h.Settle(e.ctx, other, 0, 100*time.Millisecond); running || err != nil {
			e.t.Errorf("Settle of %+v, a group that is not the running command %+v: running %v, %v; want false, nil", other, g, running, err)
		}
	}
	g.Command = command
	if running, err := e.h.Settle(e.ctx, g, 20*time.Second, time.Second); !running || err != nil {
		e.t.Errorf("Settle of the recorded command: running %v, %v; want true, nil", running, err)
	}
	if err := e.wait(done, 10*time.Second); err != nil {
		e.t.Errorf("the command was signalled: %v", err)
	}
	if _, err := e.h.Stat(e.ctx, flag); err != nil {
		e.t.Errorf("the command did not finish: %v", err)
	}
}

// A command is running from the moment started got its group, while its leader turns from the
// gate's shell into the command's (exec) too: Settle called then waits for it.
func settleJustStarted(e *env) {
	for i := range 20 {
		flag := e.p(fmt.Sprintf("done-%d", i))
		command := "sleep 0.05; echo done > " + q(flag)
		g, done := e.start(command)
		g.Command = command
		running, err := e.h.Settle(e.ctx, g, 20*time.Second, time.Second)
		if err != nil || !running {
			e.t.Fatalf("try %d: Settle of a command just started: running %v, %v; want true, nil", i, running, err)
		}
		if _, err := e.h.Stat(e.ctx, flag); err != nil {
			e.t.Fatalf("try %d: Settle returned before the command ended (Stat of what it writes last: %v)", i, err)
		}
		if err := e.wait(done, 10*time.Second); err != nil {
			e.t.Fatalf("try %d: the command was signalled: %v", i, err)
		}
	}
}

func (e *env) readPID(pidfile string) int {
	e.t.Helper()
	b, err := e.h.ReadFile(e.ctx, pidfile)
	if err != nil {
		e.t.Fatalf("read the process id the command wrote: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		e.t.Fatalf("%s holds %q, not a process id", pidfile, b)
	}
	return pid
}

// background starts script in a subshell in the background, its output and input detached,
// and returns the subshell's process id (the script ends with exec, so that the process it
// runs keeps that id). The process is killed when the case ends.
func (e *env) background(script string) int {
	e.t.Helper()
	pidfile := e.p(fmt.Sprintf("bg-%d.pid", time.Now().UnixNano()))
	e.sh("(" + script + ") </dev/null >/dev/null 2>&1 & echo $! > " + q(pidfile))
	pid := e.readPID(pidfile)
	e.t.Cleanup(func() { e.kill(pid) })
	if err := e.h.RemoveAll(e.ctx, pidfile); err != nil {
		e.t.Fatal(err)
	}
	return pid
}

// kill ends a sleep the suite started, if it still runs and is still a sleep (a recycled
// process id is left alone).
func (e *env) kill(pid int) {
	ctx := context.Background() // the case's context is over when its clean-up runs
	p, err := e.h.Inspect(ctx, pid)
	if err != nil || !slices.Equal(p.Args[:min(1, len(p.Args))], []string{"sleep"}) {
		return
	}
	if out, err := e.h.Run(ctx, "kill -9 "+strconv.Itoa(pid), 10*time.Second, nil); err != nil {
		e.t.Errorf("kill the suite's process %d: %v\n%s", pid, err, out)
	}
}

// waitEnded waits until Inspect says that pid ended; why says what the process is and what it
// means when it does not end. While it dies, Inspect may only say that it runs or that it ended
// (fs.ErrNotExist): a process killed and not yet reaped by its parent (a zombie) has ended.
func (e *env) waitEnded(pid int, why string) {
	e.t.Helper()
	e.eventually(10*time.Second, func() (bool, string) {
		_, err := e.h.Inspect(e.ctx, pid)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			e.t.Fatalf("Inspect of process %d, which is ending or ended: %v; want an error that wraps fs.ErrNotExist once it ended", pid, err)
		}
		return err != nil, fmt.Sprintf("process %d, which %s", pid, why)
	})
}
