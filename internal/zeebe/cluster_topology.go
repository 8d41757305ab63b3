package zeebe

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

// TopologyPartition is one partition replica as a broker reports it.
type TopologyPartition struct {
	PartitionID int
	Role        Role
	Health      Health
}

// TopologyBroker is one broker of a topology.
type TopologyBroker struct {
	NodeID     int
	Host       string // advertised host
	Port       int    // command API port
	Version    string
	Partitions []TopologyPartition
}

// Topology is what a gateway answers to a topology request (§7), over gRPC or REST.
type Topology struct {
	Shape
	GatewayVersion string
	Brokers        []TopologyBroker // only brokers that are up; sorted by NodeID
}
