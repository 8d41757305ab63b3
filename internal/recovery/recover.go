// Package recovery finishes or undoes what an interrupted run left behind, from the operation
// record in the repository lock:
//
//   - an interrupted backup (or one whose brokers did not all come back): every broker it
//     stopped is started again (those already ready are left alone); when it has no manifest,
//     everything it stored is removed, the temporary files of a killed write included, as the
//     operation owns its folder (a backup whose manifest was written is kept);
//   - an interrupted or failed restore, before its restored cluster was proven ready: once
//     restore.CheckRollback found every broker's previous data and every name the rollback
//     creates free (else nothing is stopped or changed), the brokers are stopped and proven
//     down, staging folders removed, the previous data folders and configurations put back
//     (beside the data folder, or inside it for a mount point: restore.Rollback follows the
//     record), and the brokers started;
//   - a restore interrupted after its restored cluster was proven ready (committed): it is
//     rolled forward, never back: the brokers that are down are started, and with
//     --discard-previous the previous data folders that are left are removed.
//
// Before any of this, the stop and start commands the run left behind (their process groups
// are in the record) are waited for until their timeout, then ended (SIGTERM, then SIGKILL):
// none of them acts after recovery.
//
// It refuses while the process that holds the lock still runs on this host (workflow.ErrHolderAlive).
// The record is read from the repository, which whoever can write to it can forge: recovery
// takes no path from it. The backup's folder is derived from its id, and every folder a
// rollback removes or moves from the cluster file and the id (restore.CheckRecord); a record
// that names others is refused before any broker is stopped (ErrRefused).
package recovery

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

// Result says what recovery did.
type Result struct {
	Nothing   bool // no operation was left
	Operation *repo.Operation
	Started   []int // node ids started again
}

// ErrRefused is wrapped when the operation record names what recovery would not derive itself
// (paths, a folder, a backup id): nothing was stopped, removed or moved.
var ErrRefused = errors.New("recovery refused, nothing was stopped or changed")

// Deps are what recovery works with: Repo holds the lock; the hook is called with "starting"
// before the brokers are started again (tests use it to look at the data then).
type Deps = workflow.Deps

// Run recovers the cluster of f from the lock of deps.Repo.
func Run(ctx context.Context, f *fleet.Fleet, deps Deps) (*Result, error) {
	deps.Defaults()
	o, err := workflow.Resume(ctx, &deps, f)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return &Result{Nothing: true}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Once recovery has begun a signal does not cut it short: it may stop brokers, and it
	// starts them; every step is bounded by the brokers' timeouts.
	ctx = context.WithoutCancel(ctx)
	r := deps.Repo
	op := o.Record()
	res := &Result{Operation: &op}
	o.Emit(progress.Event{Phase: "recover", Broker: progress.Cluster, Message: fmt.Sprintf("finishing the %s of backup %s left by %s", op.Kind, op.ID, o.Holder())})

	// Every path a restore's recovery touches is derived from the cluster file and the id; a
	// record naming others is refused before anything is done.
	if op.Kind == "restore" {
		if err := restore.CheckRecord(f, &op); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	// The stop and start commands the run left run in process groups of their own: each is
	// waited for (or ended) before anything else, so that none acts after recovery.
	if err := settleCommands(ctx, o); err != nil {
		return nil, err
	}

	switch {
	case op.Kind == "backup":
		if err := removeIncomplete(ctx, o, r); err != nil {
			return nil, err
		}
	case op.Kind == "restore" && op.Committed:
		if err := rollForward(ctx, o); err != nil {
			return nil, err
		}
	case op.Kind == "restore":
		// Nothing is stopped before the rollback is known to be possible for every broker.
		if err := restore.CheckRollback(ctx, f, &op); err != nil {
			return nil, fmt.Errorf("roll back the restore of %s: %w", op.ID, err)
		}
		o.Emit(progress.Event{Phase: "stop", Broker: progress.Cluster, Message: "stopping the brokers to put the previous data back"})
		if err := o.StopAll(ctx); err != nil {
			return nil, fmt.Errorf("stop the brokers before the rollback: %w", err)
		}
		rec := o.Record()
		if err := restore.Rollback(ctx, f, &rec, o.Updater(ctx)); err != nil {
			return nil, fmt.Errorf("roll back the restore of %s: %w", op.ID, err)
		}
		o.Emit(progress.Event{Phase: "rollback", Broker: progress.Cluster, Message: "the previous data folders and configurations are back"})
	default:
		return nil, fmt.Errorf("%w: the lock records an operation of unknown kind %q; remove %s/lock.json by hand", ErrRefused, op.Kind, r.Location())
	}

	o.Phase("starting")
	stopped := o.Stopped()
	for _, m := range stopped {
		res.Started = append(res.Started, m.Broker.NodeID)
	}
	if err := o.StartAll(ctx, stopped, ""); err != nil {
		return res, fmt.Errorf("start the brokers: %w; run recover again once the cause is fixed", err)
	}
	if err := o.End(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// removeIncomplete removes what an interrupted backup stored, temporary files included, when
// it has no manifest and the operation owns its folder; a committed backup is kept.
func removeIncomplete(ctx context.Context, o *workflow.Operation, r *repo.Repo) error {
	op, emit := o.Record(), o.Emit
	// The folder removed is derived from the id, which must be one a backup can have; the
	// record only says whether the operation owns it.
	if err := repo.ValidateID(op.ID); err != nil {
		return fmt.Errorf("%w: the operation record names an invalid backup, so nothing is removed on its word: %w; check %s/lock.json and remove it by hand", ErrRefused, err, r.Location())
	}
	if op.Folder != "" && op.Folder != repo.Folder(op.ID) {
		return fmt.Errorf("%w: the operation record says backup %s owns the folder %q, but its folder is %q: the record was not written by a backup and nothing is removed on its word; check %s/lock.json and remove it by hand",
			ErrRefused, op.ID, op.Folder, repo.Folder(op.ID), r.Location())
	}
	_, err := r.Manifest(ctx, op.ID)
	switch {
	case err == nil:
		emit(progress.Event{Phase: "recover", Broker: progress.Cluster, Message: "backup " + op.ID + " was committed; it is kept"})
		return nil
	case !errors.Is(err, repo.ErrNotFound):
		return fmt.Errorf("read the manifest of backup %s: %w; fix or remove %s, then run recover again", op.ID, err, r.FolderLocation(op.ID))
	case op.Folder == "":
		// Stopped before it owned a folder: it stored nothing, and whatever has the id is not its.
		return nil
	}
	if err := r.RemoveBackup(ctx, op.ID); err != nil {
		return fmt.Errorf("remove the incomplete backup %s from %s: %w", op.ID, r.FolderLocation(op.ID), err)
	}
	if exists, err := r.Exists(ctx, op.ID); err != nil || exists {
		return fmt.Errorf("remove the incomplete backup %s: %s still holds files (%v); remove it by hand, then run recover again", op.ID, r.FolderLocation(op.ID), err)
	}
	emit(progress.Event{Phase: "recover", Broker: progress.Cluster, Message: "removed the incomplete backup " + op.ID + ", with the temporary files of the interrupted run"})
	return nil
}
