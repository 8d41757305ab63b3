package gateway

import (
	"context"
	"fmt"
)

// Role is a broker's Raft role for one partition, spelled as in the REST API.
type Role string

// The roles a topology reports.
const (
	RoleLeader   Role = "leader"
	RoleFollower Role = "follower"
	RoleInactive Role = "inactive"
)

// Health is a partition's health on one broker, spelled as in the REST API.
type Health string

// The health values a topology reports.
const (
	HealthHealthy   Health = "healthy"
	HealthUnhealthy Health = "unhealthy"
	HealthDead      Health = "dead"
)

// Partition is one partition replica as a broker reports it.
type Partition struct {
	PartitionID int
	Role        Role
	Health      Health
}

// Broker is one broker of the topology.
type Broker struct {
	NodeID     int
	Host       string // advertised host
	Port       int    // command API port
	Version    string
	Partitions []Partition
}

// Topology is what a gateway answers to a topology request.
type Topology struct {
	ClusterSize, PartitionsCount, ReplicationFactor int
	GatewayVersion                                  string
	Brokers                                         []Broker // only brokers that are up; sorted by NodeID
}

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
