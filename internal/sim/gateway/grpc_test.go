package gateway

import (
	"context"
	"errors"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"net"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"github.com/camunda/zeebe/clients/go/v8/pkg/zbc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// startGRPC serves NewGRPCServer(src) on loopback and returns a Zeebe client connected to it.
func startGRPC(t *testing.T, src Source) zbc.Client {
	t.Helper()
	client, _ := startGRPCAddr(t, src)
	return client
}

// startGRPCAddr is startGRPC that also returns the server's address.
func startGRPCAddr(t *testing.T, src Source) (zbc.Client, string) {
	t.Helper()
	// The client reads ZEEBE_* variables (address, TLS, OAuth); none may leak into the test.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "ZEEBE_") {
			t.Setenv(name, "")
			if err := os.Unsetenv(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewGRPCServer(src)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	client, err := zbc.NewClient(&zbc.ClientConfig{
		GatewayAddress:         lis.Addr().String(),
		UsePlaintextConnection: true,
		CredentialsProvider:    nil, // no OAuth: zbc then uses its no-op provider
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client, lis.Addr().String()
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fromProto maps a response back to a Topology with its own, independent enum table.
func fromProto(t *testing.T, r *pb.TopologyResponse) Topology {
	t.Helper()
	roles := map[pb.Partition_PartitionBrokerRole]Role{
		pb.Partition_LEADER: RoleLeader, pb.Partition_FOLLOWER: RoleFollower, pb.Partition_INACTIVE: RoleInactive}
	healths := map[pb.Partition_PartitionBrokerHealth]Health{
		pb.Partition_HEALTHY: HealthHealthy, pb.Partition_UNHEALTHY: HealthUnhealthy, pb.Partition_DEAD: HealthDead}
	out := Topology{Shape: zeebe.Shape{ClusterSize: int(r.ClusterSize), PartitionsCount: int(r.PartitionsCount),
		ReplicationFactor: int(r.ReplicationFactor)}, GatewayVersion: r.GatewayVersion}
	for _, b := range r.Brokers {
		ob := Broker{NodeID: int(b.NodeId), Host: b.Host, Port: int(b.Port), Version: b.Version}
		for _, p := range b.Partitions {
			ob.Partitions = append(ob.Partitions, Partition{PartitionID: int(p.PartitionId), Role: roles[p.Role], Health: healths[p.Health]})
		}
		out.Brokers = append(out.Brokers, ob)
	}
	return out
}

func TestGRPCTopologyWithZeebeClient(t *testing.T) {
	full := cluster(3, 3, 3, "8.5.3", 0, 1, 2)
	full.GatewayVersion = "8.5.4"
	var calls atomic.Int32
	client := startGRPC(t, func(ctx context.Context) (Topology, error) {
		if calls.Add(1) == 1 {
			return full, nil
		}
		return cluster(3, 3, 3, "8.5.3", 0, 2), nil // broker 1 went down
	})
	ctx := ctxFor(t)

	resp, err := client.NewTopologyCommand().Send(ctx)
	if err != nil {
		t.Fatalf("Topology: %v", err)
	}
	if resp.ClusterSize != 3 || resp.PartitionsCount != 3 || resp.ReplicationFactor != 3 || resp.GatewayVersion != "8.5.4" {
		t.Errorf("response header = %d/%d/%d %q", resp.ClusterSize, resp.PartitionsCount, resp.ReplicationFactor, resp.GatewayVersion)
	}
	if len(resp.Brokers) != 3 {
		t.Fatalf("got %d brokers, want 3", len(resp.Brokers))
	}
	b0 := resp.Brokers[0]
	if b0.NodeId != 0 || b0.Host != "zeebe-0.zeebe" || b0.Port != 26501 || b0.Version != "8.5.3" || len(b0.Partitions) != 3 {
		t.Errorf("broker 0 = %v", b0)
	}
	if p := b0.Partitions[0]; p.PartitionId != 1 || p.Role != pb.Partition_LEADER || p.Health != pb.Partition_HEALTHY {
		t.Errorf("broker 0 partition 1 = %v, want leader healthy", p)
	}
	if p := b0.Partitions[1]; p.PartitionId != 2 || p.Role != pb.Partition_FOLLOWER {
		t.Errorf("broker 0 partition 2 = %v, want follower", p)
	}
	if got := fromProto(t, resp); !reflect.DeepEqual(got, full) {
		t.Errorf("topology =\n %+v\nwant\n %+v", got, full)
	}
	if err := zeebe.Healthy(fromProto(t, resp), "8.5.3"); err != nil {
		t.Errorf("zeebe.Healthy(served topology) = %v", err)
	}

	// The Source is asked again on the next request.
	resp, err = client.NewTopologyCommand().Send(ctx)
	if err != nil {
		t.Fatalf("second Topology: %v", err)
	}
	if err := zeebe.Healthy(fromProto(t, resp), "8.5.3"); err == nil || !strings.Contains(err.Error(), "broker 1 is absent") {
		t.Errorf("Healthy after broker 1 went down = %v", err)
	}
}

func TestGRPCAllRolesAndHealths(t *testing.T) {
	want := Topology{Shape: zeebe.Shape{ClusterSize: 2, PartitionsCount: 2, ReplicationFactor: 2}, GatewayVersion: "8.6.0",
		Brokers: []Broker{
			{NodeID: 0, Host: "a", Port: 1, Version: "8.6.0", Partitions: []Partition{
				{PartitionID: 1, Role: RoleLeader, Health: HealthUnhealthy}, {PartitionID: 2, Role: RoleInactive, Health: HealthDead}}},
			{NodeID: 1, Host: "b", Port: 2, Version: "8.6.1", Partitions: []Partition{
				{PartitionID: 1, Role: RoleFollower, Health: HealthDead}, {PartitionID: 2, Role: RoleLeader, Health: HealthHealthy}}},
		}}
	client := startGRPC(t, func(context.Context) (Topology, error) { return want, nil })
	resp, err := client.NewTopologyCommand().Send(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := fromProto(t, resp); !reflect.DeepEqual(got, want) {
		t.Errorf("topology =\n %+v\nwant\n %+v", got, want)
	}
	if p := resp.Brokers[0].Partitions[1]; p.Role != pb.Partition_INACTIVE || p.Health != pb.Partition_DEAD {
		t.Errorf("inactive/dead partition = %v", p)
	}
}

func TestGRPCErrors(t *testing.T) {
	var bad atomic.Bool
	client, addr := startGRPCAddr(t, func(ctx context.Context) (Topology, error) {
		if bad.Load() {
			return Topology{Brokers: []Broker{{Partitions: []Partition{{PartitionID: 1, Role: "boss", Health: HealthHealthy}}}}}, nil
		}
		return Topology{}, errors.New("simulated outage")
	})
	ctx := ctxFor(t)
	check := func(name string, err error, code codes.Code, msg string) {
		t.Helper()
		if s, _ := status.FromError(err); s.Code() != code || !strings.Contains(s.Message(), msg) {
			t.Errorf("%s: error = %v, want %v containing %q", name, err, code, msg)
		}
	}

	_, err := client.NewTopologyCommand().Send(ctx)
	check("source error", err, codes.Unavailable, "simulated outage")
	bad.Store(true)
	_, err = client.NewTopologyCommand().Send(ctx)
	check("invalid role", err, codes.Internal, `unknown role "boss"`)

	const only = "gateway simulator only serves Topology"
	_, err = client.NewPublishMessageCommand().MessageName("m").CorrelationKey("k").Send(ctx)
	check("PublishMessage", err, codes.Unimplemented, only)
	_, err = client.NewCancelInstanceCommand().ProcessInstanceKey(1).Send(ctx)
	check("CancelProcessInstance", err, codes.Unimplemented, only)
	_, err = client.NewActivateJobsCommand().JobType("t").MaxJobsToActivate(1).Send(ctx)
	check("ActivateJobs (stream)", err, codes.Unimplemented, only)

	// Methods and services the 8.3 protobuf does not know (newer gateways have more).
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	for _, method := range []string{"/gateway_protocol.Gateway/StreamActivatedJobs", "/other.Service/Call"} {
		err = conn.Invoke(ctx, method, &pb.TopologyRequest{}, &pb.TopologyResponse{})
		check(method, err, codes.Unimplemented, only)
	}
}
