package restore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// checkSpace checks that each filesystem the restored data is staged on has room for all of
// it while the previous data is kept: brokers whose staging folders share a filesystem (the
// same device on the same host) need the sum of their data there, not each its own. It runs
// after placeStaging has chosen every broker's layout.
func (r *run) checkSpace(ctx context.Context) error {
	type filesystem struct {
		room    string // the first broker's folder on it, for messages
		free    int64
		need    int64
		brokers []string
	}
	var order []string
	shared := map[string]*filesystem{}
	var errs []error
	for _, m := range r.fleet.Members {
		n := m.Broker.NodeID
		room := filepath.Dir(m.DataDir)
		if r.layouts[n].inFolder {
			room = m.DataDir
		}
		st, err := m.Host.Stat(ctx, room)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: the folder %s its staging goes to: %w", m.Broker.Name(), room, err))
			continue
		}
		key := fmt.Sprintf("%s/%d", m.Broker.Host, st.Dev)
		fsys := shared[key]
		if fsys == nil {
			free, err := m.Host.FreeSpace(ctx, room)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: free space of the filesystem of %s: %w", m.Broker.Name(), room, err))
				continue
			}
			fsys = &filesystem{room: room, free: free}
			shared[key] = fsys
			order = append(order, key)
		}
		fsys.need += r.recs[n].Bytes
		fsys.brokers = append(fsys.brokers, m.Broker.Name())
	}
	for _, key := range order {
		fsys := shared[key]
		if fsys.free >= fsys.need {
			continue
		}
		who := fsys.brokers[0] + " needs"
		if len(fsys.brokers) > 1 {
			who = strings.Join(fsys.brokers, ", ") + ", which share it, need together"
		}
		errs = append(errs, fmt.Errorf("the filesystem of %s has %d bytes free; %s %d bytes for the restored data, staged beside the previous data, which is kept: free some space there",
			fsys.room, fsys.free, who, fsys.need))
	}
	return errors.Join(errs...)
}
