package gateway

import (
	"context"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// The topology types are Zeebe's, shared with the tool that checks a cluster.
type (
	Role      = zeebe.Role
	Health    = zeebe.Health
	Partition = zeebe.TopologyPartition
	Broker    = zeebe.TopologyBroker
	Topology  = zeebe.Topology
)

// The roles and health values a topology reports.
const (
	RoleLeader      = zeebe.RoleLeader
	RoleFollower    = zeebe.RoleFollower
	RoleInactive    = zeebe.RoleInactive
	HealthHealthy   = zeebe.HealthHealthy
	HealthUnhealthy = zeebe.HealthUnhealthy
	HealthDead      = zeebe.HealthDead
)

// Source returns the current topology; called on every request. Its error is served as
// "unavailable" (gRPC codes.Unavailable, REST 503).
type Source func(ctx context.Context) (Topology, error)

// validate reports a role or health that no Zeebe gateway would send.
func validate(t Topology) error {
	for _, b := range t.Brokers {
		for _, p := range b.Partitions {
			switch p.Role {
			case RoleLeader, RoleFollower, RoleInactive:
			default:
				return fmt.Errorf("broker %d partition %d: unknown role %q", b.NodeID, p.PartitionID, p.Role)
			}
			switch p.Health {
			case HealthHealthy, HealthUnhealthy, HealthDead:
			default:
				return fmt.Errorf("broker %d partition %d: unknown health %q", b.NodeID, p.PartitionID, p.Health)
			}
		}
	}
	return nil
}
