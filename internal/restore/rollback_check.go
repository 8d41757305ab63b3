package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// ErrCannotRollBack is wrapped when a rollback could not put every broker's previous data
// back: then it puts back none, and nothing was stopped or changed.
var ErrCannotRollBack = errors.New("the restore cannot be rolled back: nothing was stopped or changed")

// CheckRollback tells, before anything is stopped or moved, whether Rollback can put every
// broker's previous data back as the operation record says it was left: every broker of the
// record is in the cluster, its previous data is where the record says (or already back in
// place), and no name the rollback will create is taken. A rollback that cannot restore every
// broker restores none.
func CheckRollback(ctx context.Context, f *fleet.Fleet, op *repo.Operation) error {
	if op.Committed {
		return fmt.Errorf("%w: the restored cluster of backup %s was proven ready, so the restore is finished by rolling forward", ErrCannotRollBack, op.ID)
	}
	var errs []error
	for _, b := range op.Brokers {
		m := f.Member(b.NodeID)
		if m == nil {
			errs = append(errs, fmt.Errorf("broker %d of the operation is not in the cluster file: give the cluster file the restore ran with", b.NodeID))
			continue
		}
		if err := checkRollbackOne(ctx, m.Host, op.ID, b); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Broker.Name(), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w:\n%w", ErrCannotRollBack, err)
	}
	return nil
}

// exists tells whether path exists; only fs.ErrNotExist means absent.
func exists(ctx context.Context, h broker.Host, path string) (bool, error) {
	_, err := h.Stat(ctx, path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("check %s: %w", path, err)
	}
}

func checkRollbackOne(ctx context.Context, h broker.Host, id string, b repo.OpBroker) error {
	var prev, data, failed bool
	var err error
	if b.Previous != "" {
		if prev, err = exists(ctx, h, b.Previous); err != nil {
			return err
		}
	}
	if data, err = exists(ctx, h, b.DataDir); err != nil {
		return err
	}
	if b.InFolder {
		// The restored entries are moved into the failed folder (created or continued), the
		// previous ones back from Previous.
		if b.MovedOut && !prev {
			return fmt.Errorf("every previous entry had been moved into %s, which is gone: the previous data cannot be put back", b.Previous)
		}
		return nil
	}
	failedDir := FailedDir(b.DataDir, id)
	if failed, err = exists(ctx, h, failedDir); err != nil {
		return err
	}
	switch {
	case b.Previous != "" && !prev && b.Swapped && !failed:
		return fmt.Errorf("the previous data folder %s is gone and the restored data is in %s: the previous data cannot be put back", b.Previous, b.DataDir)
	case b.Previous != "" && !prev && !data:
		return fmt.Errorf("neither the data folder %s nor the previous data folder %s exists: the previous data cannot be put back", b.DataDir, b.Previous)
	case data && failed && (prev || (b.Swapped && b.Previous == "")):
		return fmt.Errorf("%s exists, and the rollback must move the restored data %s there; move it elsewhere or remove it (rm -r %s), then run recover again", failedDir, b.DataDir, failedDir)
	}
	return nil
}
