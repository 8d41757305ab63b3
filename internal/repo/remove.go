package repo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Locked runs fn holding the repository lock (no operation recorded: what fn leaves when it is
// cut short is an incomplete folder, which prune removes), and releases it after.
func (r *Repo) Locked(ctx context.Context, holder Holder, fn func() error) error {
	if err := r.Acquire(ctx, Lock{Holder: holder}); err != nil {
		return err
	}
	err := fn()
	if rerr := r.Release(context.WithoutCancel(ctx)); rerr != nil {
		err = errors.Join(err, fmt.Errorf("release the lock of %s: %w", r.Location(), rerr))
	}
	return err
}

// Deleted says what Delete removed.
type Deleted struct {
	ID string
	// Incomplete: the backup had no manifest (a delete, copy or backup cut short).
	Incomplete bool
	Objects    int
	Bytes      int64
}

// Delete removes backup id, complete or not; the caller holds the lock. The manifest goes
// first, so that the backup stops being listed before anything else goes; a delete cut short
// after that leaves an incomplete folder, which a later delete of the id or prune removes.
// Nothing stored under the id: an error wrapping ErrNotFound.
func (r *Repo) Delete(ctx context.Context, id string) (*Deleted, error) {
	infos, err := r.s.List(ctx, Folder(id)+"/")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.FolderLocation(id), err)
	}
	d := &Deleted{ID: id, Incomplete: true}
	for _, in := range infos {
		d.Objects++
		d.Bytes += in.Size
		if in.Key == Key(id, manifestName) {
			d.Incomplete = false
		}
	}
	remnants, err := r.Remnants(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(infos) == 0 && len(remnants) == 0 {
		return nil, fmt.Errorf("%w %q in %s (see 'zeebe-backup list')", ErrNotFound, id, r.Location())
	}
	if err := r.RemoveBackup(ctx, id); err != nil {
		return nil, fmt.Errorf("delete backup %s from %s: %w; run the delete again to remove what is left (the backup is no longer listed once its manifest is gone)", id, r.FolderLocation(id), err)
	}
	return d, nil
}

// Pruned says what Prune removed.
type Pruned struct {
	Backups    []string // ids of complete backups removed
	Incomplete []string // ids of incomplete folders removed
}

// Prune removes the complete backups the plan does not keep and the incomplete folders older
// than olderThan at now that no unfinished operation owns; the caller holds the lock and
// passes the decisions and folders it computed under it. It goes on after a failure and joins
// the errors.
func (r *Repo) Prune(ctx context.Context, decisions []Decision, incomplete []Incomplete, olderThan time.Duration, now time.Time) (*Pruned, error) {
	out := &Pruned{}
	var errs []error
	for _, d := range decisions {
		if d.Keep {
			continue
		}
		if _, err := r.Delete(ctx, d.ID); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		out.Backups = append(out.Backups, d.ID)
	}
	for _, f := range incomplete {
		if !f.Removable(olderThan, now) {
			continue
		}
		if _, err := r.Delete(ctx, f.ID); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		out.Incomplete = append(out.Incomplete, f.ID)
	}
	return out, errors.Join(errs...)
}

// Removable tells whether prune removes the incomplete folder: no unfinished operation owns
// it and nothing was written in it for olderThan.
func (f Incomplete) Removable(olderThan time.Duration, now time.Time) bool {
	return f.Owner == "" && now.Sub(f.Newest) >= olderThan
}
