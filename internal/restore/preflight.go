package restore

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
)

// preflight checks the target against the backup before anything is stopped.
func (r *run) preflight(ctx context.Context) error {
	refuse := func(err error) error { return fmt.Errorf("%w:\n%w", ErrRefused, err) }
	if err := r.deps.Repo.Probe(ctx); err != nil {
		return refuse(err)
	}
	if err := r.deps.Repo.CheckUnlocked(ctx); err != nil {
		return err
	}
	f := r.fleet
	f.Events, f.Topology = r.deps.Events, r.deps.Topology
	// The rules backup applies too; the data folders become their real paths.
	invalid := errors.Join(f.Validate(ctx, false), f.CheckRepository(ctx, r.deps.Repo.Location()))
	if err := f.CheckUnlocked(ctx); err != nil {
		return err
	}
	if invalid != nil {
		return refuse(invalid)
	}
	m, err := r.deps.Repo.Manifest(ctx, r.opts.ID)
	if err != nil {
		return refuse(err)
	}
	r.m = m
	// The configuration each broker runs with, environment included, before anything changes;
	// it must give Zeebe the data folder and health port the cluster file names.
	if err := r.readEffective(ctx); err != nil {
		return refuse(err)
	}
	if err := f.CheckConfigs(ctx, r.eff); err != nil {
		return refuse(err)
	}

	// The same brokers, node ids and partitioning.
	for _, b := range m.Brokers {
		r.recs[b.NodeID] = b
	}
	if err := errors.Join(compareShape(m, r.d, f.Shape)...); err != nil {
		return refuse(err)
	}

	// Every stored file matches the manifest, and the data is what Zeebe can start from, for
	// the node it goes to.
	if err := r.gates(ctx, f.Shape); err != nil {
		return refuse(err)
	}

	// Each broker's index reads: the extraction after the stop is checked against it.
	var idxErrs []error
	for _, b := range m.Brokers {
		if _, err := r.deps.Repo.Index(ctx, m.ID, b.NodeID); err != nil {
			idxErrs = append(idxErrs, fmt.Errorf("broker %d: the index %s cannot be read (%w); the backup is damaged, restore another one", b.NodeID, b.Index, err))
		}
	}
	if err := errors.Join(idxErrs...); err != nil {
		return refuse(err)
	}

	// The configuration to install keeps each broker where the cluster file finds it.
	if err := r.checkConfigs(ctx); err != nil {
		return refuse(err)
	}

	// Where each broker stages (on the filesystem of its data folder), room there, and nothing
	// of an earlier restore in the way.
	var errs []error
	for _, mem := range f.Members {
		if err := r.placeStaging(ctx, mem); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return refuse(err)
	}
	if err := r.checkSpace(ctx); err != nil {
		return refuse(err)
	}
	r.emit(progress.Event{Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("backup %s (%d brokers, %d partitions, Zeebe %s) matches the target; every checksum verified", m.ID, len(m.Brokers), m.Cluster.PartitionsCount, m.ZeebeVersion)})
	return nil
}
