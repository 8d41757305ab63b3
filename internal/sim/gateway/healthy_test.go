package gateway

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// cluster returns the topology of a static cluster with the given brokers up.
func cluster(n, parts, rf int, version string, ids ...int) Topology {
	return Topology{Shape: zeebe.Shape{ClusterSize: n, PartitionsCount: parts, ReplicationFactor: rf}, GatewayVersion: version,
		Brokers: Assign(zeebe.Shape{ClusterSize: n, PartitionsCount: parts, ReplicationFactor: rf}, upBrokers(version, ids...))}
}

func TestHealthyFullCluster(t *testing.T) {
	for _, tp := range []Topology{
		cluster(3, 3, 3, "8.5.3", 0, 1, 2),
		cluster(4, 5, 3, "8.5.3", 0, 1, 2, 3),
		cluster(3, 6, 1, "8.5.3", 0, 1, 2),
	} {
		if err := zeebe.Healthy(tp, "8.5.3"); err != nil {
			t.Errorf("zeebe.Healthy(N=%d) = %v, want nil", tp.ClusterSize, err)
		}
		if err := zeebe.Healthy(tp, ""); err != nil {
			t.Errorf("zeebe.Healthy(N=%d, any version) = %v, want nil", tp.ClusterSize, err)
		}
	}
}

func TestHealthyNamesProblem(t *testing.T) {
	wrongVersion := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	wrongVersion.Brokers[2].Version = "8.5.2"

	noLeader := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	noLeader.Brokers[1].Partitions[1].Role = RoleFollower // node 1 led partition 2

	twoLeaders := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	twoLeaders.Brokers[0].Partitions[2].Role = RoleLeader // partition 3 is led by node 2

	unhealthy := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	unhealthy.Brokers[0].Partitions[0].Health = HealthUnhealthy
	unhealthy.Brokers[2].Partitions[2].Role = RoleInactive

	extra := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	extra.Brokers = append(extra.Brokers, Broker{NodeID: 3, Version: "8.5.3"}, extra.Brokers[0])

	repeated := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	repeated.Brokers[1].Partitions = append(repeated.Brokers[1].Partitions,
		Partition{PartitionID: 2, Role: RoleLeader, Health: HealthHealthy}, Partition{PartitionID: 4, Role: RoleLeader, Health: HealthHealthy})

	for _, tc := range []struct {
		name    string
		tp      Topology
		version string
		want    string
	}{
		{"brokerDown", cluster(3, 3, 3, "8.5.3", 0, 2), "8.5.3", "cluster not fully up: broker 1 is absent; " +
			"partition 1 has only 1 of 2 followers; partition 2 has only 1 of 2 followers; partition 3 has only 1 of 2 followers"},
		{"noLeader", noLeader, "8.5.3", "cluster not fully up: partition 2 has no leader; partition 2 has 3 followers, want 2"},
		{"twoLeaders", twoLeaders, "", "cluster not fully up: partition 3 has 2 leaders (brokers [0 2]); partition 3 has only 1 of 2 followers"},
		{"wrongVersion", wrongVersion, "8.5.3", `cluster not fully up: broker 2 has version "8.5.2", want "8.5.3"`},
		{"unhealthy", unhealthy, "8.5.3", "cluster not fully up: partition 1 on broker 0 is unhealthy; " +
			"partition 3 on broker 2 is inactive; partition 3 has no leader"},
		{"extraBrokers", extra, "", "cluster not fully up: unexpected broker 3 (cluster size 3); broker 0 is listed more than once"},
		{"repeatedPartition", repeated, "", "cluster not fully up: broker 1 lists partition 2 more than once; broker 1 reports unknown partition 4"},
		{"allDown", Topology{Shape: zeebe.Shape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1}}, "", "cluster not fully up: broker 0 is absent; partition 1 has no leader"},
		{"rfAboveN", cluster(2, 2, 3, "8.5.3", 0, 1), "", "cluster not fully up: replication factor 3 exceeds cluster size 2"},
		{"empty", Topology{}, "", "cluster not fully up: topology reports clusterSize 0, partitionsCount 0, replicationFactor 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := zeebe.Healthy(tc.tp, tc.version)
			if err == nil {
				t.Fatalf("Healthy = nil, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("Healthy =\n  %q\nwant\n  %q", err, tc.want)
			}
		})
	}
}
