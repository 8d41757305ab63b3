package restore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// preflight checks the target against the backup before anything is stopped.
func (r *run) preflight(ctx context.Context, cfgs map[int]*config.Broker) error {
	refuse := func(err error) error { return fmt.Errorf("%w:\n%w", ErrRefused, err) }
	if err := r.deps.Repo.CheckUnlocked(ctx); err != nil {
		return err
	}
	m, err := r.deps.Repo.Manifest(ctx, r.opts.ID)
	if err != nil {
		return refuse(err)
	}
	r.m = m
	f, shape, err := fleet.Build(r.d, cfgs, r.deps.Hosts)
	if err != nil {
		return refuse(err)
	}
	f.Events, f.Topology = r.deps.Events, r.deps.Topology
	r.fleet = f
	if err := f.CheckUnlocked(ctx); err != nil {
		return err
	}
	// The configuration each broker runs with, environment included, before anything changes.
	if err := r.readEffective(ctx); err != nil {
		return refuse(err)
	}

	// The same brokers, node ids and partitioning.
	for _, b := range m.Brokers {
		r.recs[b.NodeID] = b
	}
	if err := errors.Join(compareShape(m, r.d, shape)...); err != nil {
		return refuse(err)
	}

	// Every stored file matches the manifest, and the data is what Zeebe can start from, for
	// the node it goes to.
	if err := r.gates(ctx, cfgs, shape); err != nil {
		return refuse(err)
	}

	// The configuration to install keeps each broker where the cluster file finds it.
	if err := r.checkConfigs(ctx); err != nil {
		return refuse(err)
	}

	// Room beside each data folder, and nothing of an earlier restore in the way.
	var errs []error
	for _, mem := range f.Members {
		rec := r.recs[mem.Broker.NodeID]
		parent := filepath.Dir(mem.DataDir)
		if _, err := mem.Host.Stat(ctx, parent); err != nil {
			errs = append(errs, fmt.Errorf("%s: the folder %s that holds the data folder: %w", mem.Broker.Name(), parent, err))
			continue
		}
		// The repository lock was checked first: no unfinished operation records these, so
		// recover has nothing to do with them and the message names the folder to remove.
		for _, left := range []struct{ path, what string }{
			{StagingDir(mem.DataDir, m.ID), "is the staging folder of an earlier restore of backup %s that no unfinished operation records; remove it (rm -r %s) and restore again"},
			{PreviousDir(mem.DataDir, m.ID), "holds the data folder an earlier restore of backup %s replaced; move it elsewhere or, once you no longer need it, remove it (rm -r %s), and restore again"},
		} {
			_, err := mem.Host.Stat(ctx, left.path)
			switch {
			case err == nil:
				errs = append(errs, fmt.Errorf("%s: %s "+left.what, mem.Broker.Name(), left.path, m.ID, left.path))
			case !errors.Is(err, fs.ErrNotExist):
				errs = append(errs, fmt.Errorf("%s: check for %s: %w", mem.Broker.Name(), left.path, err))
			}
		}
		free, err := mem.Host.FreeSpace(ctx, parent)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: free space beside %s: %w", mem.Broker.Name(), mem.DataDir, err))
		} else if free < rec.Bytes {
			errs = append(errs, fmt.Errorf("%s: %s has %d bytes free; the restored data needs %d beside the current data folder (which is kept): free some space", mem.Broker.Name(), parent, free, rec.Bytes))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return refuse(err)
	}
	r.emit(progress.Event{Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("backup %s (%d brokers, %d partitions, Zeebe %s) matches the target; every checksum verified", m.ID, len(m.Brokers), m.Cluster.PartitionsCount, m.ZeebeVersion)})
	return nil
}
