package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// ErrHolderAlive is wrapped when the process holding the lock still runs.
var ErrHolderAlive = errors.New("the run that holds the lock is still alive")

// Resume takes over the operation an interrupted run left in the repository lock of d.Repo,
// so that recover can finish or undo it on fleet f; the record keeps the interrupted run as
// its holder. It returns nil (and no error) when there is nothing to resume: no lock (then what
// a run killed while it wrote its first lock left is removed), or a lock without an operation
// (then the lock is released).
//
// It refuses a lock that cannot be read (repo.ErrLocked), and a holder that still runs on this
// host (ErrHolderAlive).
func Resume(ctx context.Context, d *Deps, f *fleet.Fleet) (*Operation, error) {
	r := d.Repo
	lock, err := r.ReadLock(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %s holds a lock that cannot be read (%v), so recover does not act on it; remove %s/lock.json if no run is in progress, once 'zeebe-backup status' shows the brokers as they should be", repo.ErrLocked, r.Location(), err, r.Location())
	}
	if lock == nil {
		// A run killed while it wrote its first lock left at most a temporary file of it.
		// Not being able to (a read-only repository) changes nothing for the cluster.
		if err := r.Tidy(ctx, repo.ThisProcess(d.Command, d.Now())); err != nil {
			d.Emit(progress.Event{Level: progress.Warn, Phase: "recover", Broker: progress.Cluster, Message: fmt.Sprintf("could not remove temporary files a killed run may have left at the top of %s: %v", r.Location(), err)})
		}
		return nil, nil
	}
	if lock.Holder.State() == repo.HolderAlive {
		return nil, fmt.Errorf("%w: %s; wait for it, or stop it first", ErrHolderAlive, lock.Holder)
	}
	if lock.Operation == nil {
		d.Emit(progress.Event{Phase: "recover", Broker: progress.Cluster, Message: "the lock records no operation; releasing it"})
		return nil, r.Release(ctx)
	}
	track, err := r.Resume(*lock)
	if err != nil {
		return nil, err
	}
	return newOperation(ctx, d, f, track), nil
}

// Holder is the run that began the operation.
func (o *Operation) Holder() repo.Holder { return o.track.Holder() }
