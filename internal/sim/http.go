package sim

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/gateway"
)

// managementHandler serves the management port as Zeebe 8.5+ does (§7): the Spring health
// groups under /actuator/health, the legacy /ready, /health and /startup answering 301 to
// them, and the simulator's own /sim/positions.
func (b *Broker) managementHandler() http.Handler {
	mux := http.NewServeMux()
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
	mux.HandleFunc("GET /sim/positions", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(b.report())
	})
	return mux
}

// member is what a broker tells its peers about itself on the internal API port. Real brokers
// gossip over SWIM; the simulator answers a plain HTTP request instead.
type member struct {
	NodeID      int    `json:"nodeId"`
	Host        string `json:"host"`
	CommandPort int    `json:"commandPort"`
	Version     string `json:"version"`
	Ready       bool   `json:"ready"`
}

func (b *Broker) self() member {
	return member{NodeID: b.cfg.NodeID, Host: b.cfg.AdvertisedHost, CommandPort: b.cfg.CommandAPIPort, Version: b.version.String(), Ready: b.ready.Load()}
}

func (b *Broker) memberHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sim/member", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(b.self())
	})
	return mux
}

// topology asks every contact point who it is and builds the topology of the ready brokers:
// leaders are assigned deterministically by priority (no Raft), and a broker that is down is
// absent.
func (b *Broker) topology(ctx context.Context) (gateway.Topology, error) {
	up := map[int]gateway.Broker{}
	var mu sync.Mutex
	add := func(m member) {
		if m.Ready {
			mu.Lock()
			up[m.NodeID] = gateway.Broker{NodeID: m.NodeID, Host: m.Host, Port: m.CommandPort, Version: m.Version}
			mu.Unlock()
		}
	}
	add(b.self())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 300 * time.Millisecond}
	for _, cp := range b.cfg.InitialContactPoints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m, ok := askMember(ctx, client, cp); ok {
				add(m)
			}
		}()
	}
	wg.Wait()
	return gateway.Topology{
		ClusterSize:       b.cfg.ClusterSize,
		PartitionsCount:   b.cfg.PartitionsCount,
		ReplicationFactor: b.cfg.ReplicationFactor,
		GatewayVersion:    b.version.String(),
		Brokers:           gateway.Assign(b.cfg.ClusterSize, b.cfg.PartitionsCount, b.cfg.ReplicationFactor, up),
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/sim/member", nil)
	if err != nil {
		return m, false
	}
	resp, err := client.Do(req)
	if err != nil {
		return m, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&m) != nil {
		return m, false
	}
	return m, true
}
