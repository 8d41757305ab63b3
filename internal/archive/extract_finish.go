package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// finish checks the relative symbolic links, applies folder metadata deepest first, and flushes
// everything to disk.
func (x *extractor) finish() error {
	if !x.opts.AllowExternalSymlinks {
		root := x.opts.SourceRoot
		if root == "" {
			root = x.target
		}
		if out := OutsideLinks(x.sum.Entries, root); len(out) > 0 {
			return unsafe(out[0].Path, "symbolic link to %q points outside the target (%s)", out[0].Target, out[0].Reason)
		}
	}
	for _, name := range x.links {
		// The root refuses to resolve a path that leaves it; a dangling link is fine.
		if _, err := x.root.Stat(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return unsafe(name, "symbolic link resolves outside the target or cannot be resolved: %v", err)
		}
	}
	slices.SortStableFunc(x.dirs, func(a, b dirMeta) int {
		return strings.Count(b.name, "/") - strings.Count(a.name, "/") + boolCmp(a.name == ".", b.name == ".")
	})
	for _, d := range x.dirs {
		if x.owner && d.uid >= 0 {
			if err := x.root.Lchown(d.name, d.uid, d.gid); err != nil {
				return fmt.Errorf("set owner of %s: %w", d.name, err)
			}
		}
		if err := x.root.Chmod(d.name, d.mode); err != nil {
			return fmt.Errorf("set mode of %s: %w", d.name, err)
		}
		if !d.mtime.IsZero() {
			if err := x.root.Chtimes(d.name, d.mtime, d.mtime); err != nil {
				return fmt.Errorf("set times of %s: %w", d.name, err)
			}
		}
	}
	return x.sync()
}

func boolCmp(a, b bool) int {
	switch {
	case a && !b:
		return 1
	case b && !a:
		return -1
	}
	return 0
}

// cleanup removes what this extraction created, leaving the target as it was found: absent
// (found is nil), or empty with its mode and times.
func (x *extractor) cleanup(found fs.FileInfo) {
	if found == nil {
		makeWritable(x.target)
		os.RemoveAll(x.target)
		return
	}
	for top := range x.top {
		makeWritable(filepath.Join(x.target, top))
		x.root.RemoveAll(top)
	}
	x.root.Chmod(".", found.Mode()&(fs.ModePerm|fs.ModeSetgid|fs.ModeSetuid|fs.ModeSticky))
	x.root.Chtimes(".", time.Time{}, found.ModTime())
}

// makeWritable gives the owner write and search permission on every folder below dir, so that
// a clean-up running without root can remove what was extracted with read-only modes.
func makeWritable(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if info, err := d.Info(); err == nil && info.Mode().Perm()&0o700 != 0o700 {
				os.Chmod(p, info.Mode().Perm()|0o700)
			}
		}
		return nil
	})
}
