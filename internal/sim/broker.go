package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/gateway"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Options configure one simulated broker.
type Options struct {
	Config  *config.Broker
	DataDir string // absolute
	// RuntimeDir, when set, holds runtime/<P> instead of <partition>/runtime (8.2+ option).
	RuntimeDir string
	Version    zeebe.Version
	Workload   Workload
	// RecordsPerSecond per partition, written in entries of BatchSize records.
	RecordsPerSecond float64
	BatchSize        int
	StateSize        int           // filler bytes of the state table file
	StartupDelay     time.Duration // from recovered to ready
	FlushInterval    time.Duration
	// ElectionTimeout is how long followers wait, after their leader is gone, before they elect
	// another (default 1s); a cluster whose replicas are all ready elects at once.
	ElectionTimeout time.Duration
	PositionsFile   string
	Log             io.Writer
}

// Broker is one simulated Zeebe broker.
type Broker struct {
	cfg       *config.Broker
	opts      Options
	layout    zeebe.Layout
	version   zeebe.Version
	work      Workload
	stateSize int
	partsMu   sync.Mutex
	parts     []*partition // complete once recover returns; partitions() before that
	ready     atomic.Bool
	started   atomic.Bool
	// placed is where the cluster's partitions are, known once recover has read it.
	placed atomic.Pointer[placement]
	// peers carries the questions to the other brokers and the fetches from leaders, over
	// kept connections.
	peers *http.Transport
	logMu sync.Mutex
}

// New checks the options and prepares a broker; Run starts it.
func New(opts Options) (*Broker, error) {
	l, err := zeebe.LayoutOf(opts.Version)
	if err != nil {
		return nil, err
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2
	}
	if opts.RecordsPerSecond <= 0 {
		return nil, fmt.Errorf("zeebe.sim.recordsPerSecond must be positive, not %v", opts.RecordsPerSecond)
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 100 * time.Millisecond
	}
	if opts.ElectionTimeout <= 0 {
		opts.ElectionTimeout = time.Second
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	peers := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	return &Broker{cfg: opts.Config, opts: opts, layout: l, version: opts.Version, work: opts.Workload, stateSize: opts.StateSize, peers: peers}, nil
}

func (b *Broker) logf(format string, args ...any) {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	fmt.Fprintf(b.opts.Log, "%s [Broker-%d] %s\n", time.Now().UTC().Format("2006-01-02 15:04:05.000"), b.cfg.NodeID, fmt.Sprintf(format, args...))
}

// Run recovers the data folder, serves the endpoints, takes part in the elections of its
// partitions and writes the workload of those it leads, or replicates those it follows, until
// ctx ends; then it shuts down as Zeebe does and returns nil. A refusal to start is returned at
// once and wraps ErrRefused.
func (b *Broker) Run(ctx context.Context) error {
	b.logf("Starting broker %d (zeebe-sim %s, a test instrument, not Zeebe) on data folder %s", b.cfg.NodeID, b.version, b.opts.DataDir)
	listeners, err := b.listen()
	if err != nil {
		return err
	}
	servers := b.serve(listeners)
	stopServers := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range servers {
			s.stop(sctx)
		}
	}
	b.started.Store(true)
	if err := b.recover(); err != nil {
		stopServers()
		b.logf("Failed to start broker: %v", err)
		return err
	}
	b.logf("Recovered %d partitions; becoming ready in %s", len(b.parts), b.opts.StartupDelay)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		select {
		case <-time.After(b.opts.StartupDelay):
			b.ready.Store(true)
			b.logf("Broker is ready")
		case <-gctx.Done():
		}
		return nil
	})
	g.Go(func() error { return b.elections(gctx) })
	for _, p := range b.parts {
		g.Go(func() error { return b.drive(gctx, p) })
		g.Go(func() error { return b.replicate(gctx, p) })
	}
	runErr := g.Wait()
	b.peers.CloseIdleConnections()
	b.ready.Store(false)
	stopServers()
	closeErr := b.closePartitions()
	if runErr != nil {
		b.logf("Broker failed: %v", runErr)
		return runErr
	}
	if closeErr != nil {
		return closeErr
	}
	if err := b.writePositions(); err != nil {
		return err
	}
	b.logf("Broker shut down.")
	return nil
}

// drive writes the workload of one partition while this broker leads it, flushes the journal
// and takes snapshots.
func (b *Broker) drive(ctx context.Context, p *partition) error {
	interval := time.Duration(float64(time.Second) * float64(b.opts.BatchSize) / b.opts.RecordsPerSecond)
	write := time.NewTicker(max(interval, time.Millisecond))
	flush := time.NewTicker(b.opts.FlushInterval)
	snap := time.NewTicker(max(b.cfg.SnapshotPeriod, 100*time.Millisecond))
	defer write.Stop()
	defer flush.Stop()
	defer snap.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-write.C:
			err = p.write(b.opts.BatchSize)
		case <-flush.C:
			err = p.sync()
		case <-snap.C:
			err = p.takeSnapshot()
		}
		if err != nil {
			return fmt.Errorf("partition %d: %w", p.id, err)
		}
	}
}

// recover opens every partition this node replicates.
func (b *Broker) recover() error {
	if err := os.MkdirAll(b.opts.DataDir, 0o755); err != nil {
		return err
	}
	mine, members, placed, err := b.partitionsOfThisNode()
	if err != nil {
		return err
	}
	b.placed.Store(placed)
	for _, id := range mine {
		name := zeebe.JournalName(b.layout.PartitionGroup, id)
		dir := filepath.Join(b.opts.DataDir, b.layout.PartitionGroup, "partitions", strconv.Itoa(id))
		runtime := filepath.Join(dir, "runtime")
		if b.opts.RuntimeDir != "" {
			runtime = filepath.Join(b.opts.RuntimeDir, strconv.Itoa(id))
		}
		p := &partition{b: b, id: id, dir: dir, runtime: runtime, name: name, replicas: placed.replicas[id]}
		if err := p.open(members[id]); err != nil {
			b.closePartitions()
			return err
		}
		b.partsMu.Lock()
		b.parts = append(b.parts, p)
		b.partsMu.Unlock()
	}
	return nil
}

// partitions are the partitions recovered so far; the endpoints are served while they recover.
func (b *Broker) partitions() []*partition {
	b.partsMu.Lock()
	defer b.partsMu.Unlock()
	return slices.Clone(b.parts)
}

func (b *Broker) partition(id int) *partition {
	for _, p := range b.partitions() {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (b *Broker) closePartitions() error {
	var errs []error
	for _, p := range b.parts {
		if p.w != nil {
			errs = append(errs, p.close())
		}
	}
	return errors.Join(errs...)
}

// Report is what /sim/positions serves and the positions file holds.
type Report struct {
	NodeID     int               `json:"nodeId"`
	Version    string            `json:"version"`
	Ready      bool              `json:"ready"`
	Partitions map[int]Positions `json:"partitions"`
}

func (b *Broker) report() Report {
	r := Report{NodeID: b.cfg.NodeID, Version: b.version.String(), Ready: b.ready.Load(), Partitions: map[int]Positions{}}
	for _, p := range b.partitions() {
		r.Partitions[p.id] = p.positions()
	}
	return r
}

func (b *Broker) writePositions() error {
	if b.opts.PositionsFile == "" {
		return nil
	}
	js, err := json.MarshalIndent(b.report(), "", "  ")
	if err != nil {
		return err
	}
	return writeSynced(b.opts.PositionsFile, append(js, '\n'))
}

type listeners struct {
	management, rest, internal, gateway net.Listener
}

func (b *Broker) listen() (*listeners, error) {
	var ls listeners
	host := b.cfg.Host
	open := func(port int, what string) (net.Listener, error) {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("%s port: %w", what, err)
		}
		return l, nil
	}
	var err error
	// 8.5+ serves health on the management server (management.server.port) and the REST API on
	// server.port; 8.3/8.4 have neither: monitoring is on server.port (§6, §7).
	monitoring := "management"
	if !b.version.AtLeast(8, 5, 0) {
		monitoring = "monitoring (server.port)"
	}
	if ls.management, err = open(b.cfg.HealthPort(b.version), monitoring); err != nil {
		return nil, err
	}
	if ls.internal, err = open(b.cfg.InternalAPIPort, "internal API"); err != nil {
		ls.management.Close()
		return nil, err
	}
	if b.cfg.GatewayEnabled {
		if b.version.AtLeast(8, 5, 0) {
			ls.rest, err = open(b.cfg.RESTPort, "REST")
		}
		if err == nil {
			ls.gateway, err = open(b.cfg.GatewayPort, "gateway")
		}
		if err != nil {
			ls.management.Close()
			ls.internal.Close()
			if ls.rest != nil {
				ls.rest.Close()
			}
			return nil, err
		}
	}
	return &ls, nil
}

type server struct{ stop func(context.Context) }

func (b *Broker) serve(ls *listeners) []server {
	var out []server
	httpServer := func(l net.Listener, h http.Handler) {
		s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go s.Serve(l)
		out = append(out, server{stop: func(ctx context.Context) { s.Shutdown(ctx) }})
	}
	httpServer(ls.management, b.managementHandler())
	httpServer(ls.internal, b.memberHandler())
	if ls.rest != nil {
		httpServer(ls.rest, gateway.RESTHandler(b.topology))
	}
	if ls.gateway != nil {
		g := gateway.NewGRPCServer(b.topology)
		go g.Serve(ls.gateway)
		out = append(out, server{stop: func(context.Context) { stopGRPC(g) }})
	}
	return out
}

func stopGRPC(g *grpc.Server) {
	done := make(chan struct{})
	go func() { g.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		g.Stop()
	}
}
