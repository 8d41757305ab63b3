package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// ErrPreflight is wrapped by every failure found before a broker was touched.
var ErrPreflight = errors.New("pre-flight check failed, no broker was touched")

// preflight checks everything that can be checked while the cluster runs.
func (r *run) preflight(ctx context.Context) error {
	if err := r.deps.Repo.Probe(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrPreflight, err)
	}
	if err := r.deps.Repo.CheckUnlocked(ctx); err != nil {
		return err
	}
	f, shape := r.fleet, r.fleet.Shape
	f.Events, f.Topology = r.deps.Events, r.deps.Topology
	// The rules restore applies too; the data folders become their real paths.
	invalid := errors.Join(f.Validate(ctx, true), f.CheckRepository(ctx, r.deps.Repo.Location()))
	if err := f.CheckUnlocked(ctx); err != nil {
		return err
	}
	if invalid != nil {
		return fmt.Errorf("%w:\n%w", ErrPreflight, invalid)
	}
	var err error
	if r.shape, err = r.realShape(ctx, f, shape); err != nil {
		return fmt.Errorf("%w:\n%w", ErrPreflight, err)
	}

	id := r.opts.ID
	if id == "" {
		id = repo.NewID(r.deps.Now())
	}
	if err := repo.ValidateID(id); err != nil {
		return fmt.Errorf("%w: %w", ErrPreflight, err)
	}
	if err := r.idFree(ctx, id); err != nil {
		return err
	}
	if err := r.probeFolder(ctx, id); err != nil {
		return err
	}
	r.m = &repo.Manifest{FormatVersion: repo.ManifestFormat, ToolVersion: r.deps.ToolVersion, ID: id, Cluster: r.shape, Compression: string(r.opts.Compression)}

	var errs []error
	var usage int64
	for _, m := range f.Members {
		u, err := m.Host.Usage(ctx, m.DataDir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: read data folder %s: %w", m.Broker.Name(), m.DataDir, err))
		}
		usage += u
		r.readEffective(ctx, m)
	}
	// The rules restore applies too: the configuration as it runs gives Zeebe the data folder
	// and the health port the cluster file names.
	errs = append(errs, f.CheckConfigs(ctx, r.effective))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w:\n%w", ErrPreflight, err)
	}
	if sr, ok := r.deps.Repo.Store().(storage.SpaceReporter); ok {
		free, err := sr.FreeSpace(ctx)
		if err != nil {
			return fmt.Errorf("%w: free space of %s: %w", ErrPreflight, r.deps.Repo.Location(), err)
		}
		// Compressed archives are smaller than the data; half of it is the least to expect room for.
		if free < usage/2 {
			return fmt.Errorf("%w: %s has %d bytes free; the data folders take %d bytes, and even compressed the backup needs about %d: free some space or use another repository",
				ErrPreflight, r.deps.Repo.Location(), free, usage, usage/2)
		}
	}
	r.emit(progress.Event{Phase: "preflight", Broker: progress.Cluster, Message: fmt.Sprintf("%d brokers (from the %s), %d partitions, replication factor %d, %d bytes of data; repository %s",
		r.shape.Brokers(), r.shape.MembersFrom, shape.PartitionsCount, shape.ReplicationFactor, usage, r.deps.Repo.Location())})
	return r.version(ctx)
}

// readEffective reads a broker's configuration as it runs, for the manifest. The backup does
// not depend on it: a broker whose environment cannot be read is named in a warning.
func (r *run) readEffective(ctx context.Context, m *fleet.Member) {
	if r.effective == nil {
		r.effective = map[int]*fleet.Effective{}
	}
	e, err := fleet.ReadEffective(ctx, m)
	if err != nil {
		r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: m.Broker.NodeID, Message: "the configuration it runs with is not recorded: " + err.Error()})
		return
	}
	if !e.Running {
		r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: m.Broker.NodeID, Message: "recording the configuration from " + e.From})
	}
	r.effective[m.Broker.NodeID] = e
}

// idFree refuses a backup id whose folder holds anything: a committed backup, or files that no
// unfinished operation records (the repository lock was checked first), so not this tool's to
// remove.
func (r *run) idFree(ctx context.Context, id string) error {
	exists, err := r.deps.Repo.Exists(ctx, id)
	switch {
	case err != nil:
		return fmt.Errorf("%w: read the repository %s: %w", ErrPreflight, r.deps.Repo.Location(), err)
	case !exists:
		return nil
	}
	_, err = r.deps.Repo.Manifest(ctx, id)
	folder := r.deps.Repo.FolderLocation(id)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s already holds backup %q; choose another --id", ErrPreflight, r.deps.Repo.Location(), id)
	case !errors.Is(err, repo.ErrNotFound): // repo.Manifest's "absent" (fs.ErrNotExist below)
		// A manifest that is there but cannot be read (damaged, newer, an I/O error) is not
		// "no manifest": the folder may hold a committed backup.
		return fmt.Errorf("%w: %s holds backup %q, whose manifest cannot be read (%w); choose another --id, and check that backup with 'zeebe-backup verify %s'",
			ErrPreflight, folder, id, err, id)
	}
	return fmt.Errorf("%w: %s holds files of a backup %q that has no manifest and that no unfinished operation records; "+
		"check what it is, then remove it (rm -r %s) or choose another --id", ErrPreflight, folder, id, folder)
}

// version finds the cluster's Zeebe version: from the gateway, else the cluster file. Otherwise
// the checks that read every record while the data is archived give it (findings). The
// gateway's topology is also recorded.
func (r *run) version(ctx context.Context) error {
	if r.d.Gateway != "" && r.deps.Topology != nil {
		t, err := r.deps.Topology(ctx, r.d.Gateway)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPreflight, err)
		}
		if err := zeebe.Healthy(t, ""); err != nil {
			r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: progress.Cluster, Message: "the cluster is not fully up before the backup: " + err.Error()})
		}
		r.m.Topology = recordTopology(t)
		versions := map[string]bool{}
		for _, b := range t.Brokers {
			versions[b.Version] = true
		}
		if len(versions) > 1 {
			return fmt.Errorf("%w: the brokers run different Zeebe versions (%s); finish the rolling update first", ErrPreflight, strings.Join(keys(versions), ", "))
		}
		for v := range versions {
			r.m.ZeebeVersion, r.m.VersionSource = v, "gateway"
		}
		if r.m.ZeebeVersion == "" {
			r.m.ZeebeVersion, r.m.VersionSource = t.GatewayVersion, "gateway"
		}
		return nil
	}
	if r.d.Version != "" {
		r.m.ZeebeVersion, r.m.VersionSource = r.d.Version, "cluster file"
		return nil
	}
	return nil
}

func recordTopology(t zeebe.Topology) *repo.Topology {
	out := &repo.Topology{ClusterSize: t.ClusterSize, PartitionsCount: t.PartitionsCount, ReplicationFactor: t.ReplicationFactor, GatewayVersion: t.GatewayVersion}
	for _, b := range t.Brokers {
		n := repo.TopologyNode{NodeID: b.NodeID, Address: fmt.Sprintf("%s:%d", b.Host, b.Port), Version: b.Version}
		for _, p := range b.Partitions {
			n.Partitions = append(n.Partitions, repo.TopologyPlace{PartitionID: p.PartitionID, Role: string(p.Role), Health: string(p.Health)})
		}
		out.Brokers = append(out.Brokers, n)
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// probeName is the file the pre-flight writes into the backup's folder and removes again.
const probeName = "preflight-probe"

// probeFolder writes a file into the backup's folder and removes it: the folder can be
// written, and it is the repository's own (a store that refuses to follow a link planted in
// the repository refuses it here, not after the stop).
func (r *run) probeFolder(ctx context.Context, id string) error {
	if _, err := r.deps.Repo.Put(ctx, id, probeName, strings.NewReader("")); err != nil {
		return fmt.Errorf("%w: the backup's folder %s cannot be written: %w; make the repository writable for this user, or remove what is in the way", ErrPreflight, r.deps.Repo.FolderLocation(id), err)
	}
	if err := r.deps.Repo.Store().Delete(ctx, repo.Key(id, probeName)); err != nil {
		return fmt.Errorf("%w: remove the probe written into %s: %w", ErrPreflight, r.deps.Repo.FolderLocation(id), err)
	}
	return nil
}
