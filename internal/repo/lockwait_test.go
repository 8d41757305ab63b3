package repo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// plantLock writes a lock held by h, written (ModTime) at written.
func plantLock(t *testing.T, dir string, h repo.Holder, written time.Time) {
	t.Helper()
	b, err := json.Marshal(repo.Lock{FormatVersion: 1, Holder: h})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "lock.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, written, written); err != nil {
		t.Fatal(err)
	}
}

func localRepo(t *testing.T) (*repo.Repo, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return repo.Open(s), dir
}

func lockedErr(t *testing.T, err error) *repo.LockedError {
	t.Helper()
	var le *repo.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("got %v; want a *LockedError", err)
	}
	return le
}

func TestLockStaleness(t *testing.T) {
	ctx := context.Background()
	host, _ := os.Hostname()
	now := time.Now()

	// A dead process of this host: the lock can be taken over by recover at once.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	// A live zeebe-backup process of this host.
	alive := exec.Command("bash", "-c", "exec -a zeebe-backup sleep 30")
	if err := alive.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alive.Process.Kill(); alive.Wait() })
	time.Sleep(200 * time.Millisecond) // until exec has renamed it

	cases := []struct {
		name    string
		holder  repo.Holder
		written time.Time
		state   repo.HolderState
		stale   bool
		says    string
	}{
		{"dead on this host", repo.Holder{Host: host, PID: dead.Process.Pid, Since: now}, now, repo.HolderGone, false,
			"no longer runs on this host: run 'zeebe-backup recover'"},
		{"alive on this host", repo.Holder{Host: host, PID: alive.Process.Pid, Since: now}, now, repo.HolderAlive, false,
			"still runs on this host: wait for it (--retry-lock"},
		{"alive on this host, not written for 7h", repo.Holder{Host: host, PID: alive.Process.Pid, Since: now.Add(-8 * time.Hour)}, now.Add(-7 * time.Hour), repo.HolderAlive, true,
			"the lock is stale (not written for 7h0m0s, over 6h0m0s) but that process still runs on this host: if it hangs, stop it"},
		{"another host, recent", repo.Holder{Host: "other-host", PID: 1, Since: now.Add(-time.Hour)}, now.Add(-time.Hour), repo.HolderElsewhere, false,
			"it may still run on other-host: wait for it"},
		{"another host, taken long ago but rewritten lately", repo.Holder{Host: "other-host", PID: 1, Since: now.Add(-10 * time.Hour)}, now.Add(-time.Minute), repo.HolderElsewhere, false,
			"it may still run on other-host"},
		{"another host, stale", repo.Holder{Host: "other-host", PID: 1, Since: now.Add(-7 * time.Hour)}, now.Add(-7 * time.Hour), repo.HolderElsewhere, true,
			"the lock is stale (not written for 7h0m0s, over 6h0m0s): if that run on other-host is gone, run 'zeebe-backup recover'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, dir := localRepo(t)
			plantLock(t, dir, c.holder, c.written)
			for what, err := range map[string]error{"Acquire": r.Acquire(ctx, repo.Lock{Holder: repo.ThisProcess("t", now)}), "CheckUnlocked": r.CheckUnlocked(ctx)} {
				le := lockedErr(t, err)
				if le.State != c.state || le.Stale() != c.stale || !strings.Contains(err.Error(), c.says) {
					t.Errorf("%s: state %v stale %v: %v; want state %v stale %v saying %q", what, le.State, le.Stale(), err, c.state, c.stale, c.says)
				}
			}
			// Never broken: the lock is the holder's still.
			if l, err := r.ReadLock(ctx); err != nil || l == nil || l.Holder.PID != c.holder.PID {
				t.Errorf("the lock after the attempts: %+v, %v", l, err)
			}
		})
	}
}

// With a wait, Acquire retries until the holder releases the lock, and says so while waiting.
func TestAcquireWaitsForALockReleasedMeanwhile(t *testing.T) {
	ctx := context.Background()
	base := repo.Open(mem.New())
	other := repo.Holder{Host: "other-host", PID: 7, Command: "zeebe-backup backup", Since: time.Now()}
	if err := base.Acquire(ctx, repo.Lock{Holder: other}); err != nil {
		t.Fatal(err)
	}
	var waits []string
	r := base.WithLockWait(repo.LockWait{For: 20 * time.Second, Waiting: func(held *repo.LockedError, waited, limit time.Duration) {
		waits = append(waits, held.Lock.Holder.Host)
	}})
	go func() {
		time.Sleep(700 * time.Millisecond)
		base.Release(ctx)
	}()
	start := time.Now()
	if err := r.Acquire(ctx, repo.Lock{Holder: repo.ThisProcess("zeebe-backup delete x", time.Now())}); err != nil {
		t.Fatalf("Acquire with a wait: %v", err)
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("acquired after %s, before the holder released it", d)
	}
	if len(waits) == 0 || waits[0] != "other-host" {
		t.Errorf("waiting reported %q; want the holder's host at least once", waits)
	}
	if l, _ := base.ReadLock(ctx); l == nil || !strings.Contains(l.Holder.Command, "delete") {
		t.Errorf("the lock is now %+v; want this run's", l)
	}
	// Without a wait, the held lock fails at once.
	if err := base.Acquire(ctx, repo.Lock{Holder: other}); !errors.Is(err, repo.ErrLocked) {
		t.Errorf("Acquire without a wait on a held lock: %v", err)
	}
}

// The wait ends with the lock error once its duration passed; a holder gone from this host is
// not waited for.
func TestAcquireWaitGivesUp(t *testing.T) {
	ctx := context.Background()
	r, dir := localRepo(t)
	plantLock(t, dir, repo.Holder{Host: "other-host", PID: 7, Since: time.Now()}, time.Now())
	w := r.WithLockWait(repo.LockWait{For: 900 * time.Millisecond})
	start := time.Now()
	err := w.CheckUnlocked(ctx)
	if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second || !strings.Contains(err.Error(), "waited") {
		t.Errorf("gave up after %s with %v; want after the 900ms wait, saying it waited", d, err)
	}
	lockedErr(t, err)

	host, _ := os.Hostname()
	var buf bytes.Buffer
	dead := exec.Command("true")
	dead.Stdout = &buf
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	plantLock(t, dir, repo.Holder{Host: host, PID: dead.Process.Pid, Since: time.Now()}, time.Now())
	w = r.WithLockWait(repo.LockWait{For: time.Minute})
	start = time.Now()
	if err := w.Acquire(ctx, repo.Lock{}); lockedErr(t, err).State != repo.HolderGone || time.Since(start) > 2*time.Second {
		t.Errorf("waiting for a holder gone from this host: %v after %s; want the error at once", err, time.Since(start))
	}
}
