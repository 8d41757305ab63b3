package restore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/recovery"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow/workflowtest"
)

// backedUp is a cluster with backup b1 of its data, whose data folders were changed after the
// backup: it returns the data as backed up and as it is now.
func backedUp(t *testing.T, seed uint64) (c *workflowtest.Cluster, backedUp, now []testtree.Snapshot) {
	t.Helper()
	c = workflowtest.New(t, 3, seed)
	backedUp = c.Snapshots()
	if _, err := backup.Run(context.Background(), c.Fleet(), c.Deps(nil), backup.Options{ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range c.DataDirs {
		if err := os.WriteFile(filepath.Join(d, "written-after-the-backup"), []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return c, backedUp, c.Snapshots()
}

// A restore stops every broker, puts the backed-up data in place of each data folder (the
// previous data kept beside it), starts every broker, and releases the locks.
func TestRestoreSwapsTheDataAndStarts(t *testing.T) {
	ctx := context.Background()
	c, backedUp, previous := backedUp(t, 11)
	mark := c.Mark()
	res, err := restore.Run(ctx, c.Fleet(), c.Deps(func(phase string) {
		if phase == "starting" {
			c.AllDown()
			c.SameData(backedUp)
		}
	}), restore.Options{ID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	c.AllUp()
	c.Unlocked()
	c.SameData(backedUp)
	for i, d := range c.DataDirs {
		got := restore.PreviousDir(d, "b1")
		if res.Previous[i] != got {
			t.Errorf("broker %d: previous data at %q, want %q", i, res.Previous[i], got)
		}
		kept, err := testtree.Take(got, testtree.Options{SkipRootTimes: true})
		if err != nil {
			t.Fatalf("broker %d: the previous data is not kept: %v", i, err)
		}
		if diff := testtree.Diff(previous[i], kept, false); len(diff) > 0 {
			t.Errorf("broker %d: the kept previous data differs: %v", i, diff)
		}
	}
	for i := range 3 {
		if got, want := c.StepsSince(mark, i), []string{"stopping", "stop", "down", "start", "ready"}; !slices.Equal(got, want) {
			t.Errorf("broker %d: the restore's steps %v, want %v", i, got, want)
		}
	}
	if res.Ready.IsZero() || res.Ready.Before(res.Stopped) {
		t.Errorf("ready %s, stopped %s", res.Ready, res.Stopped)
	}
}

// A restored cluster that does not come up: the restore says so and keeps the previous data
// and the operation (not committed) for recover, which stops the brokers, puts the previous
// data back, starts them and releases the lock.
func TestRestoreFailingStartIsRolledBackByRecover(t *testing.T) {
	ctx := context.Background()
	c, backedUp, previous := backedUp(t, 12)
	noStart := errors.New("start command exited 1")
	c.Fake.FailStart(1, noStart)
	res, err := restore.Run(ctx, c.Fleet(), c.Deps(nil), restore.Options{ID: "b1"})
	if err == nil || !errors.Is(err, noStart) || !strings.Contains(err.Error(), "the restored cluster did not come up") || !strings.Contains(err.Error(), "zeebe-backup recover") {
		t.Fatalf("error %v; want the restored cluster not coming up, pointing to recover", err)
	}
	if res == nil || res.Previous[1] != restore.PreviousDir(c.DataDirs[1], "b1") {
		t.Fatalf("result %+v; want the previous data folders named", res)
	}
	c.SameData(backedUp)
	l := c.Lock()
	if l == nil || l.Operation == nil || l.Operation.Kind != "restore" || l.Operation.Committed {
		t.Fatalf("lock %+v; want the uncommitted restore kept for recover", l)
	}
	for _, b := range l.Operation.Brokers {
		if !b.Stopped || !b.Swapped || b.Previous == "" {
			t.Errorf("broker %d: recorded stopped %v, swapped %v, previous %q", b.NodeID, b.Stopped, b.Swapped, b.Previous)
		}
	}

	mark := c.Mark()
	rec, err := recovery.Run(ctx, c.Fleet(), c.Deps(func(phase string) {
		if phase == "starting" {
			c.AllDown()
			c.SameData(previous)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Nothing || rec.Operation.Kind != "restore" || !slices.Equal(rec.Started, []int{0, 1, 2}) {
		t.Errorf("recover: %+v; want the restore rolled back and every broker started", rec)
	}
	c.AllUp()
	c.Unlocked()
	c.SameData(previous)
	for i, d := range c.DataDirs {
		if _, err := os.Lstat(restore.PreviousDir(d, "b1")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("broker %d: the previous data folder is still beside the data folder (%v)", i, err)
		}
	}
	for i := range 3 {
		if got, want := c.StepsSince(mark, i), []string{"stopping", "stop", "down", "start", "ready"}; !slices.Equal(got, want) {
			t.Errorf("broker %d: recover's steps %v, want %v", i, got, want)
		}
	}
}

// A stop that fails during a restore: nothing was swapped, so the restore rolls back at once:
// the brokers run again on their own data and nothing is locked.
func TestRestoreFailingStopGivesUp(t *testing.T) {
	ctx := context.Background()
	c, _, previous := backedUp(t, 13)
	stuck := errors.New("stop command exited 1")
	c.Fake.FailStop(2, stuck)
	res, err := restore.Run(ctx, c.Fleet(), c.Deps(nil), restore.Options{ID: "b1"})
	if res != nil || !errors.Is(err, stuck) || !strings.Contains(err.Error(), "the previous data is back in place and the brokers run again") {
		t.Fatalf("result %+v, error %v", res, err)
	}
	c.AllUp()
	c.Unlocked()
	c.SameData(previous)
}

// A failure after the data was swapped (a configuration that cannot be read to be kept): the
// restore rolls back at once: every data folder and the configuration already installed are
// as before the restore, the brokers run again and nothing is locked.
func TestRestoreFailureAfterTheSwapIsRolledBackAtOnce(t *testing.T) {
	ctx := context.Background()
	c, _, previous := backedUp(t, 14)
	// Broker 0's configuration changed after the backup: the rollback must put this one back.
	cfg0 := []byte(string(mustRead(t, c.Configs[0])) + "# changed after the backup\n")
	if err := os.WriteFile(c.Configs[0], cfg0, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg1 := mustRead(t, c.Configs[1])
	res, err := restore.Run(ctx, c.Fleet(), c.Deps(func(phase string) {
		if phase == "swapped 2" {
			// Broker 1's configuration cannot be read to be kept.
			if err := os.Remove(c.Configs[1]); err != nil {
				t.Error(err)
			}
			if err := os.Mkdir(c.Configs[1], 0o700); err != nil {
				t.Error(err)
			}
		}
	}), restore.Options{ID: "b1"})
	if res != nil || err == nil || !strings.Contains(err.Error(), "broker 1") || !strings.Contains(err.Error(), "the previous data is back in place and the brokers run again") {
		t.Fatalf("result %+v, error %v; want broker 1's configuration named and the rollback done", res, err)
	}
	if err := os.Remove(c.Configs[1]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Configs[1], cfg1, 0o600); err != nil {
		t.Fatal(err)
	}
	c.AllUp()
	c.Unlocked()
	c.SameData(previous)
	if got := mustRead(t, c.Configs[0]); string(got) != string(cfg0) {
		t.Errorf("broker 0's configuration is not the one it had before the restore:\n%s", got)
	}
	for i, d := range c.DataDirs {
		if _, err := os.Lstat(restore.PreviousDir(d, "b1")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("broker %d: the previous data folder is still beside the data folder (%v)", i, err)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
