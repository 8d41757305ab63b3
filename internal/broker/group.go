package broker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Group is the process group a stop or start command runs in: its leader's pid (the group's
// id) and the leader's start time (clock ticks after boot, field 22 of /proc/<pid>/stat), so
// that a process id the kernel gave to another process since is never taken for the group.
type Group struct {
	PGID  int
	Start uint64
	// Command, when set (Settle), is the command the group must run: a leader whose command
	// line is another (a recycled pid, a forged record) is never taken for it.
	Command string
}

// Started is called by Run with the command's process group once it exists and before the
// command does anything; when it fails, the command never runs.
type Started func(Group) error

// gate holds a command until the tool has written down its process group: the shell reads one
// line first and runs the command only when it is "go". A tool killed before that closes the
// pipe, and the command never runs.
const gate = `IFS= read -r zb_go && [ "$zb_go" = go ] || exit 125; exec /bin/sh -c "$1"`

// procStat is what /proc/<pid>/stat tells about one process.
type procStat struct {
	state byte
	pgrp  int
	start uint64
}

func readProcStat(proc string, pid int) (procStat, error) {
	raw, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	// The command name (field 2) may hold spaces and parentheses: fields follow the last ')'.
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields after the command name, want at least 20", pid, len(f))
	}
	var st procStat
	st.state = f[0][0]
	if st.pgrp, err = strconv.Atoi(f[2]); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: process group %q: %w", pid, f[2], err)
	}
	if st.start, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: start time %q: %w", pid, f[19], err)
	}
	return st, nil
}

// groupAlive tells whether the recorded command still runs: its group's leader (the command's
// shell) has the recorded start time and has not exited. Once the shell returned, the command
// is over; what it left running in its group (a broker started in the background) is not the
// command's to end. A leader pid that now belongs to a process started at another time is
// another process, never signalled.
func groupAlive(proc string, g Group) (bool, error) {
	if g.PGID <= 1 {
		return false, fmt.Errorf("process group %d is not one a command runs in", g.PGID)
	}
	st, err := readProcStat(proc, g.PGID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	if st.start != g.Start || st.pgrp != g.PGID || st.state == 'Z' || st.state == 'X' {
		return false, nil
	}
	if g.Command == "" {
		return true, nil
	}
	raw, err := leaderCmdline(proc, g.PGID)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	// The shell, before and after the gate let the command run.
	args := string(raw)
	return args == strings.Join([]string{"/bin/sh", "-c", gate, "zeebe-backup-command", g.Command}, "\x00")+"\x00" ||
		args == strings.Join([]string{"/bin/sh", "-c", g.Command}, "\x00")+"\x00", nil
}

// leaderCmdline reads the command line of a group's leader. While a process execs (the gate's
// shell turning into the command's), its command line reads empty for a moment: it is read again
// until it is not, for a while.
func leaderCmdline(proc string, pid int) ([]byte, error) {
	for try := 0; ; try++ {
		raw, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "cmdline"))
		if err != nil || len(raw) > 0 || try == 100 {
			return raw, err
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Settle implements Host: it waits up to wait for the command to end on its own, then sends
// its process group SIGTERM, and SIGKILL after grace (as Run does at a timeout), and returns
// once the command ended. It reports whether the command was still running when called.
func (Local) Settle(ctx context.Context, g Group, wait, grace time.Duration) (bool, error) {
	return settleGroup(ctx, "/proc", g, wait, grace, 50*time.Millisecond)
}

func settleGroup(ctx context.Context, proc string, g Group, wait, grace, poll time.Duration) (bool, error) {
	alive, err := groupAlive(proc, g)
	if err != nil || !alive {
		return false, err
	}
	until := func(d time.Duration) (bool, error) {
		end := time.Now().Add(d)
		for {
			alive, err := groupAlive(proc, g)
			if err != nil || !alive {
				return true, err
			}
			if time.Now().After(end) {
				return false, nil
			}
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(poll):
			}
		}
	}
	if done, err := until(wait); done || err != nil {
		return true, err
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		// Checked right before each signal: a group that ended is never signalled.
		if alive, err := groupAlive(proc, g); err != nil || !alive {
			return true, err
		}
		if err := syscall.Kill(-g.PGID, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return true, fmt.Errorf("send %s to process group %d: %w", sig, g.PGID, err)
		}
		if done, err := until(grace); done || err != nil {
			return true, err
		}
	}
	return true, fmt.Errorf("process group %d still runs after SIGKILL", g.PGID)
}
