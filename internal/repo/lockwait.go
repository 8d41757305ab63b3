package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// LockStaleAfter is how long a lock held by a process that may still run (on another host, or
// alive on this one) counts as fresh: from its holder's Since, or from its last rewrite when
// later (the operation rewrites it as it goes on). A stale lock is never broken by a run that
// wants it: the messages say so and how to break it ('zeebe-backup recover'), as a cold backup
// of a large cluster may hold it for hours without rewriting it.
const LockStaleAfter = 6 * time.Hour

// HolderState is what this host can tell about a lock's holder.
type HolderState int

const (
	// HolderElsewhere: the holder runs on another host; whether it still runs is unknown.
	HolderElsewhere HolderState = iota
	// HolderAlive: the holder is a zeebe-backup process that still runs on this host.
	HolderAlive
	// HolderGone: the holder ran on this host and no longer does: the lock will not be
	// released by it, and 'zeebe-backup recover' may take it over at once.
	HolderGone
)

// State tells whether the holder still runs, when it ran on this host. A process id that is
// now another program's counts as gone. This process itself counts as gone: a run never waits
// for itself.
func (h Holder) State() HolderState {
	host, _ := os.Hostname()
	if h.Host != host {
		return HolderElsewhere
	}
	if h.PID <= 0 || h.PID == os.Getpid() {
		return HolderGone
	}
	if err := syscall.Kill(h.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return HolderGone
	}
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", h.PID))
	if err != nil || !strings.Contains(string(cmd), "zeebe-backup") {
		return HolderGone
	}
	return HolderAlive
}

// LockWait makes Acquire and CheckUnlocked wait for a lock held by another run: they retry
// with backoff until the lock is free or For has passed, calling Waiting before each pause.
// A lock whose holder is gone from this host is not waited for: it will not be released.
type LockWait struct {
	For     time.Duration
	Waiting func(held *LockedError, waited, limit time.Duration)
}

// WithLockWait returns the repository with Acquire and CheckUnlocked waiting as w says.
func (r *Repo) WithLockWait(w LockWait) *Repo {
	c := *r
	c.wait = w
	return &c
}

// Backoff of the lock wait: the first pause, doubled up to the longest.
const (
	lockRetryFirst   = 200 * time.Millisecond
	lockRetryLongest = 5 * time.Second
)

// retryLocked calls try until it does not fail with ErrLocked, or the wait has passed, or the
// holder is gone from this host (it will never release the lock).
func (r *Repo) retryLocked(ctx context.Context, try func() error) error {
	start := time.Now()
	pause := lockRetryFirst
	for {
		err := try()
		if err == nil || !errors.Is(err, ErrLocked) || r.wait.For <= 0 {
			return err
		}
		var held *LockedError
		if errors.As(err, &held) && held.State == HolderGone {
			return err
		}
		waited := time.Since(start)
		left := r.wait.For - waited
		if left <= 0 {
			return fmt.Errorf("%w (waited %s, --retry-lock)", err, waited.Round(time.Second))
		}
		if r.wait.Waiting != nil && held != nil {
			r.wait.Waiting(held, waited, r.wait.For)
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, lockRetryLongest)
	}
}

// lockedError describes the held lock l: the state of its holder and how long since the lock
// was last written.
func (r *Repo) lockedError(ctx context.Context, l Lock) *LockedError {
	e := &LockedError{Location: r.Location(), Lock: l, State: l.Holder.State(), Refreshed: l.Holder.Since}
	if in, err := r.s.Stat(ctx, lockKey); err == nil && in.ModTime.After(e.Refreshed) {
		e.Refreshed = in.ModTime
	}
	e.Age = time.Since(e.Refreshed)
	return e
}
