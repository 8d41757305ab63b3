package broker

import (
	"context"
	"errors"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// WriteFile gives the file the mode and owner asked for before it replaces the old one, and a
// lock made by CreateExclusive is readable by its owner only.
func TestLocalWriteFileModeAndOwner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "application.yaml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	owner := &Owner{UID: os.Getuid(), GID: os.Getgid()}
	if os.Geteuid() == 0 {
		owner = &Owner{UID: 65534, GID: 65534} // as root: a user that is not us
	}
	if err := (Local{}).WriteFile(ctx, path, []byte("new"), 0o600, owner); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o600 || int(st.Uid) != owner.UID || int(st.Gid) != owner.GID {
		t.Fatalf("mode %v, owner %d:%d; want 0600 and %d:%d", fi.Mode().Perm(), st.Uid, st.Gid, owner.UID, owner.GID)
	}
	info, err := (Local{}).Stat(ctx, path)
	if err != nil || info.UID != owner.UID || info.GID != owner.GID {
		t.Fatalf("Stat = %+v, %v", info, err)
	}

	lock := filepath.Join(dir, "data.zeebe-backup-lock")
	if err := (Local{}).CreateExclusive(ctx, lock, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(lock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock: %v, %v; want mode 0600", fi.Mode(), err)
	}
}

// ReadFile refuses a file over the limit rather than read it whole.
func TestLocalReadFileIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "application.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(limits.MaxHostFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = (Local{}).ReadFile(context.Background(), path)
	if !errors.Is(err, limits.ErrExceeded) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v; want the size limit, naming the file", err)
	}
}
