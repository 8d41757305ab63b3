package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

// The two layouts of a swap.
//
// Beside (a data folder that is not a mount point): the archive is staged in
// <data>.restore-<id>, the data folder is renamed to <data>.pre-restore-<id> and the staged
// folder renamed to <data>: two renames on the filesystem that holds the data folder.
//
// In the folder (a data folder that is a mount point, which cannot be renamed): the archive
// is staged in <data>/.zeebe-backup-restore-<id>; the data folder's entries, except
// lost+found and the tool's own folders, are moved one by one into
// <data>/.zeebe-backup-previous-<id>, then the staged entries into <data>: renames within the
// mounted filesystem, never across. The operation record says which layout a broker uses and
// how far it got, so that at every moment the previous data or the restored data is complete
// and found from the record:
//
//  1. Previous is recorded once its folder exists (empty) and before anything moves;
//  2. while the previous entries move, they are in <data> or in Previous;
//  3. MovedOut is recorded once all are in Previous; from then on, what else is in <data> is
//     restored data, and the rest of it is in Staging;
//  4. Swapped is recorded once Staging is empty and removed.

// StagingDir is where a broker's archive is extracted beside a data folder that is not a
// mount point: on the same filesystem, so that the swap is a rename.
func StagingDir(dataDir, id string) string { return dataDir + ".restore-" + id }

// PreviousDir is where the data folder a restore replaced is kept, beside it.
func PreviousDir(dataDir, id string) string { return dataDir + ".pre-restore-" + id }

// FailedDir is where Rollback keeps a restored data folder it takes out again, beside it.
func FailedDir(dataDir, id string) string { return dataDir + ".failed-restore-" + id }

// PreviousConfig is where a restore keeps the configuration it replaced.
func PreviousConfig(configPath, id string) string { return configPath + ".pre-restore-" + id }

// layout is where one broker's restore stages and keeps things.
type layout struct {
	inFolder                  bool
	staging, previous, failed string
}

func layoutOf(dataDir, id string, inFolder bool) layout {
	if inFolder {
		return layout{true, filepath.Join(dataDir, workflow.InFolderStaging+id), filepath.Join(dataDir, workflow.InFolderPrevious+id), filepath.Join(dataDir, workflow.InFolderFailed+id)}
	}
	return layout{false, StagingDir(dataDir, id), PreviousDir(dataDir, id), FailedDir(dataDir, id)}
}

// swapAll puts each staged tree in place of the data it replaces, broker by broker.
func (r *run) swapAll(ctx context.Context) error {
	for _, m := range r.fleet.Members {
		n := m.Broker.NodeID
		l := r.layouts[n]
		update := func(fn func(*repo.OpBroker)) error { return r.op.Update(ctx, n, fn) }
		var err error
		if l.inFolder {
			err = swapInFolder(ctx, m.Host, m.DataDir, l, update)
		} else {
			err = swapBeside(ctx, m.Host, m.DataDir, l, update)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", m.Broker.Name(), err)
		}
		r.emit(progress.Event{Phase: "swap", Broker: n, Message: fmt.Sprintf("restored data in place at %s; the previous data is at %s", m.DataDir, l.previous)})
		r.hook(fmt.Sprintf("swapped %d", n))
	}
	return nil
}

func swapBeside(ctx context.Context, h broker.Host, data string, l layout, update func(func(*repo.OpBroker)) error) error {
	had, err := exists(ctx, h, data)
	if err != nil {
		// Not knowing whether there is data to keep, nothing is moved.
		return fmt.Errorf("the data folder: %w", err)
	}
	if had {
		// Something at the previous data's path since the pre-flight would be taken for the
		// previous data by a rollback: refuse to move anything.
		switch taken, err := exists(ctx, h, l.previous); {
		case err != nil:
			return fmt.Errorf("the folder for the previous data: %w", err)
		case taken:
			return fmt.Errorf("%s appeared after the pre-flight; nothing was moved: move it away, then run 'zeebe-backup recover'", l.previous)
		}
		if err := update(func(b *repo.OpBroker) { b.Previous = l.previous }); err != nil {
			return err
		}
		if err := h.Rename(ctx, data, l.previous); err != nil {
			// A rename happens whole or not at all: the data is still at its place, so the
			// record must not send a rollback to l.previous.
			err = fmt.Errorf("move %s aside: %w", data, err)
			return errors.Join(err, update(func(b *repo.OpBroker) { b.Previous = "" }))
		}
	}
	if err := h.Rename(ctx, l.staging, data); err != nil {
		return fmt.Errorf("put the restored data in place: %w", err)
	}
	return update(func(b *repo.OpBroker) { b.Swapped, b.Staging = true, "" })
}

func swapInFolder(ctx context.Context, h broker.Host, data string, l layout, update func(func(*repo.OpBroker)) error) error {
	if err := h.Mkdir(ctx, l.previous, 0o700); err != nil {
		return fmt.Errorf("create %s for the previous data: %w", l.previous, err)
	}
	if err := update(func(b *repo.OpBroker) { b.Previous, b.InFolder = l.previous, true }); err != nil {
		return err
	}
	if err := moveEntries(ctx, h, data, l.previous); err != nil {
		return fmt.Errorf("move the previous data into %s: %w", l.previous, err)
	}
	if err := update(func(b *repo.OpBroker) { b.MovedOut = true }); err != nil {
		return err
	}
	if err := moveEntries(ctx, h, l.staging, data); err != nil {
		return fmt.Errorf("move the restored data from %s into %s: %w", l.staging, data, err)
	}
	if err := h.RemoveAll(ctx, l.staging); err != nil {
		return fmt.Errorf("remove the emptied staging folder %s: %w", l.staging, err)
	}
	return update(func(b *repo.OpBroker) { b.Swapped, b.Staging = true, "" })
}

// moveEntries renames every entry of from into to, except lost+found and the tool's folders.
func moveEntries(ctx context.Context, h broker.Host, from, to string) error {
	names, err := h.ReadDir(ctx, from)
	if err != nil {
		return err
	}
	for _, name := range names {
		if workflow.NotZeebeData(name) {
			continue
		}
		if err := h.Rename(ctx, filepath.Join(from, name), filepath.Join(to, name)); err != nil {
			return err
		}
	}
	return nil
}

// Rollback undoes a restore as far as the operation record says it got: staging folders are
// removed, restored data is moved to the failed folder and the previous data put back, the
// previous configurations reinstalled. Every path comes from the cluster file and the backup
// id (CheckRecord refuses a record that names others); the record only says how far the
// restore got. The brokers must be down. update records each step, so that a rollback that is
// interrupted can be run again.
func Rollback(ctx context.Context, f *fleet.Fleet, op *repo.Operation, update func(int, func(*repo.OpBroker)) error) error {
	if err := CheckRecord(f, op); err != nil {
		return err
	}
	if err := CheckRollback(ctx, f, op); err != nil {
		return err
	}
	var errs []error
	for _, b := range op.Brokers {
		m := memberOf(f, b.NodeID)
		d := deriveRecorded(m, op.ID, b)
		if err := rollbackOne(ctx, m.Host, d, b, func(fn func(*repo.OpBroker)) error { return update(b.NodeID, fn) }); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Broker.Name(), err))
		}
	}
	return errors.Join(errs...)
}

func rollbackOne(ctx context.Context, h broker.Host, d derived, b repo.OpBroker, update func(func(*repo.OpBroker)) error) error {
	if b.Staging != "" {
		switch err := ownFolder(ctx, h, d.staging, "the staging folder"); {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return err
		default:
			if err := h.RemoveAll(ctx, d.staging); err != nil {
				return fmt.Errorf("remove the staging folder %s: %w", d.staging, err)
			}
		}
	}
	var err error
	if b.InFolder {
		err = rollbackInFolder(ctx, h, d, b, update)
	} else {
		err = rollbackBeside(ctx, h, d, b)
	}
	if err != nil {
		return err
	}
	if b.ConfigInstalled && b.PreviousConfig != "" {
		// Only an absent kept configuration (put back by an earlier rollback) is passed over:
		// the record is cleared below, and it is the only note of where that file is.
		kept, err := exists(ctx, h, d.previousConfig)
		if err != nil {
			return fmt.Errorf("the previous configuration: %w; it is left where it is; %s", err, recordKept)
		}
		if kept {
			if err := h.Rename(ctx, d.previousConfig, d.config); err != nil {
				return fmt.Errorf("put the previous configuration back: %w", err)
			}
		}
	}
	if err := removeConfigTemps(ctx, h, d.config, d.previousConfig); err != nil {
		return err
	}
	return update(func(ob *repo.OpBroker) {
		ob.Staging, ob.Previous, ob.Swapped, ob.ConfigInstalled, ob.PreviousConfig, ob.InFolder, ob.MovedOut = "", "", false, false, "", false, false
	})
}

// recordKept says what to do after a rollback stopped because it could not tell whether a
// path exists.
const recordKept = "the operation record is kept: fix the cause, then run 'zeebe-backup recover'"

// Only an absent folder is passed over (the previous data put back by an earlier rollback that
// was interrupted before recording it): any other error stops the rollback with the record
// kept, as it is the only note of where the previous data is.
func rollbackBeside(ctx context.Context, h broker.Host, d derived, b repo.OpBroker) error {
	if b.Swapped && b.Previous == "" {
		// There was no data folder before: take the restored one away again.
		restored, err := exists(ctx, h, d.dataDir)
		if err != nil {
			return fmt.Errorf("the restored data folder: %w; %s", err, recordKept)
		}
		if restored {
			if err := h.Rename(ctx, d.dataDir, d.failed); err != nil {
				return fmt.Errorf("move the restored data out of the way: %w", err)
			}
		}
	}
	if b.Previous == "" {
		return nil
	}
	prev, err := exists(ctx, h, d.previous)
	if err != nil {
		return fmt.Errorf("the previous data: %w; it is left where it is; %s", err, recordKept)
	}
	if !prev {
		return nil
	}
	restored, err := exists(ctx, h, d.dataDir)
	if err != nil {
		return fmt.Errorf("the restored data folder: %w; the previous data is left in %s; %s", err, d.previous, recordKept)
	}
	if restored {
		if err := h.Rename(ctx, d.dataDir, d.failed); err != nil {
			return fmt.Errorf("move the restored data out of the way: %w", err)
		}
	}
	if err := h.Rename(ctx, d.previous, d.dataDir); err != nil {
		return fmt.Errorf("put the previous data %s back: %w", d.previous, err)
	}
	return nil
}

// rollbackInFolder takes the restored entries out into the failed folder (once every previous
// entry had been moved out, the others in the data folder are restored ones), records that,
// then moves the previous entries back and removes their emptied folder.
func rollbackInFolder(ctx context.Context, h broker.Host, d derived, b repo.OpBroker, update func(func(*repo.OpBroker)) error) error {
	if b.Previous == "" {
		return nil
	}
	if b.MovedOut {
		if err := h.Mkdir(ctx, d.failed, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s for the restored data: %w", d.failed, err)
		}
		if err := ownFolder(ctx, h, d.failed, "the folder for the restored data"); err != nil {
			return err
		}
		if err := moveEntries(ctx, h, d.dataDir, d.failed); err != nil {
			return fmt.Errorf("move the restored data out of the way into %s: %w", d.failed, err)
		}
		if err := update(func(ob *repo.OpBroker) { ob.MovedOut, ob.Swapped = false, false }); err != nil {
			return err
		}
	}
	if err := ownFolder(ctx, h, d.previous, "the previous data"); errors.Is(err, fs.ErrNotExist) {
		return nil // put back by an earlier rollback that was interrupted before recording it
	} else if err != nil {
		return err
	}
	if err := moveEntries(ctx, h, d.previous, d.dataDir); err != nil {
		return fmt.Errorf("put the previous data back from %s: %w", d.previous, err)
	}
	if err := h.RemoveAll(ctx, d.previous); err != nil {
		return fmt.Errorf("remove the emptied %s: %w", d.previous, err)
	}
	return nil
}

// PreviousPath is where a restore of backup id keeps the previous data of dataDir: beside it,
// or inside it when it is a mount point.
func PreviousPath(dataDir, id string, inFolder bool) string {
	return layoutOf(dataDir, id, inFolder).previous
}

// removeConfigTemps removes the temporary files a restore killed while it wrote these
// configuration files left beside them (broker.TempPrefix).
func removeConfigTemps(ctx context.Context, h broker.Host, paths ...string) error {
	for _, p := range paths {
		if p == "" {
			continue
		}
		names, err := h.ReadDir(ctx, filepath.Dir(p))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("look for temporary files beside %s: %w", p, err)
		}
		for _, name := range names {
			if strings.HasPrefix(name, broker.TempPrefix(p)) {
				if err := h.RemoveAll(ctx, filepath.Join(filepath.Dir(p), name)); err != nil {
					return fmt.Errorf("remove the temporary file %s of a killed write: %w", name, err)
				}
			}
		}
	}
	return nil
}
