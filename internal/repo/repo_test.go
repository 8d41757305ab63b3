package repo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

func TestOnlyCommittedBackupsAreListed(t *testing.T) {
	ctx := context.Background()
	r := repo.Open(mem.New())
	for _, id := range []string{"b", "a"} {
		if _, err := r.Put(ctx, id, "zeebe-broker-0-data.tar.zst", strings.NewReader("archive")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Put(ctx, "incomplete", "zeebe-broker-0-data.tar.zst", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"b", "a"} {
		m := &repo.Manifest{FormatVersion: repo.ManifestFormat, ID: id, Times: repo.Times{StopRequested: t0.Add(time.Duration(i) * time.Hour)}}
		if err := r.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	list, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Manifest.ID != "b" || list[1].Manifest.ID != "a" {
		t.Fatalf("listed %+v; want b then a (by time), without the incomplete one", list)
	}
	if _, err := r.Manifest(ctx, "incomplete"); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("an incomplete backup has a manifest: %v", err)
	}
	if err := r.DeleteFiles(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if exists, _ := r.Exists(ctx, "a"); exists {
		t.Error("deleted backup still has files")
	}
}

func TestLockNamesItsHolder(t *testing.T) {
	ctx := context.Background()
	r := repo.Open(mem.New())
	holder := repo.ThisProcess("zeebe-backup backup", time.Now())
	tr, err := r.Begin(ctx, holder, repo.Operation{Kind: "backup", ID: "x", Brokers: []repo.OpBroker{{NodeID: 0}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Update(ctx, 0, func(b *repo.OpBroker) { b.Stopped = true }); err != nil {
		t.Fatal(err)
	}
	_, err = r.Begin(ctx, holder, repo.Operation{Kind: "restore", ID: "y"})
	var locked *repo.LockedError
	if !errors.As(err, &locked) || !errors.Is(err, repo.ErrLocked) || !strings.Contains(err.Error(), "zeebe-backup backup") || !strings.Contains(err.Error(), "backup of backup x") {
		t.Fatalf("second lock: %v", err)
	}
	l, err := r.ReadLock(ctx)
	if err != nil || l == nil || !l.Operation.Brokers[0].Stopped {
		t.Fatalf("the lock does not record the stop: %+v, %v", l, err)
	}
	if err := tr.End(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err := r.ReadLock(ctx); l != nil || err != nil {
		t.Fatalf("lock after End: %+v, %v", l, err)
	}
}

func TestIDs(t *testing.T) {
	if got := repo.NewID(time.Date(2026, 11, 24, 10, 30, 5, 0, time.UTC)); got != "20261124T103005Z" {
		t.Errorf("NewID = %q", got)
	}
	for _, bad := range []string{"", "../x", ".hidden", "a/b", strings.Repeat("x", 65), "spa ce"} {
		if repo.ValidateID(bad) == nil {
			t.Errorf("id %q accepted", bad)
		}
	}
	if err := repo.ValidateID("before-upgrade_8.5.3"); err != nil {
		t.Error(err)
	}
}

// A manifest whose id is not its folder's (copied into another folder, or edited) makes the
// backup damaged: Manifest refuses it and List shows it with the error, never as the backup
// the manifest names.
func TestManifestOfAnotherFolderIsDamaged(t *testing.T) {
	ctx := context.Background()
	r := repo.Open(mem.New())
	if err := r.Commit(ctx, &repo.Manifest{FormatVersion: repo.ManifestFormat, ID: "sec1j"}); err != nil {
		t.Fatal(err)
	}
	rc, err := r.Get(ctx, "sec1j", "manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := r.Put(ctx, "evil", "manifest.json", rc); err != nil {
		t.Fatal(err)
	}
	_, err = r.Manifest(ctx, "evil")
	if !errors.Is(err, repo.ErrDamaged) || !strings.Contains(err.Error(), `manifest of backup "sec1j", not of "evil"`) {
		t.Fatalf("Manifest(evil) holding sec1j's manifest: %v; want ErrDamaged naming both ids", err)
	}
	list, err := r.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if l.Manifest.ID == "evil" && !errors.Is(l.Err, repo.ErrDamaged) {
			t.Errorf("List shows evil without the damage: %+v", l)
		}
	}
	if len(list) != 2 {
		t.Errorf("listed %d backups, want 2 (sec1j, and evil as damaged)", len(list))
	}
}
