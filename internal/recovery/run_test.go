package recovery_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/recovery"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow/workflowtest"
)

// killedAt runs a backup that ends at phase as if killed there: nothing after the phase runs,
// not even its clean-up, so the operation stays in the lock as a killed run leaves it.
func killedAt(t *testing.T, c *workflowtest.Cluster, phase string, then func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		killed := true
		defer func() {
			if killed {
				done <- nil
			}
		}()
		_, err := backup.Run(context.Background(), c.Fleet(), c.Deps(func(p string) {
			if p == phase {
				then()
				runtime.Goexit()
			}
		}), backup.Options{ID: "b1"})
		killed = false
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatalf("the backup ended before %s: %v", phase, err)
	}
}

// A backup killed while it archived left every broker stopped and part of its files: recover
// starts every broker again, removes what the backup stored, and ends the operation.
func TestRecoverFinishesAKilledBackup(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 3, 21)
	killedAt(t, c, "archiving", func() {
		// What the archiving had stored when the run was killed.
		if _, err := c.Repo.Put(ctx, "b1", "zeebe-broker-0-data.tar.zst", strings.NewReader("cut short")); err != nil {
			t.Error(err)
		}
	})
	c.AllDown()
	if l := c.Lock(); l == nil || l.Operation == nil || l.Operation.Folder != repo.Folder("b1") {
		t.Fatalf("the killed backup left the lock %+v", l)
	}
	mark := c.Mark()
	res, err := recovery.Run(ctx, c.Fleet(), c.Deps(nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Nothing || res.Operation.Kind != "backup" || !slices.Equal(res.Started, []int{0, 1, 2}) {
		t.Errorf("recover: %+v; want the backup's brokers started", res)
	}
	c.AllUp()
	for i := range 3 {
		if got, want := c.StepsSince(mark, i), []string{"start", "ready"}; !slices.Equal(got, want) {
			t.Errorf("broker %d: recover's steps %v, want %v", i, got, want)
		}
	}
	if exists, err := c.Repo.Exists(ctx, "b1"); err != nil || exists {
		t.Errorf("the killed backup's files are left (exists %v, %v)", exists, err)
	}
	c.Unlocked()
}

// A backup whose broker did not come back is committed and left in the lock: recover keeps the
// backup, starts only the broker that is down (those up are left alone) and ends the
// operation; a second recover finds nothing to do.
func TestRecoverStartsTheBrokerABackupLeftDown(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 3, 22)
	c.Fake.FailStart(2, errors.New("start command exited 1"))
	if m, err := backup.Run(ctx, c.Fleet(), c.Deps(nil), backup.Options{ID: "b1"}); m == nil || err == nil {
		t.Fatalf("manifest %v, error %v; want a committed backup with an error", m, err)
	}
	mark := c.Mark()
	res, err := recovery.Run(ctx, c.Fleet(), c.Deps(nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Nothing || res.Operation.ID != "b1" {
		t.Errorf("recover: %+v", res)
	}
	c.AllUp()
	if got := c.StepsSince(mark, 2); !slices.Equal(got, []string{"start", "ready"}) {
		t.Errorf("broker 2: recover's steps %v, want start, ready", got)
	}
	for _, i := range []int{0, 1} {
		if got := c.StepsSince(mark, i); !slices.Equal(got, []string{"left"}) {
			t.Errorf("broker %d: recover's steps %v; a broker that runs is left alone", i, got)
		}
	}
	if _, err := c.Repo.Manifest(ctx, "b1"); err != nil {
		t.Errorf("recover removed the committed backup: %v", err)
	}
	c.Unlocked()

	again, err := recovery.Run(ctx, c.Fleet(), c.Deps(nil))
	if err != nil || !again.Nothing {
		t.Errorf("a second recover: %+v, %v; want nothing to do", again, err)
	}
}
