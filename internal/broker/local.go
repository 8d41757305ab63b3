package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/atomicfile"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// Local is the machine this process runs on.
type Local struct{}

var _ Host = Local{}

// Name implements Host.
func (Local) Name() string { return "local" }

// tail keeps the last n bytes written to it.
type tail struct {
	buf bytes.Buffer
	n   int
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - t.n; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

// Run implements Host: sh -c in a process group of its own, killed whole at the timeout. The
// command waits behind a gate until started has recorded its group.
func (Local) Run(ctx context.Context, command string, timeout time.Duration, started Started) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.Command("/bin/sh", "-c", gate, "zeebe-backup-command", command)
	out := &tail{n: MaxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	abort := func(err error) (string, error) {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return out.buf.String(), err
	}
	if started != nil {
		st, err := readProcStat("/proc", cmd.Process.Pid)
		if err != nil {
			return abort(fmt.Errorf("read the start time of the command's process %d: %w", cmd.Process.Pid, err))
		}
		if err := started(Group{PGID: cmd.Process.Pid, Start: st.start}); err != nil {
			return abort(err)
		}
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		return abort(fmt.Errorf("let the command run: %w", err))
	}
	stdin.Close()
	select {
	case err := <-done:
		return out.buf.String(), err
	case <-ctx.Done():
		out, _ := abort(nil)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return out, fmt.Errorf("timed out after %s", timeout)
		}
		return out, ctx.Err()
	}
}

// TempPrefix begins the name of the temporary file WriteFile writes path through, in path's
// folder: a run killed during the write leaves it, and whoever undoes the run removes it.
// Every Host writes through a temporary file of this name.
func TempPrefix(path string) string { return atomicfile.TempPrefix(path) }

// ReadFile implements Host, refusing a file over limits.MaxHostFileBytes.
func (Local) ReadFile(ctx context.Context, path string) ([]byte, error) {
	return limits.ReadFile(ctx, path, limits.MaxHostFileBytes, "file")
}

// WriteFile implements Host. Every error names path.
func (Local) WriteFile(_ context.Context, path string, data []byte, perm fs.FileMode, owner *Owner) error {
	return atomicfile.Write(path, func(f *os.File) error {
		if err := fill(f, data, perm, owner); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	})
}

// fill writes data into f and gives it its owner and mode.
func fill(f *os.File, data []byte, perm fs.FileMode, owner *Owner) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	if owner != nil {
		err := f.Chown(owner.UID, owner.GID)
		if err != nil && (os.Geteuid() == 0 || !errors.Is(err, fs.ErrPermission)) {
			return err
		}
	}
	return f.Chmod(perm) // after Chown, which may clear set-id bits
}

// CreateExclusive implements Host.
func (Local) CreateExclusive(_ context.Context, path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}

// Stat implements Host.
func (Local) Stat(_ context.Context, path string) (FileInfo, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return FileInfo{}, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	info := FileInfo{Path: path, IsDir: fi.IsDir(), Size: fi.Size(), Mode: fi.Mode(), ModTime: fi.ModTime(),
		UID: int(st.Uid), GID: int(st.Gid), Dev: uint64(st.Dev)}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if info.Target, err = os.Readlink(path); err != nil {
			return FileInfo{}, err
		}
	}
	return info, nil
}

// Rename implements Host; the rename is made durable.
func (Local) Rename(_ context.Context, from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(filepath.Dir(to)); err != nil {
		return err
	}
	if filepath.Dir(from) != filepath.Dir(to) {
		return atomicfile.SyncDir(filepath.Dir(from))
	}
	return nil
}

// RemoveAll implements Host.
func (Local) RemoveAll(_ context.Context, path string) error { return os.RemoveAll(path) }

// Usage implements Host: allocated blocks, each inode once.
func (Local) Usage(_ context.Context, dir string) (int64, error) {
	seen := map[[2]uint64]bool{}
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		// A running broker replaces snapshots and segments while this walks: what vanished
		// takes no space any more.
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		key := [2]uint64{uint64(st.Dev), st.Ino}
		if !seen[key] {
			seen[key] = true
			total += st.Blocks * 512
		}
		return nil
	})
	return total, err
}

// FreeSpace implements Host.
func (Local) FreeSpace(_ context.Context, path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, &fs.PathError{Op: "statfs", Path: path, Err: err}
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// Holders implements Host by scanning /proc.
func (Local) Holders(ctx context.Context, dir string) ([]Holder, error) {
	return procHolders(ctx, "/proc", dir)
}

// Inspect implements Host by reading /proc.
func (Local) Inspect(_ context.Context, pid int) (Process, error) {
	return procInspect("/proc", pid)
}

// Archive implements Host in this process.
func (Local) Archive(ctx context.Context, dir string, opts archive.WriteOptions, w io.Writer) (*archive.Summary, error) {
	return archive.Write(ctx, w, dir, opts)
}

// Extract implements Host in this process.
func (Local) Extract(ctx context.Context, r io.Reader, target string, opts archive.ExtractOptions) (*archive.Summary, error) {
	return archive.Extract(ctx, r, target, opts)
}
