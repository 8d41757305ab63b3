package repo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// A write of the lock killed half-way leaves its temporary file at the repository's top: the
// next holder removes it when it takes the lock and when it releases it, and Tidy (recover
// with nothing to recover) does too; a backup folder's temporary files are not the lock's.
func TestLockRemnantsAreRemovedByTheHolder(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := local.New(root)
	if err != nil {
		t.Fatal(err)
	}
	r := repo.Open(s)
	plant := func() {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, ".tmp-KILLEDLOCK"), []byte(`{"hol`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(when string) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(root, ".tmp-KILLEDLOCK")); !os.IsNotExist(err) {
			t.Fatalf("%s: the killed lock write's temporary file is left (%v)", when, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "zeebe-backup-x"), 0o700); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "zeebe-backup-x", ".tmp-ARCHIVE")
	if err := os.WriteFile(other, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	holder := repo.ThisProcess("test", time.Now())
	plant()
	if err := r.Acquire(ctx, repo.Lock{Holder: holder}); err != nil {
		t.Fatal(err)
	}
	gone("after Acquire")
	plant()
	if err := r.Release(ctx); err != nil {
		t.Fatal(err)
	}
	gone("after Release")
	plant()
	if err := r.Tidy(ctx, holder); err != nil {
		t.Fatal(err)
	}
	gone("after Tidy")
	if l, err := r.ReadLock(ctx); err != nil || l != nil {
		t.Fatalf("Tidy left a lock: %v %v", l, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a backup folder's temporary file was removed: %v", err)
	}
}
