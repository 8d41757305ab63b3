package restore

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// The operation record is read from the repository, which whoever can write to the
// repository can forge. So a rollback never takes a path from it: every path it renames or
// removes is derived from the cluster file (the member's resolved data folder and its
// configuration path) and the backup id, in one of the two layouts. CheckRecord refuses a
// record whose paths are not those, before anything is stopped or changed.

// derived is what a restore of backup id onto member m creates, in the layout the record
// names.
type derived struct {
	dataDir, config, previousConfig string
	layout
}

func deriveFor(m *fleet.Member, id string, inFolder bool) derived {
	return derived{dataDir: m.DataDir, config: m.Broker.Config, previousConfig: PreviousConfig(m.Broker.Config, id), layout: layoutOf(m.DataDir, id, inFolder)}
}

// deriveRecorded is deriveFor in the layout b's record uses: in the folder once InFolder is
// recorded, and also before, while the record only names the staging folder (InFolder is
// recorded with Previous, at the swap).
func deriveRecorded(m *fleet.Member, id string, b repo.OpBroker) derived {
	inFolder := b.InFolder || (b.Staging != "" && b.Staging == layoutOf(m.DataDir, id, true).staging)
	return deriveFor(m, id, inFolder)
}

// CheckRecord checks that a restore's operation record names, for every broker, only the
// paths a restore of its backup id onto the cluster file's broker creates. A record that
// names any other path was not written by this tool for this cluster: it is refused, naming
// the field, so that nothing is removed or renamed on its word.
func CheckRecord(f *fleet.Fleet, op *repo.Operation) error {
	if err := repo.ValidateID(op.ID); err != nil {
		return fmt.Errorf("the operation record names an invalid backup, so nothing is removed or moved on its word: %w; check the repository's lock.json (someone who can write to the repository may have edited it) and remove it by hand", err)
	}
	var errs []error
	for _, b := range op.Brokers {
		m := memberOf(f, b.NodeID)
		if m == nil {
			errs = append(errs, fmt.Errorf("broker %d of the operation is not in the cluster file", b.NodeID))
			continue
		}
		d := deriveRecorded(m, op.ID, b)
		for _, c := range []struct{ field, got, want string }{
			{"dataDir", b.DataDir, d.dataDir},
			{"configPath", b.ConfigPath, d.config},
			{"staging", b.Staging, d.staging},
			{"previous", b.Previous, d.previous},
			{"previousConfig", b.PreviousConfig, d.previousConfig},
		} {
			if c.got != "" && c.got != c.want {
				errs = append(errs, fmt.Errorf("%s: the operation record's %s is %q, but a restore of backup %s onto it uses %q", m.Broker.Name(), c.field, c.got, op.ID, c.want))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the operation record does not match the cluster file, so it was not written by a restore of this cluster and nothing is removed or moved on its word; "+
			"check the cluster file and the repository's lock.json (someone who can write to the repository may have edited it), then fix the cluster file or, once you have put the data back by hand, remove lock.json:\n%w", err)
	}
	return nil
}

func memberOf(f *fleet.Fleet, nodeID int) *fleet.Member {
	for _, m := range f.Members {
		if m.Broker.NodeID == nodeID {
			return m
		}
	}
	return nil
}

// ownFolder checks that path, which a rollback is about to remove or empty, is a folder and
// not a symbolic link: what the restore created. Absent: fs.ErrNotExist.
func ownFolder(ctx context.Context, h broker.Host, path, what string) error {
	st, err := h.Stat(ctx, path)
	if err != nil {
		return err
	}
	if st.Target != "" || !st.IsDir {
		kind := "not a folder"
		if st.Target != "" {
			kind = "a symbolic link to " + st.Target
		}
		return fmt.Errorf("%s %s is %s, not the folder a restore creates: it is left alone; check what it is and remove or move it by hand", what, path, kind)
	}
	return nil
}
