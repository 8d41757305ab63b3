package workflow_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow/workflowtest"
)

// A broker locked by another run: Begin takes nothing, and the repository lock it had taken is
// released again.
func TestBeginTakesEveryLockOrNone(t *testing.T) {
	c := workflowtest.New(t, 3, 31)
	if err := os.WriteFile(fleet.LockPath(c.DataDirs[2]), []byte(`{"operation":"backup other"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d := c.Deps(nil)
	d.Defaults()
	o, err := workflow.Begin(context.Background(), &d, c.Fleet(), "backup", "b1")
	if o != nil || !errors.Is(err, workflow.ErrNotStarted) || !errors.Is(err, fleet.ErrClusterLocked) {
		t.Fatalf("operation %v, error %v; want ErrNotStarted and ErrClusterLocked", o, err)
	}
	if l := c.Lock(); l != nil {
		t.Errorf("the repository stays locked: %+v", l)
	}
	for _, i := range []int{0, 1} {
		if _, err := os.Lstat(fleet.LockPath(c.DataDirs[i])); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("broker %d stays locked (%v)", i, err)
		}
	}
}

// Resume takes over the record as the interrupted run left it (its holder too), keeps it up to
// date, and End releases every lock; with no lock, or a lock without an operation, there is
// nothing to resume, and such a lock is released.
func TestResumeKeepsTheRecordAndItsHolder(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 2, 32)
	d := c.Deps(nil)
	d.Defaults()
	if o, err := workflow.Resume(ctx, &d, c.Fleet()); o != nil || err != nil {
		t.Fatalf("with no lock: %v, %v; want nothing to resume", o, err)
	}
	begun := d
	begun.Command = "the interrupted run"
	begun.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	if _, err := workflow.Begin(ctx, &begun, c.Fleet(), "backup", "b1"); err != nil {
		t.Fatal(err)
	}
	o, err := workflow.Resume(ctx, &d, c.Fleet())
	if err != nil || o == nil {
		t.Fatalf("resume: %v, %v", o, err)
	}
	if h := o.Holder(); h.Command != "the interrupted run" || !h.Since.Equal(begun.Now()) {
		t.Errorf("holder %+v; want the interrupted run's", h)
	}
	if err := o.Update(ctx, 1, func(b *repo.OpBroker) { b.Stopped = true }); err != nil {
		t.Fatal(err)
	}
	l := c.Lock()
	if l == nil || l.Operation == nil || l.Holder.Command != "the interrupted run" || l.Operation.Brokers[0].Stopped || !l.Operation.Brokers[1].Stopped {
		t.Fatalf("the stored record after the update: %+v", l)
	}
	if got := o.Stopped(); len(got) != 1 || got[0].Broker.NodeID != 1 {
		t.Errorf("stopped: %v; want broker 1", got)
	}
	if err := o.End(ctx); err != nil {
		t.Fatal(err)
	}
	c.Unlocked()

	if err := c.Repo.Acquire(ctx, repo.Lock{Holder: repo.ThisProcess("no operation", time.Now())}); err != nil {
		t.Fatal(err)
	}
	if o, err := workflow.Resume(ctx, &d, c.Fleet()); o != nil || err != nil {
		t.Fatalf("with a lock without an operation: %v, %v; want nothing to resume", o, err)
	}
	c.Unlocked()
}
