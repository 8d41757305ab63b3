package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
)

// placeStaging decides a broker's layout from the mount layout of its data folder, and checks
// that nothing of an earlier restore of this backup is in the way; checkSpace then checks
// the room on the filesystems the staging goes to.
func (r *run) placeStaging(ctx context.Context, mem *fleet.Member) error {
	name, data, id := mem.Broker.Name(), mem.DataDir, r.m.ID
	inFolder := false
	room := filepath.Dir(data)
	switch st, err := mem.Host.Stat(ctx, data); {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := mem.Host.Stat(ctx, room); err != nil {
			return fmt.Errorf("%s: the folder %s that holds the data folder: %w", name, room, err)
		}
	case err != nil:
		return fmt.Errorf("%s: data folder %s: %w", name, data, err)
	case !st.IsDir:
		return fmt.Errorf("%s: data folder %s is not a folder: remove it or correct the data folder", name, data)
	default:
		if inFolder, err = mem.Host.MountPoint(ctx, data); err != nil {
			return fmt.Errorf("%s: find out whether data folder %s is a mount point: %w", name, data, err)
		}
		if inFolder {
			room = data
		}
	}
	l := layoutOf(data, id, inFolder)
	r.layouts[mem.Broker.NodeID] = l
	var errs []error
	// The repository lock was checked first: no unfinished operation records these, so recover
	// has nothing to do with them and the message names the folder to remove.
	for _, left := range []struct{ path, what string }{
		{l.staging, "is the staging folder of an earlier restore of backup %s that no unfinished operation records; remove it (rm -r %s) and restore again"},
		{l.previous, "holds the data folder an earlier restore of backup %s replaced; move it elsewhere or, once you no longer need it, remove it (rm -r %s), and restore again"},
		{l.failed, "holds the restored data a rollback of an earlier restore of backup %s took out again (a rollback of this restore would need its place); move it elsewhere or remove it (rm -r %s), and restore again"},
		{PreviousConfig(mem.Broker.Config, id), "is the configuration an earlier restore of backup %s replaced (this restore would keep the current one there); move it elsewhere or remove it (rm %s), and restore again"},
	} {
		if left.path == PreviousConfig(mem.Broker.Config, id) && r.opts.KeepTargetConfig {
			continue
		}
		_, err := mem.Host.Stat(ctx, left.path)
		switch {
		case err == nil:
			errs = append(errs, fmt.Errorf("%s: %s "+left.what, name, left.path, id, left.path))
		case !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s: check for %s: %w", name, left.path, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if inFolder {
		r.emit(progress.Event{Phase: "preflight", Broker: mem.Broker.NodeID, Message: fmt.Sprintf("data folder %s is a mount point: staging in %s and keeping the previous data in %s, on its filesystem; lost+found stays where it is", data, l.staging, l.previous)})
	}
	return nil
}
