package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow/workflowtest"
)

// A backup stops every broker (each written down as stopped before its stop), archives every
// data folder while all are down, starts every broker again, and commits the manifest last:
// while the brokers start there is no backup yet; after, there is, and nothing is locked.
func TestBackupStopsArchivesStartsThenCommits(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 3, 1)
	before := c.Snapshots()
	var phases []string
	hook := func(phase string) {
		phases = append(phases, phase)
		switch phase {
		case "archiving":
			c.AllDown()
			l := c.Lock()
			if l == nil || l.Operation == nil || l.Operation.Kind != "backup" || l.Operation.Folder != repo.Folder("b1") {
				t.Fatalf("while archiving, the lock is %+v; want the backup's operation owning its folder", l)
			}
			for _, b := range l.Operation.Brokers {
				if !b.Stopped {
					t.Errorf("broker %d is down but not recorded as stopped", b.NodeID)
				}
			}
		case "starting":
			c.AllDown()
			if _, err := c.Repo.Manifest(ctx, "b1"); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("the manifest exists before the brokers are started (%v); it must be written last", err)
			}
		}
	}
	m, err := backup.Run(ctx, c.Fleet(), c.Deps(hook), backup.Options{ID: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"stopping", "archiving", "starting"}; !slices.Equal(phases, want) {
		t.Errorf("phases %v, want %v", phases, want)
	}
	for i := range 3 {
		if got, want := c.Fake.StepsOf(i), []string{"stopping", "stop", "down", "start", "ready"}; !slices.Equal(got, want) {
			t.Errorf("broker %d: steps %v, want %v", i, got, want)
		}
	}
	c.AllUp()
	c.Unlocked()
	stored, err := c.Repo.Manifest(ctx, "b1")
	if err != nil {
		t.Fatalf("no committed manifest after the backup: %v", err)
	}
	if len(stored.Brokers) != 3 || len(m.Brokers) != 3 || stored.Times.Committed.IsZero() || stored.Times.Committed.Before(stored.Times.Started) {
		t.Errorf("manifest: %d brokers (returned %d), started %s, committed %s", len(stored.Brokers), len(m.Brokers), stored.Times.Started, stored.Times.Committed)
	}
	for _, b := range stored.Brokers {
		if b.Files == 0 || b.ArchiveSize == 0 {
			t.Errorf("broker %d: archived %d files in %d bytes", b.NodeID, b.Files, b.ArchiveSize)
		}
		idx, err := c.Repo.Index(ctx, "b1", b.NodeID)
		if err != nil {
			t.Fatalf("broker %d: %v", b.NodeID, err)
		}
		if len(idx.Entries) < b.Files {
			t.Errorf("broker %d: index of %d entries for %d files", b.NodeID, len(idx.Entries), b.Files)
		}
	}
	c.SameData(before)
}

// A stop that fails: the backup is given up, the brokers that were stopped are started again
// (the one that did not stop is left alone), nothing is committed or left in the repository,
// and nothing is locked.
func TestBackupFailingStopStartsTheBrokersAgain(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 3, 2)
	stuck := errors.New("stop command exited 1")
	c.Fake.FailStop(1, stuck)
	m, err := backup.Run(ctx, c.Fleet(), c.Deps(nil), backup.Options{ID: "b1"})
	if m != nil || !errors.Is(err, backup.ErrAborted) || !errors.Is(err, stuck) || !strings.Contains(err.Error(), "broker 1") {
		t.Fatalf("manifest %v, error %v; want ErrAborted naming broker 1 and the stop's error", m, err)
	}
	if !strings.Contains(err.Error(), "the brokers run again and nothing was committed") {
		t.Errorf("the error does not say the brokers run again: %v", err)
	}
	c.AllUp()
	for _, i := range []int{0, 2} {
		if got := c.Fake.StepsOf(i); !slices.Contains(got, "ready") {
			t.Errorf("broker %d was stopped but not started again: %v", i, got)
		}
	}
	if got := c.Fake.StepsOf(1); !slices.Equal(got, []string{"stopping", "stop", "left"}) {
		t.Errorf("broker 1: steps %v, want its stop to fail and its start to leave it alone", got)
	}
	if exists, err := c.Repo.Exists(ctx, "b1"); err != nil || exists {
		t.Errorf("the aborted backup left its folder (exists %v, %v)", exists, err)
	}
	c.Unlocked()
}

// A broker that does not start after the archive: the backup is complete, so its manifest is
// committed and returned with the error; the operation stays in the lock with the broker
// recorded as stopped, for recover.
func TestBackupFailingStartCommitsAndKeepsTheOperation(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 3, 3)
	noStart := errors.New("start command exited 1")
	c.Fake.FailStart(2, noStart)
	m, err := backup.Run(ctx, c.Fleet(), c.Deps(nil), backup.Options{ID: "b1"})
	if m == nil || err == nil || !errors.Is(err, noStart) || !strings.Contains(err.Error(), "backup b1 is complete, but the cluster is not fully back") || !strings.Contains(err.Error(), "zeebe-backup recover") {
		t.Fatalf("manifest %v, error %v; want the manifest with an error saying the cluster is not fully back", m, err)
	}
	if _, err := c.Repo.Manifest(ctx, "b1"); err != nil {
		t.Errorf("the backup is not committed: %v", err)
	}
	if len(m.Problems) == 0 || !strings.Contains(m.Problems[0], "broker 2") {
		t.Errorf("the manifest's problems do not name broker 2: %q", m.Problems)
	}
	if c.Fake.Running(2) || !c.Fake.Running(0) || !c.Fake.Running(1) {
		t.Errorf("running: %v %v %v; want brokers 0 and 1 only", c.Fake.Running(0), c.Fake.Running(1), c.Fake.Running(2))
	}
	l := c.Lock()
	if l == nil || l.Operation == nil || l.Operation.Kind != "backup" || l.Operation.ID != "b1" {
		t.Fatalf("the operation is not kept in the lock: %+v", l)
	}
	for _, b := range l.Operation.Brokers {
		if !b.Stopped {
			t.Errorf("broker %d is not recorded as stopped, so recover would not start it", b.NodeID)
		}
	}
}

// A backup id whose folder holds files but no manifest, and that no lock records, is refused
// before anything is stopped, naming the folder to remove; the folder is left alone.
func TestBackupRefusesAFolderWithoutManifest(t *testing.T) {
	ctx := context.Background()
	c := workflowtest.New(t, 3, 4)
	// What a write killed before its rename leaves (the store refuses to write such a name).
	stale := filepath.Join(c.RepoDir, repo.Folder("stale"))
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, ".tmp-OLD"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := backup.Run(ctx, c.Fleet(), c.Deps(nil), backup.Options{ID: "stale"})
	if m != nil || !errors.Is(err, backup.ErrPreflight) || !strings.Contains(err.Error(), "has no manifest") || !strings.Contains(err.Error(), "rm -r "+c.Repo.FolderLocation("stale")) {
		t.Fatalf("manifest %v, error %v; want a pre-flight refusal naming the folder to remove", m, err)
	}
	if len(c.Fake.Steps()) != 0 {
		t.Errorf("the refused backup drove the brokers: %v", c.Fake.Steps())
	}
	if exists, err := c.Repo.Exists(ctx, "stale"); err != nil || !exists {
		t.Errorf("the refused backup touched the folder (exists %v, %v)", exists, err)
	}
	c.Unlocked()
}
