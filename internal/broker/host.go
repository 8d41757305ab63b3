// Package broker controls brokers and does the work that must happen next to their data.
//
// A Host is where a broker runs: it runs the broker's stop and start commands, reads and
// writes its files, archives and extracts its data folder, and tells which processes hold
// files open below a folder. The workflows only talk to Hosts, so a broker on this machine
// (Local) and, later, one reached over SSH or through a helper pod are driven the same way.
// Every Host must pass the conformance suite in hosttest.
//
// Invariants:
//  1. Commands run with a timeout; their output is returned (bounded) for messages, never
//     interpreted.
//  2. Files are written atomically: temporary file, fsync, rename, fsync of the folder.
//  3. Holders reports every process it could inspect that has a file, a memory mapping or its
//     working folder below the folder; a process it could not inspect but that may belong to
//     the folder's owner is an error, never silently skipped.
//  4. Inspect returns only the environment variables that Zeebe's configuration reads
//     (ConfigEnv); the rest of a process's environment never leaves the host. Even those may
//     hold secrets (exporter passwords): callers never record, log or print them.
package broker

import (
	"context"
	"io"
	"io/fs"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

// Host runs the work next to one broker's data.
type Host interface {
	// Name names the host for messages: "local", "ssh://zeebe@10.0.0.12".
	Name() string
	// Run runs a shell command and returns its combined output (the last 4 KiB). A command
	// that runs longer than timeout is killed with its process group. started, when set, is
	// given the command's process group before the command does anything; the command runs
	// only once it returned nil.
	Run(ctx context.Context, command string, timeout time.Duration, started Started) (string, error)
	// Settle ends a command a run that is gone left running, from its recorded group: it waits
	// up to wait for the command's shell to return, then sends the group SIGTERM, then SIGKILL
	// after grace. A recycled process id is never signalled. It reports whether the command
	// was still running.
	Settle(ctx context.Context, g Group, wait, grace time.Duration) (bool, error)
	// ReadFile reads a small file (a configuration, a lock); one over limits.MaxHostFileBytes
	// is refused.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// WriteFile replaces path atomically with a file of mode perm. With owner set, the file
	// gets that owner and group before it replaces path, when the process may give it them
	// (as root); otherwise it belongs to the process's user.
	WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode, owner *Owner) error
	// CreateExclusive creates path with data, durably, failing with an error that wraps
	// fs.ErrExist when it exists: a lock. The file has mode 0600: a lock names its holder.
	CreateExclusive(ctx context.Context, path string, data []byte) error
	// Stat describes path without following a final symbolic link; absent: fs.ErrNotExist.
	Stat(ctx context.Context, path string) (FileInfo, error)
	Rename(ctx context.Context, from, to string) error
	RemoveAll(ctx context.Context, path string) error
	// ReadDir lists the names in a folder, sorted.
	ReadDir(ctx context.Context, dir string) ([]string, error)
	// Mkdir creates one folder, failing with an error that wraps fs.ErrExist when path exists.
	Mkdir(ctx context.Context, path string, perm fs.FileMode) error
	// RealPath is path with every symbolic link resolved, as the broker's own file accesses
	// resolve it; absent: fs.ErrNotExist.
	RealPath(ctx context.Context, path string) (string, error)
	// MountPoint tells whether the folder path (with no symbolic link in it) is where a
	// filesystem is mounted: its device differs from its parent's, or the mount table lists
	// it (a bind mount). A mount point cannot be renamed; what is in it can, within it.
	MountPoint(ctx context.Context, path string) (bool, error)
	// Usage is the space the files below dir take on disk, hard links counted once.
	Usage(ctx context.Context, dir string) (int64, error)
	// FreeSpace is the space available to this user on the filesystem holding path.
	FreeSpace(ctx context.Context, path string) (int64, error)
	// Holders lists processes with a file open, mapped or as working folder below dir.
	Holders(ctx context.Context, dir string) ([]Holder, error)
	// Inspect reads what configures a running process: its command line, working folder and
	// the environment variables ConfigEnv keeps. A process that has ended: fs.ErrNotExist.
	Inspect(ctx context.Context, pid int) (Process, error)
	// Archive streams the folder as an archive into w.
	Archive(ctx context.Context, dir string, opts archive.WriteOptions, w io.Writer) (*archive.Summary, error)
	// Extract writes an archive read from r into target, which must be absent or empty.
	Extract(ctx context.Context, r io.Reader, target string, opts archive.ExtractOptions) (*archive.Summary, error)
}

// FileInfo is what Stat tells; plain data so that remote hosts can send it.
type FileInfo struct {
	Path    string
	IsDir   bool
	Size    int64
	Mode    fs.FileMode
	ModTime time.Time
	UID     int
	GID     int
	// Target is what a symbolic link points to, as stored ("" for anything else).
	Target string
	// Dev is the id of the filesystem that holds path (st_dev): two paths with the same Dev on
	// one host share their free space.
	Dev uint64
}

// Owner is the user and group that own a file.
type Owner struct{ UID, GID int }

// Holder is a process that holds something below a folder.
type Holder struct {
	PID     int
	Command string // the process's command line, shortened
	Path    string // the first path it holds below the folder
	How     string // "open file", "memory mapping", "working folder"
}

// Process is what configures a running process; plain data so that remote hosts can send it.
// Env may hold secrets: never record, log or print it.
type Process struct {
	PID     int
	Args    []string          // the command line
	WorkDir string            // the working folder
	Env     map[string]string // only the variables ConfigEnv keeps
}
