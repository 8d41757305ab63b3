package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Lock is the repository lock: who holds it, and the operation it is doing. It is a stored
// format (format.go, docs/repository-format.md): Lock, Holder, Operation, OpBroker and
// OpCommand hold only fields of basic types, time.Time and this package's types.
type Lock struct {
	// FormatVersion is LockFormat; a lock written before the field existed reads as 1.
	FormatVersion int        `json:"formatVersion"`
	Holder        Holder     `json:"holder"`
	Operation     *Operation `json:"operation,omitempty"`
}

// Holder names the process that holds the lock.
type Holder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	User    string    `json:"user"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// ThisProcess describes the running process as a lock holder.
func ThisProcess(command string, now time.Time) Holder {
	h := Holder{PID: os.Getpid(), Command: command, Since: now.UTC()}
	h.Host, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	return h
}

// String names the holder for messages; fields read from a lock file are cut short and URL
// passwords redacted.
func (h Holder) String() string {
	return fmt.Sprintf("'%s' (pid %d of %s on %s, since %s)", shown(h.Command), h.PID, shown(h.User), shown(h.Host), h.Since.Format(time.RFC3339))
}

// shown is a field of a lock as a message shows it.
func shown(s string) string { return limits.Excerpt(redact.Text(s), 200) }

// Operation is what a backup or restore writes down before it touches a broker, and keeps up to
// date, so that `recover` can finish or undo it when the tool was killed.
type Operation struct {
	Kind    string     `json:"kind"` // "backup" or "restore"
	ID      string     `json:"id"`   // the backup's id
	Cluster string     `json:"cluster"`
	Started time.Time  `json:"started"`
	Brokers []OpBroker `json:"brokers"`
	// Folder (backup only) is the backup's folder, recorded once it was found absent with the
	// lock held, before anything was stored: everything in it is this operation's, so
	// `recover` may remove it whole. Empty: the operation stored nothing.
	Folder string `json:"folder,omitempty"`
	// Committed (restore only): the restored cluster was proven ready. From then on `recover`
	// rolls forward (starts the brokers that are down, removes the previous data folders when
	// DiscardPrevious says so), never back. Nothing previous is removed before it is set.
	Committed       bool `json:"committed,omitempty"`
	DiscardPrevious bool `json:"discardPrevious,omitempty"`
}

// OpCommand is a stop or start command that was running: the process group it runs in,
// recorded before the command does anything, so that `recover` can end or wait for it.
type OpCommand struct {
	What string `json:"what"` // "stop" or "start"
	PGID int    `json:"pgid"`
	// Start is the group leader's start time (clock ticks after boot), so that a recycled
	// process id is never taken for the group.
	Start uint64 `json:"start"`
}

// OpBroker is one broker's state in an operation.
type OpBroker struct {
	NodeID     int    `json:"nodeId"`
	Host       string `json:"host"`
	DataDir    string `json:"dataDir"`
	ConfigPath string `json:"configPath"`
	// Stopped: its stop command was run, so the broker must be started again.
	Stopped bool `json:"stopped"`
	// Restore only: the staging folder, where the previous data folder was moved, where the
	// previous configuration was saved, and how far the swap got.
	Staging         string `json:"staging,omitempty"`
	Previous        string `json:"previous,omitempty"`
	PreviousConfig  string `json:"previousConfig,omitempty"`
	Swapped         bool   `json:"swapped,omitempty"`
	ConfigInstalled bool   `json:"configInstalled,omitempty"`
	// InFolder: the data folder is a mount point, so Staging and Previous are folders inside
	// it and the swap moves its entries (all but lost+found and the tool's own folders) one by
	// one; MovedOut: every previous entry is in Previous, so what else is in the data folder
	// is restored data.
	InFolder bool `json:"inFolder,omitempty"`
	MovedOut bool `json:"movedOut,omitempty"`
	// Command is the broker's stop or start command while it runs (nil once it returned).
	Command *OpCommand `json:"command,omitempty"`
}

// ErrLocked is wrapped when another run holds the lock.
var ErrLocked = errors.New("the repository is locked")

// LockedError says who holds the lock, whether it may still run, and how to break the lock.
type LockedError struct {
	Location string
	Lock     Lock
	// State is what this host can tell about the holder; Refreshed is when the lock was last
	// written (its holder's Since, or a later rewrite) and Age how long ago that was.
	State     HolderState
	Refreshed time.Time
	Age       time.Duration
}

// Stale tells whether the lock was not written for LockStaleAfter.
func (e *LockedError) Stale() bool { return e.Age >= LockStaleAfter }

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("%s is locked by %s", e.Location, e.Lock.Holder)
	if op := e.Lock.Operation; op != nil {
		msg += fmt.Sprintf(", which is doing a %s of backup %s", shown(op.Kind), shown(op.ID))
	}
	const recover = "run 'zeebe-backup recover' to finish or undo what it left and release the lock"
	age := e.Age.Round(time.Minute)
	switch {
	case e.State == HolderGone:
		return msg + "; that process no longer runs on this host: " + recover
	case e.State == HolderAlive && !e.Stale():
		return msg + "; that process still runs on this host: wait for it (--retry-lock DURATION waits for the lock)"
	case e.State == HolderAlive:
		return msg + fmt.Sprintf("; the lock is stale (not written for %s, over %s) but that process still runs on this host: if it hangs, stop it, then %s", age, LockStaleAfter, recover)
	case !e.Stale():
		return msg + fmt.Sprintf("; it may still run on %s: wait for it (--retry-lock DURATION waits for the lock; it counts as stale %s after it was last written, at %s); if you know that run is gone, %s",
			shown(e.Lock.Holder.Host), LockStaleAfter, e.Refreshed.Add(LockStaleAfter).UTC().Format(time.RFC3339), recover)
	default:
		return msg + fmt.Sprintf("; the lock is stale (not written for %s, over %s): if that run on %s is gone, %s", age, LockStaleAfter, shown(e.Lock.Holder.Host), recover)
	}
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Acquire takes the lock, or fails with a *LockedError naming the holder (after waiting for it
// as WithLockWait says).
func (r *Repo) Acquire(ctx context.Context, l Lock) error {
	return r.retryLocked(ctx, func() error { return r.acquire(ctx, l) })
}

func (r *Repo) acquire(ctx context.Context, l Lock) error {
	l.FormatVersion = LockFormat
	b, err := encodeJSON(l)
	if err != nil {
		return err
	}
	if _, err := r.s.PutIfAbsent(ctx, lockKey, bytes.NewReader(b)); err != nil {
		if errors.Is(err, storage.ErrExists) {
			held, rerr := r.ReadLock(ctx)
			if errors.Is(rerr, ErrLocked) {
				return rerr
			}
			if rerr != nil || held == nil {
				return fmt.Errorf("%w: %s holds a lock that cannot be read (%v); remove %s/%s if no run is in progress", ErrLocked, r.Location(), rerr, r.Location(), lockKey)
			}
			return r.lockedError(ctx, *held)
		}
		return fmt.Errorf("lock %s: %w", r.Location(), err)
	}
	return r.removeLockRemnants(ctx)
}

// Tidy takes the lock only to remove what killed writes of it left, and releases it: for a
// recover that found no operation (a run killed while it wrote its first lock). Someone else
// holding the lock is no error: the holder tidies when it releases.
func (r *Repo) Tidy(ctx context.Context, holder Holder) error {
	if err := r.acquire(ctx, Lock{Holder: holder}); err != nil {
		if errors.Is(err, ErrLocked) {
			return nil
		}
		return err
	}
	return r.Release(ctx)
}

// removeLockRemnants removes the temporary files that killed writes of the lock left at the
// repository's top. Only the holder of the lock calls it: no other writer can be writing the
// lock then (a concurrent attempt to take it fails whatever its temporary file becomes).
func (r *Repo) removeLockRemnants(ctx context.Context) error {
	if rs, ok := r.s.(storage.Remnants); ok {
		if err := rs.RemoveRemnants(ctx, ""); err != nil {
			return fmt.Errorf("remove what killed writes of the lock left in %s: %w", r.Location(), err)
		}
	}
	return nil
}

// CheckUnlocked fails with a *LockedError when someone holds the lock (after waiting for it as
// WithLockWait says); pre-flight checks call it so that a left lock is reported before
// anything else.
func (r *Repo) CheckUnlocked(ctx context.Context) error {
	return r.retryLocked(ctx, func() error { return r.checkUnlocked(ctx) })
}

func (r *Repo) checkUnlocked(ctx context.Context) error {
	l, err := r.ReadLock(ctx)
	if errors.Is(err, ErrLocked) {
		return err
	}
	if err != nil {
		// A lock that is there but cannot be read still says a run may be in progress.
		return fmt.Errorf("%w: %s holds a lock that cannot be read (%v); remove %s/%s if no run is in progress", ErrLocked, r.Location(), err, r.Location(), lockKey)
	}
	if l != nil {
		return r.lockedError(ctx, *l)
	}
	return nil
}

// Update rewrites the held lock, e.g. with the operation's progress.
func (r *Repo) Update(ctx context.Context, l Lock) error {
	l.FormatVersion = LockFormat
	if err := r.putJSON(ctx, lockKey, l); err != nil {
		return fmt.Errorf("record the operation in %s: %w", r.Location(), err)
	}
	return nil
}

// ReadLock returns the lock, of any format version this build reads, or nil when the
// repository is not locked.
func (r *Repo) ReadLock(ctx context.Context) (*Lock, error) {
	l, err := r.readLock(ctx)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, ErrLocked):
		return nil, err
	case errors.As(err, &syntax), errors.As(err, &typ), errors.Is(err, limits.ErrExceeded):
		// A lock that is there but not a lock: someone or something wrote it. It still holds
		// the repository, and no run can tell whether its writer is gone.
		return nil, fmt.Errorf("%w: %s/%s is not a lock this tool wrote (%w); if no zeebe-backup run uses this repository, look at it and remove it", ErrLocked, r.Location(), lockKey, err)
	case err != nil:
		return nil, err
	}
	return l, nil
}

// readLock reads and decodes the lock. A format it does not read still holds the repository:
// its error wraps ErrLocked.
func (r *Repo) readLock(ctx context.Context) (*Lock, error) {
	data, err := r.read(ctx, lockKey, limits.MaxLockBytes, "lock")
	if err != nil {
		return nil, err
	}
	version, err := versionOf(lockKey, data, limits.MaxLockBytes, "lock")
	if err != nil {
		return nil, err
	}
	if err := r.checkVersion(lockKey, "lock", version, 0, LockFormat); err != nil {
		return nil, fmt.Errorf("%w: %w; the run that took it may still be going on, or it left an operation that only a zeebe-backup that reads its record can recover", ErrLocked, err)
	}
	var l Lock
	if err := decode(lockKey, data, limits.MaxLockBytes, "lock", &l); err != nil {
		return nil, err
	}
	// A format 1 lock written before formatVersion existed has none.
	l.FormatVersion = max(l.FormatVersion, 1)
	return &l, nil
}

// Release removes the lock.
// While it still holds the lock it removes what killed writes of the lock left.
func (r *Repo) Release(ctx context.Context) error {
	if err := r.removeLockRemnants(ctx); err != nil {
		return err
	}
	return r.s.Delete(ctx, lockKey)
}

// Tracker holds the lock for one operation and keeps its record up to date, so that the record
// always says what `recover` must do.
type Tracker struct {
	mu   sync.Mutex
	r    *Repo
	lock Lock
}

// Begin takes the lock for an operation.
func (r *Repo) Begin(ctx context.Context, holder Holder, op Operation) (*Tracker, error) {
	l := Lock{Holder: holder, Operation: &op}
	if err := r.Acquire(ctx, l); err != nil {
		return nil, err
	}
	return &Tracker{r: r, lock: l}, nil
}

// Resume keeps the record of an operation whose lock l was read from the repository and whose
// holder is gone, so that recover can finish it: the lock is not taken again (it is held
// already) and its holder stays the interrupted run.
func (r *Repo) Resume(l Lock) (*Tracker, error) {
	if l.Operation == nil {
		return nil, errors.New("the lock records no operation to resume")
	}
	return &Tracker{r: r, lock: l}, nil
}

// Update changes the broker's record and stores the operation before returning.
func (t *Tracker) Update(ctx context.Context, nodeID int, fn func(*OpBroker)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.lock.Operation.Brokers {
		if t.lock.Operation.Brokers[i].NodeID == nodeID {
			fn(&t.lock.Operation.Brokers[i])
		}
	}
	return t.r.Update(ctx, t.lock)
}

// Own records that the operation owns the backup's folder (Operation.Folder) and stores the
// record before returning.
func (t *Tracker) Own(ctx context.Context, folder string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lock.Operation.Folder = folder
	return t.r.Update(ctx, t.lock)
}

// Commit records that the restored cluster was proven ready (Operation.Committed) and whether
// the previous data is to be discarded, and stores the record before returning.
func (t *Tracker) Commit(ctx context.Context, discardPrevious bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lock.Operation.Committed, t.lock.Operation.DiscardPrevious = true, discardPrevious
	return t.r.Update(ctx, t.lock)
}

// Operation returns a copy of the current record.
func (t *Tracker) Operation() Operation {
	t.mu.Lock()
	defer t.mu.Unlock()
	op := *t.lock.Operation
	op.Brokers = append([]OpBroker(nil), op.Brokers...)
	return op
}

// Holder is the run that holds the lock.
func (t *Tracker) Holder() Holder { return t.lock.Holder }

// End releases the lock: the operation is finished.
func (t *Tracker) End(ctx context.Context) error { return t.r.Release(ctx) }
