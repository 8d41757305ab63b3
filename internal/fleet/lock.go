package fleet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// LockPath is the cluster lock of one broker: a file beside its data folder that names the run
// working on the broker and its repository, so that two runs against one cluster cannot
// overlap even when they use different repositories.
func LockPath(dataDir string) string { return dataDir + ".zeebe-backup-lock" }

// ClusterLock is what a broker's lock file holds; the file has its own stored format
// (lockfile.go).
type ClusterLock struct {
	Holder     repo.Holder `json:"holder"`
	Repository string      `json:"repository"`
	Operation  string      `json:"operation"` // "backup 20261124T103000Z"
}

// ErrClusterLocked is wrapped when a broker is locked by another run.
var ErrClusterLocked = errors.New("the cluster is locked by another run")

// Lock takes every broker's lock, or none: on failure the ones taken are released and the error
// names the holder.
func (f *Fleet) Lock(ctx context.Context, l ClusterLock) error {
	l.Holder.Command, l.Repository = redact.Text(l.Holder.Command), redact.Text(l.Repository)
	data, err := encodeClusterLock(l)
	if err != nil {
		return err
	}
	for i, m := range f.Members {
		err := m.Host.CreateExclusive(ctx, LockPath(m.DataDir), data)
		if err == nil {
			continue
		}
		f.unlock(ctx, f.Members[:i])
		if errors.Is(err, fs.ErrExist) {
			return lockedError(ctx, m)
		}
		return fmt.Errorf("%s: lock %s: %w", m.Broker.Name(), LockPath(m.DataDir), err)
	}
	return nil
}

// CheckUnlocked fails, naming the holder, when any broker's lock file exists; pre-flight checks
// call it first. Only a lock file that does not exist counts as unlocked: one that cannot be
// looked at is an error naming it.
func (f *Fleet) CheckUnlocked(ctx context.Context) error {
	for _, m := range f.Members {
		_, err := m.Host.Stat(ctx, LockPath(m.DataDir))
		switch {
		case err == nil:
			return lockedError(ctx, m)
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s: cannot tell whether it is locked by another run: its lock file %s: %w; fix the cause and run again", m.Broker.Name(), LockPath(m.DataDir), err)
		}
	}
	return nil
}

// lockedError names the run that holds a broker's lock.
func lockedError(ctx context.Context, m *Member) error {
	held, err := ReadLock(ctx, m)
	if errors.Is(err, repo.ErrNewerFormat) {
		return fmt.Errorf("%w: %s is locked by a newer zeebe-backup: %v; if that run is gone, run 'zeebe-backup recover' with that build", ErrClusterLocked, m.Broker.Name(), err)
	}
	if err != nil {
		return fmt.Errorf("%w: %s has a lock file %s that cannot be read (%v); remove it if no run is in progress", ErrClusterLocked, m.Broker.Name(), LockPath(m.DataDir), err)
	}
	return fmt.Errorf("%w: %s is locked by %s, doing a %s with repository %s; if that run is gone, run 'zeebe-backup recover' with that repository",
		ErrClusterLocked, m.Broker.Name(), held.Holder, shown(held.Operation), shown(held.Repository))
}

// shown is a field of a lock file as a message shows it: cut short, URL passwords redacted.
func shown(s string) string { return limits.Excerpt(redact.Text(s), 200) }

// Unlock removes every broker's lock file.
func (f *Fleet) Unlock(ctx context.Context) error { return f.unlock(ctx, f.Members) }

func (f *Fleet) unlock(ctx context.Context, members []*Member) error {
	var errs []error
	for _, m := range members {
		if err := m.Host.RemoveAll(ctx, LockPath(m.DataDir)); err != nil {
			errs = append(errs, fmt.Errorf("%s: remove %s: %w", m.Broker.Name(), LockPath(m.DataDir), err))
		}
	}
	return errors.Join(errs...)
}

// ReadLock reads a broker's lock file; fs.ErrNotExist when there is none.
func ReadLock(ctx context.Context, m *Member) (*ClusterLock, error) {
	raw, err := m.Host.ReadFile(ctx, LockPath(m.DataDir))
	if err != nil {
		return nil, err
	}
	return parseClusterLock(LockPath(m.DataDir), raw)
}
