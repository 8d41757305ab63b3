package fleet

import (
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Shape is what every broker's configuration must agree on. ClusterSize is the configured
// size: from 8.4 a cluster scaled at runtime keeps its initial clusterSize while it has more
// (or fewer) brokers, so it is not the number of brokers (zeebe-format.md §6); the real shape
// is in .topology.meta.
type Shape struct {
	ClusterSize, PartitionsCount, ReplicationFactor int
	ClusterName                                     string
}

// Build pairs each described broker with its host and resolved data folder, and checks that the
// configurations agree with the description and with each other: each config's node id is the
// broker's, and cluster size, partitions count and replication factor are the same everywhere.
// As in Zeebe 8.4+, a node id is not compared with the configured cluster size, nor is the
// number of brokers: whether the brokers are the cluster's is for the caller to check against
// the real shape (.topology.meta, else the configured size). All problems are reported
// together.
func Build(d *cluster.Description, cfgs map[int]*config.Broker, hosts func(cluster.Broker) (broker.Host, error)) (*Fleet, Shape, error) {
	f := &Fleet{Gateway: d.Gateway}
	var shape Shape
	var errs []error
	for i, b := range d.Brokers {
		h, err := hosts(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", b.Name(), err))
			continue
		}
		cfg := cfgs[b.NodeID]
		if cfg == nil {
			errs = append(errs, fmt.Errorf("%s: its configuration %s was not read", b.Name(), b.Config))
			continue
		}
		if cfg.NodeID != b.NodeID {
			errs = append(errs, fmt.Errorf("%s: its configuration %s says nodeId %d; the cluster file and the configuration must agree", b.Name(), b.Config, cfg.NodeID))
		}
		s := Shape{cfg.ClusterSize, cfg.PartitionsCount, cfg.ReplicationFactor, cfg.ClusterName}
		if i == 0 {
			shape = s
		} else if s != shape {
			errs = append(errs, fmt.Errorf("%s: its configuration %s has clusterSize %d, partitionsCount %d, replicationFactor %d, clusterName %q; %s has %d, %d, %d, %q: all brokers must agree",
				b.Name(), b.Config, s.ClusterSize, s.PartitionsCount, s.ReplicationFactor, s.ClusterName,
				d.Brokers[0].Name(), shape.ClusterSize, shape.PartitionsCount, shape.ReplicationFactor, shape.ClusterName))
		}
		f.Members = append(f.Members, &Member{Broker: b, Host: h, DataDir: b.DataDir})
	}
	return f, shape, errors.Join(errs...)
}
