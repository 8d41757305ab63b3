package broker

import (
	"context"
	"io"
	"io/fs"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

// Host runs the work next to one broker's data: all four roles.
type Host interface {
	Commands
	Files
	Processes
	Mover
}

// MaxOutput is the most of a command's output Run returns: its end.
const MaxOutput = 4 << 10

// Commands runs shell commands (a broker's stop and start commands) on the host.
//
// Contract:
//  1. A command runs in a process group of its own, with a timeout; at the timeout the whole
//     group is killed, whatever the command left running in it included.
//  2. Its combined output is returned, bounded (the last MaxOutput bytes), for messages; it is
//     never interpreted.
//  3. A command whose group must be recorded runs only once the record is written: started is
//     given the group before the command does anything, and a refusal means it never runs.
//  4. Settle signals only the recorded command: a process id that now belongs to another
//     process, or a leader that runs another command, is never signalled.
type Commands interface {
	// Name names the host for messages: "local", "ssh://zeebe@10.0.0.12".
	Name() string
	// Run runs a shell command and returns its combined output (the last MaxOutput bytes). A
	// command that exits with another status than 0, or runs longer than timeout, is an error;
	// at the timeout it is killed with its process group. started, when set, is given the
	// command's process group before the command does anything; the command runs only once
	// it returned nil, and an error from it is returned (wrapped or as is) by Run.
	Run(ctx context.Context, command string, timeout time.Duration, started Started) (string, error)
	// Settle ends a command a run that is gone left running, from its recorded group: it waits
	// up to wait for the command's shell to return, then sends the group SIGTERM, then SIGKILL
	// after grace. A recycled process id is never signalled. It reports whether the command
	// was still running.
	Settle(ctx context.Context, g Group, wait, grace time.Duration) (bool, error)
}

// Files reads and writes files on the host.
//
// Contract:
//  1. Absent means an error that wraps fs.ErrNotExist, for every method that takes an existing
//     path.
//  2. Files are written atomically and durably: temporary file beside the target (named with
//     TempPrefix), fsync, rename, fsync of the folder. A reader sees the old content or the new,
//     never a mix, and a failed write leaves no temporary file behind.
//  3. Renames and new folders are durable when the call returns.
//  4. Nothing follows a final symbolic link but RealPath.
type Files interface {
	// ReadFile reads a small file (a configuration, a lock); one over limits.MaxHostFileBytes
	// is refused with an error that wraps limits.ErrExceeded. Every error names path. Reading a
	// folder fails with an error that wraps syscall.EISDIR (errors.Is), as os's read of a
	// folder does: that is how the configuration reader tells that a Spring location is a
	// folder (config.LoadOptions.ReadFile).
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// WriteFile replaces path atomically with a file of mode perm. With owner set, the file
	// gets that owner and group before it replaces path, when the process may give it them
	// (as root); otherwise it belongs to the process's user.
	WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode, owner *Owner) error
	// CreateExclusive creates path with data, durably, failing with an error that wraps
	// fs.ErrExist when it exists: a lock. The file has mode 0600: a lock names its holder.
	CreateExclusive(ctx context.Context, path string, data []byte) error
	// Stat describes path without following a final symbolic link.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// Rename moves from to to, replacing a file at to, durably.
	Rename(ctx context.Context, from, to string) error
	// RemoveAll removes path and everything below it; an absent path is no error.
	RemoveAll(ctx context.Context, path string) error
	// ReadDir lists the names in a folder, sorted.
	ReadDir(ctx context.Context, dir string) ([]string, error)
	// Mkdir creates one folder, failing with an error that wraps fs.ErrExist when path exists.
	Mkdir(ctx context.Context, path string, perm fs.FileMode) error
	// RealPath is path with every symbolic link resolved, as the broker's own file accesses
	// resolve it.
	RealPath(ctx context.Context, path string) (string, error)
	// MountPoint tells whether the folder path (with no symbolic link in it) is where a
	// filesystem is mounted: its device differs from its parent's, or the mount table lists
	// it (a bind mount). A mount point cannot be renamed; what is in it can, within it.
	MountPoint(ctx context.Context, path string) (bool, error)
	// Usage is the space the files below dir take on disk, hard links counted once.
	Usage(ctx context.Context, dir string) (int64, error)
	// FreeSpace is the space available to this user on the filesystem holding path.
	FreeSpace(ctx context.Context, path string) (int64, error)
}

// Processes tells about the processes running on the host.
//
// Contract:
//  1. Holders reports every process it could inspect that has a file, a memory mapping or its
//     working folder below the folder, the folder's real path (behind symbolic links)
//     included; a process it could not inspect but that may belong to the folder's owner is
//     an error, never silently skipped. A process that ended holds nothing.
//  2. Inspect returns only the environment variables that Zeebe's configuration reads
//     (ConfigEnv); the rest of a process's environment never leaves the host. Even those may
//     hold secrets (exporter passwords): callers never record, log or print them.
type Processes interface {
	// Holders lists processes with a file open, mapped or as working folder below dir, one
	// Holder each (its first hold found). An absent dir: fs.ErrNotExist.
	Holders(ctx context.Context, dir string) ([]Holder, error)
	// Inspect reads what configures a running process: its command line, working folder and
	// the environment variables ConfigEnv keeps. A process that has ended (a zombie included):
	// fs.ErrNotExist.
	Inspect(ctx context.Context, pid int) (Process, error)
}

// Mover moves a data folder's content as an archive stream (archive's format) between the
// host and the machine running zeebe-backup.
//
// Contract:
//  1. Content, modes, modification times, symbolic links (never followed) and hard links
//     survive Archive then Extract.
//  2. Extract never merges: its target must be absent or an empty folder. It never writes
//     outside its target, and on error removes what it created.
type Mover interface {
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
