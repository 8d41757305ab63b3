// Package atomicfile writes a local file so that its name never holds a partial file: the
// content goes into a temporary file beside it, which is synced, renamed over the name, and
// the folder synced, so that after a crash the name holds the old file or the whole new one.
//
// Invariants:
//
//  1. The temporary file is in the destination's folder (so the rename stays on one
//     filesystem) and its name begins with TempPrefix(destination): whoever undoes a run that
//     was killed during a write finds it by that name.
//  2. On any error the temporary file is removed and the destination is left as it was.
//  3. The temporary file is created with mode 0600; the fill function may change its mode and
//     owner before it takes the destination's name, so a file never holds its content under
//     a wider mode than it ends with.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// TempPrefix begins the name of the temporary file Write writes path through, in path's
// folder.
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// Write replaces path with what fill writes into a temporary file beside it. fill may also
// set the file's owner and mode; its errors are returned as they are. Errors of the write's
// own steps name path.
func Write(path string, fill func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir makes the names in a folder durable: a rename into it, a new file or folder.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
