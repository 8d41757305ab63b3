package fleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// GatewayTopology asks a Zeebe gateway for its topology over gRPC (GatewayService.Topology,
// plaintext), as zbctl status does.
func GatewayTopology(ctx context.Context, addr string) (zeebe.Topology, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return zeebe.Topology{}, fmt.Errorf("gateway %s: %w", addr, err)
	}
	defer conn.Close()
	resp, err := pb.NewGatewayClient(conn).Topology(ctx, &pb.TopologyRequest{})
	if err != nil {
		return zeebe.Topology{}, fmt.Errorf("gateway %s: topology: %w", addr, err)
	}
	t := zeebe.Topology{
		Shape: zeebe.Shape{ClusterSize: int(resp.ClusterSize), PartitionsCount: int(resp.PartitionsCount),
			ReplicationFactor: int(resp.ReplicationFactor)},
		GatewayVersion: resp.GatewayVersion,
	}
	for _, b := range resp.Brokers {
		tb := zeebe.TopologyBroker{NodeID: int(b.NodeId), Host: b.Host, Port: int(b.Port), Version: b.Version}
		for _, p := range b.Partitions {
			tb.Partitions = append(tb.Partitions, zeebe.TopologyPartition{
				PartitionID: int(p.PartitionId),
				Role:        zeebe.Role(strings.ToLower(p.Role.String())),
				Health:      zeebe.Health(strings.ToLower(p.Health.String())),
			})
		}
		t.Brokers = append(t.Brokers, tb)
	}
	return t, nil
}
