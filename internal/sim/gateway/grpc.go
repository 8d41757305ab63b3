package gateway

import (
	"context"
	"errors"
	"strings"

	"github.com/camunda/zeebe/clients/go/v8/pkg/pb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// topologyMethod is the full gRPC name of the one call the simulator serves.
const topologyMethod = "/gateway_protocol.Gateway/Topology"

// NewGRPCServer returns a gRPC server implementing Zeebe's GatewayService with the Topology call
// answered from src. An error from src gives codes.Unavailable (or the context's code when the
// request's context ended), an invalid topology codes.Internal. Every other call, unary or
// streaming, known to the protobuf or not, gives codes.Unimplemented. The caller serves and stops
// the server.
func NewGRPCServer(src Source) *grpc.Server {
	s := grpc.NewServer(
		grpc.UnaryInterceptor(onlyTopologyUnary),
		grpc.StreamInterceptor(func(_ any, _ grpc.ServerStream, info *grpc.StreamServerInfo, _ grpc.StreamHandler) error {
			return unimplemented(info.FullMethod)
		}),
		grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
			name, _ := grpc.MethodFromServerStream(stream)
			return unimplemented(name)
		}),
	)
	pb.RegisterGatewayServer(s, &gatewayServer{src: src})
	return s
}

// onlyTopologyUnary lets Topology through and refuses every other unary call.
func onlyTopologyUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if info.FullMethod != topologyMethod {
		return nil, unimplemented(info.FullMethod)
	}
	return handler(ctx, req)
}

func unimplemented(method string) error {
	return status.Errorf(codes.Unimplemented, "%s: the zeebe-backup gateway simulator only serves Topology", method)
}

// gatewayServer implements pb.GatewayServer; the embedded methods are never reached because
// the interceptors refuse every call but Topology first.
type gatewayServer struct {
	pb.UnimplementedGatewayServer
	src Source
}

var _ pb.GatewayServer = (*gatewayServer)(nil)

// Topology answers from the Source.
func (g *gatewayServer) Topology(ctx context.Context, _ *pb.TopologyRequest) (*pb.TopologyResponse, error) {
	t, err := g.src(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, status.FromContextError(err).Err()
		}
		return nil, status.Errorf(codes.Unavailable, "topology: %v", err)
	}
	if err := validate(t); err != nil {
		return nil, status.Errorf(codes.Internal, "topology: %v", err)
	}
	return toProto(t), nil
}

func toProto(t Topology) *pb.TopologyResponse {
	resp := &pb.TopologyResponse{
		Brokers:           make([]*pb.BrokerInfo, 0, len(t.Brokers)),
		ClusterSize:       int32(t.ClusterSize),
		PartitionsCount:   int32(t.PartitionsCount),
		ReplicationFactor: int32(t.ReplicationFactor),
		GatewayVersion:    t.GatewayVersion,
	}
	for _, b := range t.Brokers {
		info := &pb.BrokerInfo{
			NodeId:     int32(b.NodeID),
			Host:       b.Host,
			Port:       int32(b.Port),
			Version:    b.Version,
			Partitions: make([]*pb.Partition, 0, len(b.Partitions)),
		}
		for _, p := range b.Partitions {
			info.Partitions = append(info.Partitions, &pb.Partition{
				PartitionId: int32(p.PartitionID),
				Role:        pb.Partition_PartitionBrokerRole(protoValue(p.Role, pb.Partition_PartitionBrokerRole_value)),
				Health:      pb.Partition_PartitionBrokerHealth(protoValue(p.Health, pb.Partition_PartitionBrokerHealth_value)),
			})
		}
		resp.Brokers = append(resp.Brokers, info)
	}
	return resp
}

// protoValue is a validated role or health in its proto enum, whose names are the same in
// capitals (as fleet.GatewayTopology reads them back); values maps the enum's names to numbers.
func protoValue[V ~string](v V, values map[string]int32) int32 {
	return values[strings.ToUpper(string(v))]
}
