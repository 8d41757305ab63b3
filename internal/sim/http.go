package sim

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/fanout"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/gateway"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// managementHandler serves the port of the health endpoints (§7): as Zeebe 8.5+ does on the
// management port, the Spring health groups under /actuator/health and the legacy /ready,
// /health and /startup answering 301 to them; as 8.3/8.4 do on server.port, /ready, /health
// and /startup answering 204 or 503. Both serve the simulator's own /sim/positions.
func (b *Broker) managementHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sim/positions", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(b.report())
	})
	if !b.version.AtLeast(8, 5, 0) {
		// MonitoringRestController: 204 when the check passes, 503 otherwise.
		probe := func(ok func() bool) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if ok() {
					w.WriteHeader(http.StatusNoContent)
				} else {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}
		}
		ready := func() bool { return b.ready.Load() }
		mux.HandleFunc("GET /ready", probe(ready))
		mux.HandleFunc("GET /health", probe(ready))
		mux.HandleFunc("GET /startup", probe(b.started.Load))
		return mux
	}
	status := func(ok func() bool, down string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			code, s := http.StatusOK, "UP"
			if !ok() {
				code, s = http.StatusServiceUnavailable, down
			}
			w.Header().Set("Content-Type", "application/vnd.spring-boot.actuator.v3+json")
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(map[string]string{"status": s})
		}
	}
	ready := func() bool { return b.ready.Load() }
	mux.HandleFunc("GET /actuator/health/readiness", status(ready, "OUT_OF_SERVICE"))
	mux.HandleFunc("GET /actuator/health/status", status(ready, "DOWN"))
	mux.HandleFunc("GET /actuator/health/startup", status(b.started.Load, "DOWN"))
	mux.HandleFunc("GET /actuator/health", status(ready, "DOWN"))
	for from, to := range map[string]string{"/ready": "readiness", "/health": "status", "/startup": "startup"} {
		mux.Handle("GET "+from, http.RedirectHandler("/actuator/health/"+to, http.StatusMovedPermanently))
	}
	return mux
}

// member is what a broker tells its peers about itself on the internal API port: who it is,
// whether it is ready, and where each of its partitions is in the replication. Real brokers
// gossip over SWIM and talk Raft; the simulator answers a plain HTTP request instead.
type member struct {
	NodeID      int                 `json:"nodeId"`
	Host        string              `json:"host"`
	CommandPort int                 `json:"commandPort"`
	Version     string              `json:"version"`
	Ready       bool                `json:"ready"`
	Partitions  map[int]replicaInfo `json:"partitions,omitempty"`
	addr        string              // the internal API address it answered on
}

func (b *Broker) self() member {
	m := member{NodeID: b.cfg.NodeID, Host: b.cfg.AdvertisedHost, CommandPort: b.cfg.CommandAPIPort, Version: b.version.String(), Ready: b.ready.Load(),
		Partitions: map[int]replicaInfo{}}
	for _, p := range b.partitions() {
		m.Partitions[p.id] = p.info()
	}
	return m
}

// memberHandler serves the internal API port: GET /sim/member for the peers, GET /sim/entries
// for the followers of the partitions this broker leads (replicate.go).
func (b *Broker) memberHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sim/member", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(b.self())
	})
	mux.HandleFunc("GET /sim/entries", b.entriesHandler)
	return mux
}

// members asks every contact point who it is; this broker itself is left out.
func (b *Broker) members(ctx context.Context, client *http.Client) map[int]member {
	out := map[int]member{}
	var mu sync.Mutex
	_ = fanout.Each(b.cfg.InitialContactPoints, func(_ int, cp string) error { // an unanswered contact point is no member
		if m, ok := askMember(ctx, client, cp); ok && m.NodeID != b.cfg.NodeID {
			mu.Lock()
			out[m.NodeID] = m
			mu.Unlock()
		}
		return nil
	})
	return out
}

// topology builds the topology of the ready brokers from what they say: a partition's leader
// is the replica that says it leads (the one of the highest term, should two say so), the
// other ready replicas are followers; a broker that is down is absent.
func (b *Broker) topology(ctx context.Context) (gateway.Topology, error) {
	all := b.members(ctx, &http.Client{Transport: b.peers, Timeout: 300 * time.Millisecond})
	all[b.cfg.NodeID] = b.self()
	up := map[int]gateway.Broker{}
	for id, m := range all {
		if m.Ready {
			up[id] = gateway.Broker{NodeID: m.NodeID, Host: m.Host, Port: m.CommandPort, Version: m.Version}
		}
	}
	// The replicas as this broker's placement has them: its .topology.meta from 8.4, which a
	// cluster scaled at runtime needs; the static distribution while it has not recovered yet.
	placed := b.placed.Load()
	if placed == nil {
		placed = &placement{zeebe.Distribute(b.cfg.Shape, true), b.cfg.Shape}
	}
	brokers := gateway.AssignReplicas(placed.replicas, up)
	type lead struct {
		node int
		term uint64
	}
	leaders := map[int]lead{}
	for id := range up {
		for p, info := range all[id].Partitions {
			if l, ok := leaders[p]; info.Role == leader.String() && (!ok || info.Term > l.term) {
				leaders[p] = lead{id, info.Term}
			}
		}
	}
	for i := range brokers {
		for j := range brokers[i].Partitions {
			part := &brokers[i].Partitions[j]
			part.Role = gateway.RoleFollower
			if l, ok := leaders[part.PartitionID]; ok && l.node == brokers[i].NodeID {
				part.Role = gateway.RoleLeader
			}
		}
	}
	return gateway.Topology{
		Shape:          placed.shape,
		GatewayVersion: b.version.String(),
		Brokers:        brokers,
	}, nil
}

func askMember(ctx context.Context, client *http.Client, contactPoint string) (member, bool) {
	var m member
	host, port, err := net.SplitHostPort(contactPoint)
	if err != nil {
		return m, false
	}
	if _, err := strconv.Atoi(port); err != nil {
		return m, false
	}
	m.addr = net.JoinHostPort(host, port)
	resp, body, err := peerGet(ctx, client, "http://"+m.addr+"/sim/member", 1<<20)
	if err != nil || resp.StatusCode != http.StatusOK {
		return m, false
	}
	return m, json.Unmarshal(body, &m) == nil
}
