package broker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeStat(t *testing.T, proc string, pid, pgrp int, state string, start uint64) {
	t.Helper()
	dir := filepath.Join(proc, itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
	// stime cutime cstime priority nice threads itrealvalue starttime ...
	line := itoa(pid) + " (sh (x) y) " + state + " 1 " + itoa(pgrp) + " 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + itoa(int(start)) + " 0 0\n"
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A recorded command is running only while its shell (the group's leader, with the recorded
// start time) runs: a recycled pid, an exited (zombie) shell or what it left in its group are
// not the command.
func TestGroupAlive(t *testing.T) {
	proc := t.TempDir()
	writeStat(t, proc, 100, 100, "S", 5000) // the command's shell
	writeStat(t, proc, 200, 200, "S", 9000) // pid 200 recycled: started later
	writeStat(t, proc, 300, 300, "Z", 7000) // the shell exited
	writeStat(t, proc, 301, 300, "S", 7001) // a broker it started in the background
	for _, c := range []struct {
		g    Group
		want bool
	}{
		{Group{PGID: 100, Start: 5000}, true},
		{Group{PGID: 200, Start: 4000}, false},
		{Group{PGID: 300, Start: 7000}, false},
		{Group{PGID: 400, Start: 1}, false},
	} {
		got, err := groupAlive(proc, c.g)
		if err != nil || got != c.want {
			t.Errorf("group %+v: alive %v (%v), want %v", c.g, got, err, c.want)
		}
	}
	// With the command to expect, only a leader running it (before or after the gate) counts.
	args := func(a ...string) []byte { return []byte(strings.Join(a, "\x00") + "\x00") }
	os.WriteFile(filepath.Join(proc, "100", "cmdline"), args("/bin/sh", "-c", "stop-it"), 0o644)
	for cmd, want := range map[string]bool{"stop-it": true, "start-it": false} {
		if got, err := groupAlive(proc, Group{PGID: 100, Start: 5000, Command: cmd}); err != nil || got != want {
			t.Errorf("leader running 'stop-it', expected %q: alive %v (%v), want %v", cmd, got, err, want)
		}
	}
	os.WriteFile(filepath.Join(proc, "100", "cmdline"), args("/bin/sh", "-c", gate, "zeebe-backup-command", "stop-it"), 0o644)
	if got, _ := groupAlive(proc, Group{PGID: 100, Start: 5000, Command: "stop-it"}); !got {
		t.Error("a leader still at the gate is not taken for its command")
	}
	if _, err := groupAlive(proc, Group{PGID: 1}); err == nil {
		t.Error("process group 1 is accepted")
	}
}

// Settle waits for a command that ends on its own and never signals it; one that does not end
// in time is ended with its group.
func TestSettleWaitsThenEnds(t *testing.T) {
	ctx := context.Background()
	run := func(command string) (Group, chan error) {
		gc := make(chan Group, 1)
		done := make(chan error, 1)
		go func() {
			_, err := Local{}.Run(ctx, command, time.Minute, func(g Group) error { gc <- g; return nil })
			done <- err
		}()
		return <-gc, done
	}
	g, done := run("sleep 0.5")
	began := time.Now()
	running, err := Local{}.Settle(ctx, g, 10*time.Second, time.Second)
	if err != nil || !running || time.Since(began) < 300*time.Millisecond {
		t.Fatalf("a command that ends on its own: running %v, %v, after %s", running, err, time.Since(began))
	}
	if err := <-done; err != nil {
		t.Errorf("the command was signalled: %v", err)
	}
	g, done = run("trap '' TERM; sleep 60")
	began = time.Now()
	running, err = Local{}.Settle(ctx, g, 300*time.Millisecond, 300*time.Millisecond)
	if err != nil || !running {
		t.Fatalf("a hung command: running %v, %v", running, err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("ending a hung command took %s", d)
	}
	if err := <-done; err == nil {
		t.Error("the hung command was not ended")
	}
	if running, err := (Local{}).Settle(ctx, g, time.Second, time.Second); running || err != nil {
		t.Errorf("a command that ended: running %v, %v", running, err)
	}
}

// The command runs only once its group is recorded: a failed record means it never runs.
func TestRunGatesTheCommandUntilRecorded(t *testing.T) {
	ctx := context.Background()
	flag := filepath.Join(t.TempDir(), "ran")
	refused := errors.New("the record could not be written")
	_, err := Local{}.Run(ctx, "touch "+flag, 5*time.Second, func(Group) error { return refused })
	if !errors.Is(err, refused) {
		t.Fatalf("Run returned %v, want the record's error", err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := os.Stat(flag); err == nil {
		t.Fatal("the command ran though its group was not recorded")
	}
	var seen Group
	if _, err := (Local{}).Run(ctx, "touch "+flag, 5*time.Second, func(g Group) error { seen = g; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(flag); err != nil || seen.PGID <= 1 || seen.Start == 0 {
		t.Fatalf("the command did not run (%v) or its group %+v was not given", err, seen)
	}
}

// A data folder that is absent (a restore killed between its two renames) holds nothing: a
// broker whose endpoint does not answer is proven down at once.
func TestProveDownAbsentDataFolder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := ProveDown(ctx, Local{}, "http://127.0.0.1:1", filepath.Join(t.TempDir(), "gone"), 50*time.Millisecond); err != nil {
		t.Fatalf("ProveDown of an absent data folder: %v", err)
	}
}

// While the leader execs (the gate's shell turning into the command's), its command line reads
// empty for a moment: that is not another command.
func TestGroupAliveWhileTheLeaderExecs(t *testing.T) {
	proc := t.TempDir()
	writeStat(t, proc, 100, 100, "R", 5000)
	cmdline := filepath.Join(proc, "100", "cmdline")
	if err := os.WriteFile(cmdline, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		time.Sleep(30 * time.Millisecond)
		done <- os.WriteFile(cmdline, []byte("/bin/sh\x00-c\x00stop-it\x00"), 0o644)
	}()
	got, err := groupAlive(proc, Group{PGID: 100, Start: 5000, Command: "stop-it"})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err != nil || !got {
		t.Errorf("a leader whose command line read empty, then the command's: alive %v (%v), want true", got, err)
	}
}
