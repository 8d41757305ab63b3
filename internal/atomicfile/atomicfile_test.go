package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leftovers lists the temporary files of dest's writes.
func leftovers(t *testing.T, dest string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(filepath.Dir(dest), TempPrefix(dest)+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestWriteReplacesTheFileWhole(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "application.yaml")
	if err := os.WriteFile(dest, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(dest, func(f *os.File) error {
		if _, err := f.WriteString("new"); err != nil {
			return err
		}
		// Until the rename, the name still holds the old file.
		if got, err := os.ReadFile(dest); err != nil || string(got) != "old" {
			t.Errorf("during the write %s holds %q, %v", dest, got, err)
		}
		if !strings.HasPrefix(filepath.Base(f.Name()), TempPrefix(dest)) || filepath.Dir(f.Name()) != filepath.Dir(dest) {
			t.Errorf("temporary file %s is not %s* beside %s", f.Name(), TempPrefix(dest), dest)
		}
		return f.Chmod(0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dest)
	if got, _ := os.ReadFile(dest); err != nil || string(got) != "new" || fi.Mode().Perm() != 0o640 {
		t.Fatalf("%s holds %q, mode %v (%v); want \"new\", 0640", dest, got, fi.Mode(), err)
	}
	if left := leftovers(t, dest); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A failed fill or a failed rename leaves the destination as it was and no temporary file;
// fill's error comes back as it is, the write's own errors name the destination.
func TestWriteFailureLeavesTheFileAlone(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "archive.tar.zst")
	if err := os.WriteFile(dest, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(dest, func(f *os.File) error {
		f.WriteString("partial")
		return boom
	})
	if err != boom {
		t.Fatalf("Write = %v, want fill's error as it is", err)
	}
	if got, _ := os.ReadFile(dest); string(got) != "old" {
		t.Errorf("%s holds %q after a failed fill", dest, got)
	}
	if left := leftovers(t, dest); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// The name is a folder that is not empty: the rename fails.
	folder := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(folder, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = Write(folder, func(f *os.File) error { _, err := f.WriteString("new"); return err })
	if err == nil || !strings.Contains(err.Error(), "write "+folder) {
		t.Fatalf("Write over a folder = %v, want an error naming %s", err, folder)
	}
	if left := leftovers(t, folder); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// A folder that does not exist: nothing is created.
	missing := filepath.Join(dir, "missing", "file")
	if err := Write(missing, func(*os.File) error { return nil }); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Write into a missing folder = %v, want ErrNotExist naming %s", err, missing)
	}
}
