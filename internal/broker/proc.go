package broker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// procHolders scans a proc filesystem for processes that hold something below dir: an open
// file descriptor, a memory mapping (Zeebe maps its journal segments), or the working folder.
func procHolders(ctx context.Context, proc, dir string) ([]Holder, error) {
	roots, owner, err := folderIdentity(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(proc)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	var out []Holder
	var blind []string
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		base := filepath.Join(proc, e.Name())
		h, inspected := inspect(base, roots)
		if h != nil {
			h.PID = pid
			h.Command = cmdline(base)
			out = append(out, *h)
			continue
		}
		if !inspected {
			var st syscall.Stat_t
			if syscall.Stat(base, &st) == nil && int(st.Uid) == owner {
				blind = append(blind, fmt.Sprintf("%d (%s)", pid, cmdline(base)))
			}
		}
	}
	if len(blind) > 0 {
		return out, fmt.Errorf("cannot inspect processes %s, which run as the owner (uid %d) of %s and may hold it open; run zeebe-backup as root or as that user",
			strings.Join(blind, ", "), owner, dir)
	}
	return out, nil
}

// folderIdentity returns the folder's path and, when it differs, its resolved path, plus the
// uid that owns it.
func folderIdentity(dir string) ([]string, int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, 0, err
	}
	roots := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		roots = append(roots, real)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(abs, &st); err != nil {
		return nil, 0, &fs.PathError{Op: "stat", Path: abs, Err: err}
	}
	return roots, int(st.Uid), nil
}

func below(p string, roots []string) bool {
	p = strings.TrimSuffix(p, " (deleted)")
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// inspect looks at one process; inspected is false when its file descriptors could not be read.
func inspect(base string, roots []string) (h *Holder, inspected bool) {
	fds, err := os.ReadDir(filepath.Join(base, "fd"))
	if err != nil {
		// A process that ended meanwhile holds nothing.
		return nil, errors.Is(err, fs.ErrNotExist)
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(base, "fd", fd.Name())); err == nil && below(target, roots) {
			return &Holder{Path: target, How: "open file"}, true
		}
	}
	if cwd, err := os.Readlink(filepath.Join(base, "cwd")); err == nil && below(cwd, roots) {
		return &Holder{Path: cwd, How: "working folder"}, true
	}
	if maps, err := os.ReadFile(filepath.Join(base, "maps")); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(maps))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			// address perms offset dev inode path
			fields := strings.Fields(sc.Text())
			if len(fields) >= 6 {
				if p := strings.Join(fields[5:], " "); below(p, roots) {
					return &Holder{Path: p, How: "memory mapping"}, true
				}
			}
		}
	}
	return nil, true
}

func cmdline(base string) string {
	b, err := os.ReadFile(filepath.Join(base, "cmdline"))
	if err != nil || len(b) == 0 {
		comm, _ := os.ReadFile(filepath.Join(base, "comm"))
		return strings.TrimSpace(string(comm))
	}
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// procInspect reads a process's command line, working folder and configuration environment
// from a proc filesystem. A process that ended, or ends while it is read, is fs.ErrNotExist:
// a zombie (ended, not yet reaped by its parent) answers "no such process" (ESRCH) for its
// environment instead.
func procInspect(proc string, pid int) (Process, error) {
	base := filepath.Join(proc, strconv.Itoa(pid))
	read := func(what string, f func() error) error {
		err := f()
		if errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("read the %s of process %d: it has ended: %w", what, pid, fs.ErrNotExist)
		}
		if err != nil {
			return fmt.Errorf("read the %s of process %d: %w", what, pid, err)
		}
		return nil
	}
	var raw, args []byte
	p := Process{PID: pid, Env: map[string]string{}}
	if err := read("environment", func() (err error) { raw, err = os.ReadFile(filepath.Join(base, "environ")); return err }); err != nil {
		return Process{}, err
	}
	for _, kv := range strings.Split(string(raw), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && ConfigEnv(k) {
			p.Env[k] = v
		}
	}
	if err := read("working folder", func() (err error) { p.WorkDir, err = os.Readlink(filepath.Join(base, "cwd")); return err }); err != nil {
		return Process{}, err
	}
	if err := read("command line", func() (err error) { args, err = os.ReadFile(filepath.Join(base, "cmdline")); return err }); err != nil {
		return Process{}, err
	}
	p.Args = strings.Split(strings.TrimSuffix(string(args), "\x00"), "\x00")
	// Read last: a process that ended while it was read left an empty command line.
	st, err := readProcStat(proc, pid)
	if err := read("state", func() error { return err }); err != nil {
		return Process{}, err
	}
	if st.state == 'Z' || st.state == 'X' {
		return Process{}, fmt.Errorf("process %d has ended: %w", pid, fs.ErrNotExist)
	}
	return p, nil
}
