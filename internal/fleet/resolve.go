package fleet

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Shape is what every broker's configuration must agree on: the configured zeebe.Shape and
// the cluster name. ClusterSize is the configured size: from 8.4 a cluster scaled at runtime
// keeps its initial clusterSize while it has more (or fewer) brokers, so it is not the number
// of brokers (zeebe-format.md §6); the real shape is in .topology.meta.
type Shape struct {
	zeebe.Shape
	ClusterName string
}

// Resolve builds the fleet of a described cluster, reading each broker's configuration once,
// where the broker runs: hosts gives each broker's Host, through which its Config file (with
// Env as the broker's environment, SPRING_CONFIG_ADDITIONAL_LOCATION included, relative
// entries against InstallDir) is read and resolved. Each Member gets its host, its resolved
// configuration, the file's bytes as read, and its data folder: the description's dataDir
// when written (it wins), else the configuration's, a relative one resolved against
// InstallDir as Zeebe does.
//
// One node-id / cluster-size policy, Zeebe 8.4+'s (zeebe-format.md §6): only a negative node
// id is refused (config.Broker), and each configuration's node id must be the description's.
// Neither a node id nor the number of brokers is compared with the configured clusterSize: a
// cluster scaled at runtime keeps its initial clusterSize with more brokers. Whether the
// brokers are the cluster's is checked by backup and restore against the real shape
// (.topology.meta, else the configured size). Every configuration must give the same Shape,
// and no two brokers on one host may share a data folder.
//
// Every problem is reported, together, each with the cluster file's line of its broker. On
// failure Resolve returns no fleet and changes nothing; on success it also fills the
// description's empty DataDirs, so that the description and the fleet agree.
func Resolve(ctx context.Context, d *cluster.Description, hosts func(cluster.Broker) (broker.Host, error)) (*Fleet, error) {
	var errs []error
	fail := func(b cluster.Broker, format string, args ...any) {
		where := d.Where(b)
		if where != "" {
			where += ": "
		}
		errs = append(errs, fmt.Errorf(where+b.Name()+": "+format, args...))
	}
	f := &Fleet{Description: d, Gateway: d.Gateway}
	var first *Member                // the one whose Shape the others must have
	owner := map[[2]string]*Member{} // host and data folder -> member
	for _, b := range d.Brokers {
		m, err := resolveMember(ctx, b, hosts)
		if err != nil {
			fail(b, "%w", err)
			continue
		}
		key := [2]string{b.Host, m.DataDir}
		if o := owner[key]; o != nil {
			fail(b, "data folder %s is also the one of %s; every broker needs its own (set dataDir or env)", m.DataDir, o.Broker.Name())
			continue
		}
		owner[key] = m
		if first == nil {
			first, f.Shape = m, shapeOf(m.Config)
		} else if s := shapeOf(m.Config); s != f.Shape {
			fail(b, "its configuration %s has %s, clusterName %q; %s has %d, %d, %d, %q: all brokers must agree",
				b.Config, s.Shape, s.ClusterName,
				first.Broker.Name(), f.Shape.ClusterSize, f.Shape.PartitionsCount, f.Shape.ReplicationFactor, f.Shape.ClusterName)
		}
		f.Members = append(f.Members, m)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i, m := range f.Members {
		d.Brokers[i].DataDir = m.DataDir
	}
	return f, nil
}

// resolveMember reads and resolves one broker's configuration through its host.
func resolveMember(ctx context.Context, b cluster.Broker, hosts func(cluster.Broker) (broker.Host, error)) (*Member, error) {
	h, err := hosts(b)
	if err != nil {
		return nil, err
	}
	raw, err := h.ReadFile(ctx, b.Config)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err) // a Host's errors name the path
	}
	vals, err := config.LoadValues(ctx, config.LoadOptions{
		Inline:   []config.Inline{{Name: b.Config, Data: raw}},
		Env:      b.Env,
		WorkDir:  b.InstallDir,
		ReadFile: hostReader(ctx, h),
	})
	if err != nil {
		return nil, err
	}
	cfg, err := vals.Broker()
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", b.Config, err)
	}
	if cfg.NodeID != b.NodeID {
		return nil, fmt.Errorf("config %s (with env) gives node id %d; the description says %d, fix one of them", b.Config, cfg.NodeID, b.NodeID)
	}
	if b.DataDir == "" {
		b.DataDir = cfg.ResolveDataDirectory(b.InstallDir)
	}
	return &Member{Broker: b, Host: h, DataDir: b.DataDir, Config: cfg, ConfigData: raw}, nil
}

// hostReader is a config.LoadOptions.ReadFile that reads on h.
func hostReader(ctx context.Context, h broker.Host) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) { return h.ReadFile(ctx, path) }
}

func shapeOf(c *config.Broker) Shape {
	return Shape{c.Shape, c.ClusterName}
}
