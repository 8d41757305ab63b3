package archive_test

import (
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
)

// assertNotSparse fails when a file below root has fewer allocated blocks than its size needs.
func assertNotSparse(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if allocated := st.Blocks * 512; allocated < fi.Size() {
			t.Errorf("%s is sparse: %d bytes allocated for %d", p, allocated, fi.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
