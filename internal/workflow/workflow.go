// Package workflow holds what the backup and restore workflows share: their dependencies, event
// emission, and the start and end of a locked operation (the repository lock with its operation
// record, then the lock file beside every broker's data folder).
package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Deps are what a workflow works with.
type Deps struct {
	Repo *repo.Repo
	// LockRepo is where the operation is locked and recorded; nil: Repo. A restore with
	// --no-lock from a repository that cannot be written keeps it in memory.
	LockRepo *repo.Repo
	Events   progress.Sink
	Topology func(ctx context.Context, addr string) (zeebe.Topology, error)
	Now      func() time.Time
	// ToolVersion and Command are recorded in manifests and locks.
	ToolVersion, Command string
	// Hook, when set, is called as each phase begins; tests use it to stop the tool there.
	Hook func(phase string)
}

// Defaults fills what was left unset.
func (d *Deps) Defaults() {
	if d.Now == nil {
		d.Now = time.Now
	}
}

// Emit sends an event, stamped with the time and a level.
func (d *Deps) Emit(e progress.Event) {
	if d.Events == nil {
		return
	}
	e.Time = d.Now()
	if e.Level == "" {
		e.Level = progress.Info
	}
	d.Events(e)
}

// Phase announces a phase to the hook.
func (d *Deps) Phase(name string) {
	if d.Hook != nil {
		d.Hook(name)
	}
}

// ErrNotStarted is wrapped when an operation could not be written down (a read-only or full
// repository, a broker's lock file that cannot be written): no broker was stopped, nothing
// was changed. A lock held by another run wraps repo.ErrLocked or fleet.ErrClusterLocked too.
var ErrNotStarted = errors.New("refused before any broker was stopped, nothing was changed")

// Begin writes down an operation of kind ("backup" or "restore") on backup id for every broker
// of the fleet: it takes the repository lock with the operation record, then every broker's lock.
func Begin(ctx context.Context, d *Deps, f *fleet.Fleet, kind, id, clusterFile string) (*repo.Tracker, error) {
	op := repo.Operation{Kind: kind, ID: id, Cluster: clusterFile, Started: d.Now().UTC()}
	for _, m := range f.Members {
		op.Brokers = append(op.Brokers, repo.OpBroker{NodeID: m.Broker.NodeID, Host: m.Host.Name(), DataDir: m.DataDir, ConfigPath: m.Broker.Config})
	}
	holder := repo.ThisProcess(d.Command, d.Now())
	lockRepo := d.Repo
	if d.LockRepo != nil {
		lockRepo = d.LockRepo
	}
	track, err := lockRepo.Begin(ctx, holder, op)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	if err := f.Lock(ctx, fleet.ClusterLock{Holder: holder, Repository: d.Repo.Location(), Operation: op.Kind + " " + op.ID}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStarted, errors.Join(err, track.End(context.WithoutCancel(ctx))))
	}
	f.Record = func(m *fleet.Member, what string, g *broker.Group) error {
		return track.Update(context.WithoutCancel(ctx), m.Broker.NodeID, func(b *repo.OpBroker) { b.Command = OpCommand(what, g) })
	}
	return track, nil
}

// OpCommand is the record of a command running in process group g (nil: none runs).
func OpCommand(what string, g *broker.Group) *repo.OpCommand {
	if g == nil {
		return nil
	}
	return &repo.OpCommand{What: what, PGID: g.PGID, Start: g.Start}
}

// StopAll stops every broker of the fleet at once, recording each in the operation as stopped
// right before its stop command runs, so that whatever happens next it is started again. A
// cancelled ctx (a signal) keeps stop commands from starting, but one that has begun runs to
// its end within its timeout: a broker killed half-way down does not come back cleanly. It then
// returns the cancellation, so that the caller starts the brokers again.
func StopAll(ctx context.Context, f *fleet.Fleet, track *repo.Tracker) error {
	sctx := context.WithoutCancel(ctx)
	err := f.StopAll(sctx, func(m *fleet.Member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return track.Update(sctx, m.Broker.NodeID, func(b *repo.OpBroker) { b.Stopped = true })
	})
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// End removes the brokers' locks and then the repository lock: the operation is over.
func End(ctx context.Context, f *fleet.Fleet, track *repo.Tracker) error {
	ctx = context.WithoutCancel(ctx)
	f.Record = nil // the record goes away with the lock
	if err := f.Unlock(ctx); err != nil {
		return fmt.Errorf("release the cluster lock: %w", err)
	}
	if err := track.End(ctx); err != nil {
		return fmt.Errorf("release the repository lock: %w", err)
	}
	return nil
}
