package broker

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/zeebe-backup/zeebe-backup/internal/atomicfile"
)

// ReadDir implements Host.
func (Local) ReadDir(_ context.Context, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// Mkdir implements Host; the new folder is made durable.
func (Local) Mkdir(_ context.Context, path string, perm fs.FileMode) error {
	if err := os.Mkdir(path, perm); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}

// RealPath implements Host.
func (Local) RealPath(_ context.Context, path string) (string, error) {
	return filepath.EvalSymlinks(path)
}

// MountPoint implements Host from the devices of path and its parent, then
// /proc/self/mountinfo.
func (Local) MountPoint(_ context.Context, path string) (bool, error) {
	path = filepath.Clean(path)
	var st, parent syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return false, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	if err := syscall.Lstat(filepath.Dir(path), &parent); err != nil {
		return false, &fs.PathError{Op: "lstat", Path: filepath.Dir(path), Err: err}
	}
	if st.Dev != parent.Dev || path == "/" {
		return true, nil
	}
	return mountTableLists("/proc/self/mountinfo", path)
}

// mountTableLists tells whether a mountinfo file (proc(5)) has a mount at path.
func mountTableLists(mountinfo, path string) (bool, error) {
	f, err := os.Open(mountinfo)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMount(fields[4]) == path {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read %s: %w", mountinfo, err)
	}
	return false, nil
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo paths.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
