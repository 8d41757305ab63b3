package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// realShape finds the cluster's real shape while it runs: the members of the newest readable
// .topology.meta in the brokers' data folders (8.4+: authoritative after any scaling, §4.3),
// else the static distribution over node ids 0..clusterSize-1 (§5). The cluster file must
// list exactly those brokers: a broker left out would not be backed up, one too many is not
// the cluster's. A cluster scaled at runtime keeps its configured clusterSize, so that alone
// says nothing about the number of brokers once a topology exists.
func (r *run) realShape(ctx context.Context, f *fleet.Fleet, shape fleet.Shape) (repo.ClusterShape, error) {
	out := repo.ClusterShape{ClusterSize: shape.ClusterSize, PartitionsCount: shape.PartitionsCount,
		ReplicationFactor: shape.ReplicationFactor, ClusterName: shape.ClusterName} // as stored
	var listed []int
	for _, m := range f.Members {
		listed = append(listed, m.Broker.NodeID)
	}
	slices.Sort(listed)

	var newest *zeebe.PersistedTopology
	from := ""
	for _, m := range f.Members {
		t, err := readTopology(ctx, m)
		switch {
		case err != nil:
			r.emit(progress.Event{Level: progress.Warn, Phase: "preflight", Broker: m.Broker.NodeID, Message: err.Error()})
		case t != nil && (newest == nil || t.Version > newest.Version):
			newest, from = t, m.Broker.Name()
		}
	}
	if newest == nil {
		out.Members, out.MembersFrom = repo.StaticMembers(shape.Shape), repo.MembersFromConfig
		if want := out.NodeIDs(); !slices.Equal(want, listed) {
			return out, fmt.Errorf("the configurations say clusterSize %d (node ids %v) and no data folder has a %s; the cluster file lists brokers %v: describe every broker of the cluster",
				shape.ClusterSize, want, zeebe.TopologyMetaFile, listed)
		}
		return out, nil
	}
	out.Members, out.MembersFrom = repo.TopologyMembers(newest), repo.MembersFromTopology
	if want := out.NodeIDs(); !slices.Equal(want, listed) {
		return out, fmt.Errorf("the cluster's %s (version %d, in the data folder of %s) has members %v; the cluster file lists brokers %v: describe every member of the cluster, with its node id (the configured clusterSize %d is only the initial size of a cluster scaled at runtime)",
			zeebe.TopologyMetaFile, newest.Version, from, want, listed, shape.ClusterSize)
	}
	return out, nil
}

// readTopology reads a running broker's .topology.meta; nil when it has none. Zeebe rewrites
// the file in place, so a read may catch it half-written: it is read again a few times before
// it counts as unreadable.
func readTopology(ctx context.Context, m *fleet.Member) (*zeebe.PersistedTopology, error) {
	path := filepath.Join(m.DataDir, zeebe.TopologyMetaFile)
	var perr error
	for try := range 3 {
		if try > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		raw, err := m.Host.ReadFile(ctx, path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: read %s: %w", m.Broker.Name(), path, err)
		}
		t, err := zeebe.ParseTopologyMeta(raw)
		if err == nil {
			return &t, nil
		}
		perr = err
	}
	return nil, fmt.Errorf("%s: %s is unreadable (%v); the cluster's shape is taken from the other brokers' or the configuration", m.Broker.Name(), path, perr)
}

// recordShape sets the manifest's members from the data as archived, with the brokers stopped:
// the newest .topology.meta among the brokers' reports, else what the pre-flight found.
func (r *run) recordShape(reports []*check.Report) {
	var newest *zeebe.PersistedTopology
	for _, rep := range reports {
		if rep != nil && rep.Topology != nil && (newest == nil || rep.Topology.Version > newest.Version) {
			newest = rep.Topology
		}
	}
	if newest == nil {
		return
	}
	members := repo.TopologyMembers(newest)
	if r.m.Cluster.MembersFrom == repo.MembersFromTopology && !slices.EqualFunc(members, r.m.Cluster.Members, sameMember) {
		r.emit(progress.Event{Level: progress.Warn, Phase: "check", Broker: progress.Cluster,
			Message: fmt.Sprintf("the persisted topology changed between the pre-flight and the stop (now version %d); the backup records the one archived", newest.Version)})
	}
	r.m.Cluster.Members, r.m.Cluster.MembersFrom = members, repo.MembersFromTopology
}

func sameMember(a, b repo.ShapeMember) bool {
	return a.NodeID == b.NodeID && slices.Equal(a.Partitions, b.Partitions)
}
