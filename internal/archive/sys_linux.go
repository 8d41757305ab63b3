package archive

import (
	"errors"
	"fmt"
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// allocate reserves the bytes [off, off+n) of f, so that the file is never sparse and a full disk
// shows up while extracting rather than when Zeebe writes into a mapped segment. Filesystems
// without fallocate are fine: every byte, zeros included, is written anyway.
func allocate(f *os.File, off, n int64) error {
	if n == 0 {
		return nil
	}
	err := unix.Fallocate(int(f.Fd()), 0, off, n)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		return nil
	}
	if errors.Is(err, unix.ENOSPC) {
		return fmt.Errorf("not enough free space: %w", err)
	}
	return err
}

// sync flushes everything written below the target to disk: one syncfs of its filesystem
// instead of an fsync per file and folder.
func (x *extractor) sync() error {
	d, err := x.root.Open(".")
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("sync %s to disk: %w", x.target, err)
	}
	return nil
}

// linkTimes sets the times of a symbolic link itself, never of what it points to.
func (x *extractor) linkTimes(name string, atime, mtime time.Time) error {
	d, err := x.root.Open(path.Dir(name))
	if err != nil {
		return fmt.Errorf("set times of %s: %w", name, err)
	}
	defer d.Close()
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	if err := unix.UtimesNanoAt(int(d.Fd()), path.Base(name), ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %s: %w", name, err)
	}
	return nil
}
