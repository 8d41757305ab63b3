// Package gateway serves a Zeebe cluster's topology the way a Zeebe gateway does, over gRPC
// and REST. It is a test instrument of the broker simulator: no real Zeebe runs in our tests,
// so this package plays the gateway that the backup tool asks whether a cluster is fully up
// (docs/zeebe-format.md §7). Nothing in it is used against a production cluster.
//
// Invariants:
//
//  1. A [Source] is called on every request; the servers keep no topology of their own and
//     serve exactly what it returns, brokers and partitions in its order.
//  2. [NewGRPCServer] answers GatewayService.Topology with Zeebe's own protobuf messages
//     (package pb of the official Go client); every other call, including methods and services
//     unknown to that protobuf, fails with codes.Unimplemented saying that the simulator only
//     serves Topology.
//  3. [RESTHandler] serves GET /v1/topology (8.5) and GET /v2/topology (8.6+) with the REST
//     API's JSON field names; lists are [] and never null. Other methods get 405, other paths
//     404, and an error from the Source gives 503 with an RFC 9457 problem body.
//  4. A topology with a role or health outside the defined constants is never served: gRPC
//     answers codes.Internal and REST 500, because the proto enums would silently turn it into
//     LEADER or HEALTHY.
//  5. [Assign] is deterministic and follows Zeebe's static round-robin distribution with
//     numeric node order (8.5+) and priority election (docs/zeebe-format.md §5).
//  6. [Healthy] checks what a topology can show of "cluster fully up"; the per-broker readiness
//     probe of §7 is not part of a topology and is not checked here.
package gateway
