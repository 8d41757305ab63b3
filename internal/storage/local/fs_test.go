//go:build linux

package local_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/storagetest"
)

// TestConformanceOnTmpfs runs the suite on tmpfs, whose fsync of files and folders must not
// break Put.
func TestConformanceOnTmpfs(t *testing.T) {
	const shm = "/dev/shm"
	var st unix.Statfs_t
	if err := unix.Statfs(shm, &st); err != nil {
		t.Fatalf("statfs %s: %v (this test needs a tmpfs there)", shm, err)
	}
	if st.Type != unix.TMPFS_MAGIC {
		t.Fatalf("%s is not tmpfs (type %#x)", shm, st.Type)
	}
	storagetest.Run(t, func(t *testing.T) storage.Store {
		dir, err := os.MkdirTemp(shm, "storage-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		return newStore(t, dir)
	})
}

func TestFreeSpace(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	free, err := s.FreeSpace(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		t.Fatal(err)
	}
	if total := int64(st.Blocks) * st.Bsize; free <= 0 || free > total {
		t.Fatalf("FreeSpace = %d, want a positive number up to the file system's %d bytes", free, total)
	}
}
