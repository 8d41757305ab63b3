package archive

import (
	"errors"
	"fmt"
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// allocate reserves the bytes [off, off+n) of f and extends the file over them, so that the file
// is never sparse and a full disk shows up while extracting rather than when Zeebe writes into a
// mapped segment. It reports whether the filesystem did reserve them: reserved blocks read as
// zeros. Where it cannot, every byte, zeros included, must be written.
func allocate(f *os.File, off, n int64) (bool, error) {
	if n == 0 {
		return false, nil
	}
	err := unix.Fallocate(int(f.Fd()), 0, off, n)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL):
		return false, nil
	case errors.Is(err, unix.ENOSPC):
		return false, fmt.Errorf("not enough free space: %w", err)
	}
	return false, err
}

// startWriteback asks the kernel to start writing the range to disk, without waiting for it.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
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
