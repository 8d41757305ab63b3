// Package testtree builds folder trees from declarations and compares trees exactly: contents,
// types, modes, modification times, symbolic link targets, hard-link groups and link counts,
// and ownership. It serves the tests and benchmarks of the packages that copy data folders.
package testtree

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Kind is the type of a declared node.
type Kind int

// The kinds of nodes a tree holds.
const (
	File Kind = iota
	Dir
	Symlink
	HardLink
)

// Node declares one path of a tree. Folders above a node are made as needed (mode 0755).
type Node struct {
	Path    string      // slash-separated, relative
	Kind    Kind        // File when unset
	Data    []byte      // content of a File
	Mode    fs.FileMode // permission and special bits; 0 means 0644 for files, 0755 for folders
	ModTime time.Time   // zero means a fixed time with nanoseconds
	Target  string      // Symlink: the link's target; HardLink: the path of an earlier File
	UID     int         // with GID, applied when both are set and running as root
	GID     int
}

// DefaultTime is the modification time of nodes that set none: it has nanoseconds on purpose.
var DefaultTime = time.Date(2024, 3, 14, 15, 9, 26, 535897932, time.UTC)

// Build creates the declared nodes below root (created when absent). Folder modes and times
// are applied last, deepest first, so that creating their contents does not change them.
func Build(root string, nodes []Node) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	type dirMeta struct {
		p    string
		mode fs.FileMode
		t    time.Time
	}
	var dirs []dirMeta
	for _, n := range nodes {
		p := filepath.Join(root, filepath.FromSlash(n.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		t := n.ModTime
		if t.IsZero() {
			t = DefaultTime
		}
		var err error
		switch n.Kind {
		case File:
			mode := n.Mode
			if mode == 0 {
				mode = 0o644
			}
			if err = os.WriteFile(p, n.Data, 0o600); err == nil {
				err = chownIf(p, n)
			}
			if err == nil {
				err = os.Chmod(p, mode)
			}
			if err == nil {
				err = os.Chtimes(p, t, t)
			}
		case Dir:
			mode := n.Mode
			if mode == 0 {
				mode = 0o755
			}
			if err = os.MkdirAll(p, 0o755); err == nil {
				err = chownIf(p, n)
			}
			dirs = append(dirs, dirMeta{p, mode, t})
		case Symlink:
			if err = os.Symlink(n.Target, p); err == nil {
				err = lutimes(p, t)
			}
		case HardLink:
			err = os.Link(filepath.Join(root, filepath.FromSlash(n.Target)), p)
		}
		if err != nil {
			return fmt.Errorf("build %s: %w", n.Path, err)
		}
	}
	slices.SortStableFunc(dirs, func(a, b dirMeta) int { return len(b.p) - len(a.p) })
	for _, d := range dirs {
		if err := os.Chmod(d.p, d.mode); err != nil {
			return err
		}
		if err := os.Chtimes(d.p, d.t, d.t); err != nil {
			return err
		}
	}
	return nil
}

func chownIf(p string, n Node) error {
	if n.UID == 0 && n.GID == 0 || os.Geteuid() != 0 {
		return nil
	}
	return os.Lchown(p, n.UID, n.GID)
}

// Info is what a snapshot records of one path.
type Info struct {
	Type      string // "dir", "file", "symlink", or the mode string of anything else
	Mode      fs.FileMode
	ModTime   int64 // nanoseconds since the epoch
	Size      int64
	SHA256    string
	Target    string // symlink target
	Nlink     uint64
	LinkGroup string // first path (sorted) of the inode's paths in the tree, for files with links
	UID, GID  uint32
}

// Snapshot maps every path of a tree, relative and slash-separated ("." for the root), to
// what it is.
type Snapshot map[string]Info

// Options of Take.
type Options struct {
	// SkipRootTimes leaves out the modification time of the root folder.
	SkipRootTimes bool
	// Skip leaves out paths (and below them) for which it returns true.
	Skip func(rel string) bool
}

// Take records the tree below root.
func Take(root string, opts Options) (Snapshot, error) {
	s := make(Snapshot)
	inodes := make(map[[2]uint64][]string)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if opts.Skip != nil && rel != "." && opts.Skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		in := Info{
			Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), ModTime: fi.ModTime().UnixNano(),
			Nlink: uint64(st.Nlink), UID: st.Uid, GID: st.Gid,
		}
		switch m := fi.Mode(); {
		case m.IsDir():
			in.Type, in.Nlink = "dir", 0 // a folder's link count depends on its subfolders only
			if rel == "." && opts.SkipRootTimes {
				in.ModTime = 0
			}
		case m.IsRegular():
			in.Type, in.Size = "file", fi.Size()
			if in.SHA256, err = fileSHA(p); err != nil {
				return err
			}
			inodes[[2]uint64{uint64(st.Dev), st.Ino}] = append(inodes[[2]uint64{uint64(st.Dev), st.Ino}], rel)
		case m&fs.ModeSymlink != 0:
			in.Type, in.Mode = "symlink", 0
			if in.Target, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			in.Type = m.String()
		}
		s[rel] = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, paths := range inodes {
		if len(paths) < 2 {
			continue
		}
		sort.Strings(paths)
		for _, p := range paths {
			in := s[p]
			in.LinkGroup = paths[0]
			s[p] = in
		}
	}
	return s, nil
}

func fileSHA(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Diff lists how b differs from a, one line per difference; empty when equal.
// Ownership is compared only when compareOwner is set.
func Diff(a, b Snapshot, compareOwner bool) []string {
	var out []string
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		x, inA := a[k]
		y, inB := b[k]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("%s: only in the second tree", k))
			continue
		case !inB:
			out = append(out, fmt.Sprintf("%s: missing from the second tree", k))
			continue
		}
		if !compareOwner {
			x.UID, x.GID, y.UID, y.GID = 0, 0, 0, 0
		}
		if x != y {
			out = append(out, fmt.Sprintf("%s:\n    want %+v\n    got  %+v", k, x, y))
		}
	}
	return out
}

// DiffString renders the differences for a test failure.
func DiffString(diffs []string) string { return strings.Join(diffs, "\n") }

func lutimes(p string, t time.Time) error {
	ts := unix.NsecToTimespec(t.UnixNano())
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}
