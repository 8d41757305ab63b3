package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// Operation is one locked operation: a backup or restore from Begin to End, or the operation an
// interrupted run left, from Resume to End. It is the only owner of the operation record (the
// repository lock) and of the brokers' locks, and it writes down every step that recover needs
// before the step is taken:
//
//  1. Begin takes the repository lock with the record, then every broker's lock; when either
//     cannot be taken nothing is held and nothing was changed (ErrNotStarted).
//  2. While it is held, the record follows the brokers: StopAll records a broker as stopped
//     right before its stop, the fleet's driver records the process group of every stop and
//     start command it runs, the workflows record their own steps (Update, Own, Commit).
//  3. End removes the brokers' locks, then the repository lock. An operation that is not
//     ended stays in the lock, for recover (Resume).
//
// It is safe for concurrent use (the brokers are driven concurrently).
type Operation struct {
	deps  *Deps
	fleet *fleet.Fleet
	track *repo.Tracker
}

// ErrNotStarted is wrapped when an operation could not be written down (a read-only or full
// repository, a broker's lock file that cannot be written): no broker was stopped, nothing
// was changed. A lock held by another run wraps repo.ErrLocked or fleet.ErrClusterLocked too.
var ErrNotStarted = errors.New("refused before any broker was stopped, nothing was changed")

// Begin writes down an operation of kind ("backup" or "restore") on backup id for every broker
// of the fleet: it takes the repository lock (d.LockRepo, else d.Repo) with the operation
// record, then every broker's lock.
func Begin(ctx context.Context, d *Deps, f *fleet.Fleet, kind, id string) (*Operation, error) {
	rec := repo.Operation{Kind: kind, ID: id, Started: d.Now().UTC()}
	if f.Description != nil {
		rec.Cluster = f.Description.Path
	}
	for _, m := range f.Members {
		rec.Brokers = append(rec.Brokers, repo.OpBroker{NodeID: m.Broker.NodeID, Host: m.Host.Name(), DataDir: m.DataDir, ConfigPath: m.Broker.Config})
	}
	holder := repo.ThisProcess(d.Command, d.Now())
	lockRepo := d.Repo
	if d.LockRepo != nil {
		lockRepo = d.LockRepo
	}
	track, err := lockRepo.Begin(ctx, holder, rec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	if err := f.Lock(ctx, fleet.ClusterLock{Holder: holder, Repository: d.Repo.Location(), Operation: kind + " " + id}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStarted, errors.Join(err, track.End(context.WithoutCancel(ctx))))
	}
	return newOperation(ctx, d, f, track), nil
}

func newOperation(ctx context.Context, d *Deps, f *fleet.Fleet, track *repo.Tracker) *Operation {
	o := &Operation{deps: d, fleet: f, track: track}
	rctx := context.WithoutCancel(ctx)
	f.Record = func(m *fleet.Member, what string, g *broker.Group) error {
		return o.Update(rctx, m.Broker.NodeID, func(b *repo.OpBroker) { b.Command = OpCommand(what, g) })
	}
	return o
}

// OpCommand is the record of a command running in process group g (nil: none runs).
func OpCommand(what string, g *broker.Group) *repo.OpCommand {
	if g == nil {
		return nil
	}
	return &repo.OpCommand{What: what, PGID: g.PGID, Start: g.Start}
}

// Fleet is the cluster the operation works on.
func (o *Operation) Fleet() *fleet.Fleet { return o.fleet }

// Record is a copy of the operation record as it is now.
func (o *Operation) Record() repo.Operation { return o.track.Operation() }

// Update changes a broker's record and stores it before returning.
func (o *Operation) Update(ctx context.Context, nodeID int, fn func(*repo.OpBroker)) error {
	return o.track.Update(ctx, nodeID, fn)
}

// Updater is Update on ctx, for what records broker by broker (restore.Rollback).
func (o *Operation) Updater(ctx context.Context) func(nodeID int, fn func(*repo.OpBroker)) error {
	return func(nodeID int, fn func(*repo.OpBroker)) error { return o.Update(ctx, nodeID, fn) }
}

// Own records that the backup owns its folder (repo.Operation.Folder) before returning.
func (o *Operation) Own(ctx context.Context, folder string) error { return o.track.Own(ctx, folder) }

// Commit records that the restored cluster was proven ready (repo.Operation.Committed) before
// returning: from then on recover rolls forward.
func (o *Operation) Commit(ctx context.Context, discardPrevious bool) error {
	return o.track.Commit(ctx, discardPrevious)
}

// Emit sends an event (Deps.Emit).
func (o *Operation) Emit(e progress.Event) { o.deps.Emit(e) }

// Phase announces a phase to the hook (Deps.Phase).
func (o *Operation) Phase(name string) { o.deps.Phase(name) }

// StopAll stops every broker of the fleet at once, recording each in the operation as stopped
// right before its stop begins, so that whatever happens next it is started again. A
// cancelled ctx (a signal) keeps stops from beginning, but one that has begun runs to its end
// within its timeout: a broker killed half-way down does not come back cleanly. It then
// returns the cancellation, so that the caller starts the brokers again.
func (o *Operation) StopAll(ctx context.Context) error {
	sctx := context.WithoutCancel(ctx)
	err := o.fleet.StopAll(sctx, func(m *fleet.Member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return o.Update(sctx, m.Broker.NodeID, func(b *repo.OpBroker) { b.Stopped = true })
	})
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// StartAll starts the members (those ready are left alone) and proves them ready, then, with a
// gateway, waits for its healthy topology of wantVersion ("": any). It runs on a context that
// outlives a cancelled run: brokers that were stopped are always started again.
func (o *Operation) StartAll(ctx context.Context, members []*fleet.Member, wantVersion string) error {
	return o.fleet.StartAll(context.WithoutCancel(ctx), members, wantVersion)
}

// Stopped are the members the record says were stopped, in the fleet's order: those that must
// be started again.
func (o *Operation) Stopped() []*fleet.Member {
	ids := map[int]bool{}
	for _, b := range o.Record().Brokers {
		if b.Stopped {
			ids[b.NodeID] = true
		}
	}
	return o.fleet.ByID(ids)
}

// End removes the brokers' locks and then the repository lock: the operation is over.
func (o *Operation) End(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	o.fleet.Record = nil // the record goes away with the lock
	if err := o.fleet.Unlock(ctx); err != nil {
		return fmt.Errorf("release the cluster lock: %w", err)
	}
	if err := o.track.End(ctx); err != nil {
		return fmt.Errorf("release the repository lock: %w", err)
	}
	return nil
}
