// Package simtest runs clusters of simulated brokers (cmd/zeebe-sim) for tests: it builds the
// simulator once per test binary, writes each broker's application.yaml with free loopback
// ports, starts, stops, kills and watches the processes, and reads their positions.
package simtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

var (
	buildMu  sync.Mutex
	binDir   string
	binaries = map[string]string{}
)

// Main runs the tests and removes the binaries built by Build afterwards; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// Cleanup removes the binaries built by Build.
func Cleanup() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if binDir != "" {
		os.RemoveAll(binDir)
		binDir, binaries = "", map[string]string{}
	}
}

// Build builds a command of this module (e.g. ".../cmd/zeebe-backup") once per test binary, with
// the race detector when the tests run with it, and returns its path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := binaries[pkg]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "zeebe-backup-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = dir
	}
	bin := filepath.Join(binDir, filepath.Base(pkg))
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	binaries[pkg] = bin
	return bin
}

// Binary builds cmd/zeebe-sim once per test binary and returns its path.
func Binary(t testing.TB) string {
	return Build(t, "github.com/zeebe-backup/zeebe-backup/cmd/zeebe-sim")
}

// Options shape a cluster.
type Options struct {
	Brokers, Partitions, Replication int
	Version                          string // Zeebe version to simulate, default 8.5.3
	SegmentSize                      string // logSegmentSize, default 1MB
	SnapshotPeriod                   string // default 1s
	RecordsPerSecond                 int    // per partition, default 400
	StateSize                        string // default 64KB
	Seed                             int
	RecordSize                       int // bytes of a record's value, default 256
	// ClusterSize is the clusterSize every configuration says, default Brokers. A smaller one
	// makes a cluster scaled at runtime (8.4+): see ScaledTopology.
	ClusterSize int
}

// Cluster is a set of simulated brokers, each in a folder of its own below Root.
type Cluster struct {
	Root    string
	Opts    Options
	Brokers []*Broker
}

// Broker is one simulated broker: its install folder, config, ports and process.
type Broker struct {
	NodeID                                                       int
	Dir, ConfigPath, DataDir, LogPath                            string
	ManagementPort, RESTPort, GatewayPort, InternalPort, CmdPort int
	Version                                                      string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan error
}

// FreePorts reserves n distinct free loopback ports.
//
// The ports are taken below the kernel's ephemeral range (ip_local_port_range starts at 32768
// by default), so that the outgoing connections of tests running at the same time cannot take
// a port between its reservation here and the broker's bind; a per-process random start keeps
// test binaries running in parallel apart.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	var ls []net.Listener
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 20000 {
			t.Fatalf("no %d free ports below 32768", n)
		}
		port := 20000 + (portNext % 12000)
		portNext += 7
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

var (
	portMu   sync.Mutex
	portNext = int(uint64(time.Now().UnixNano())%12000) + os.Getpid()
)

// NewCluster writes the configuration of a cluster below root; nothing is started.
func NewCluster(t testing.TB, root string, o Options) *Cluster {
	t.Helper()
	if o.Brokers == 0 {
		o.Brokers = 3
	}
	if o.Partitions == 0 {
		o.Partitions = 3
	}
	if o.ClusterSize == 0 {
		o.ClusterSize = o.Brokers
	}
	if o.Replication == 0 {
		o.Replication = min(3, o.ClusterSize)
	}
	o.Version = cmpOr(o.Version, "8.5.3")
	o.SegmentSize = cmpOr(o.SegmentSize, "1MB")
	o.SnapshotPeriod = cmpOr(o.SnapshotPeriod, "1s")
	o.StateSize = cmpOr(o.StateSize, "64KB")
	if o.RecordsPerSecond == 0 {
		o.RecordsPerSecond = 400
	}
	if o.Seed == 0 {
		o.Seed = 7
	}
	if o.RecordSize == 0 {
		o.RecordSize = 256
	}
	c := &Cluster{Root: root, Opts: o}
	ports := FreePorts(t, 5*o.Brokers)
	for n := range o.Brokers {
		p := ports[5*n:]
		b := &Broker{
			NodeID: n, Dir: filepath.Join(root, fmt.Sprintf("broker-%d", n)),
			ManagementPort: p[0], RESTPort: p[1], GatewayPort: p[2], InternalPort: p[3], CmdPort: p[4],
			Version: o.Version,
		}
		b.ConfigPath = filepath.Join(b.Dir, "config", "application.yaml")
		b.DataDir = filepath.Join(b.Dir, "data")
		b.LogPath = filepath.Join(b.Dir, "broker.log")
		c.Brokers = append(c.Brokers, b)
	}
	for _, b := range c.Brokers {
		if err := os.MkdirAll(filepath.Dir(b.ConfigPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(b.ConfigPath, []byte(c.Config(b)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.ClusterSize != o.Brokers {
		c.writeScaledTopology(t)
	}
	return c
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Config renders a broker's application.yaml.
func (c *Cluster) Config(b *Broker) string {
	var contacts []string
	for _, o := range c.Brokers {
		contacts = append(contacts, fmt.Sprintf("127.0.0.1:%d", o.InternalPort))
	}
	return fmt.Sprintf(`# zeebe-sim broker %[1]d (test instrument)
zeebe:
  broker:
    cluster:
      nodeId: %[1]d
      clusterSize: %[2]d
      partitionsCount: %[3]d
      replicationFactor: %[4]d
      initialContactPoints: [%[5]s]
    network:
      host: 127.0.0.1
      advertisedHost: 127.0.0.1
      commandApi:
        port: %[6]d
      internalApi:
        port: %[7]d
    gateway:
      enable: true
      network:
        port: %[8]d
    data:
      directory: data
      logSegmentSize: %[9]s
      snapshotPeriod: %[10]s
  sim:
    version: %[11]s
    recordsPerSecond: %[12]d
    stateSize: %[13]s
    seed: %[14]d
    recordSize: %[17]d
    startupDelay: 100ms
    flushInterval: 50ms
server:
  port: %[15]d
management:
  server:
    port: %[16]d
`, b.NodeID, c.Opts.ClusterSize, c.Opts.Partitions, c.Opts.Replication, strings.Join(contacts, ", "),
		b.CmdPort, b.InternalPort, b.GatewayPort, c.Opts.SegmentSize, c.Opts.SnapshotPeriod,
		b.Version, c.Opts.RecordsPerSecond, c.Opts.StateSize, c.Opts.Seed, b.RESTPort, b.ManagementPort, c.Opts.RecordSize)
}

// Start starts every broker and waits until all are ready.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	for _, b := range c.Brokers {
		b.Start(t)
	}
	for _, b := range c.Brokers {
		b.WaitReady(t, 15*time.Second)
	}
}

// Stop stops every broker with SIGTERM, at once, and waits for each to exit cleanly.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	for _, b := range c.Brokers {
		b.Signal(syscall.SIGTERM)
	}
	for _, b := range c.Brokers {
		if err := b.Wait(10 * time.Second); err != nil {
			t.Fatalf("broker %d: %v\n%s", b.NodeID, err, b.Log())
		}
	}
}

// Start launches the broker process; it is killed when the test ends.
func (b *Broker) Start(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		t.Fatalf("broker %d is already running", b.NodeID)
	}
	logf, err := os.OpenFile(b.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Binary(t), "--config", b.ConfigPath)
	cmd.Dir = b.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logf.Close() }()
	b.cmd, b.done = cmd, done
	t.Cleanup(func() { b.Signal(syscall.SIGKILL); b.Wait(5 * time.Second) })
}

// Running tells whether the broker process is alive.
func (b *Broker) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cmd != nil
}

// Pid is the broker's process id, 0 when not running.
func (b *Broker) Pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return 0
	}
	return b.cmd.Process.Pid
}

// Signal sends sig to the broker process, if running.
func (b *Broker) Signal(sig syscall.Signal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		b.cmd.Process.Signal(sig)
	}
}

// Wait waits for the process to exit and returns its error (nil for exit status 0).
func (b *Broker) Wait(timeout time.Duration) error {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case err := <-done:
		b.mu.Lock()
		b.cmd, b.done = nil, nil
		b.mu.Unlock()
		return err
	case <-time.After(timeout):
		return fmt.Errorf("broker %d did not exit within %s", b.NodeID, timeout)
	}
}

// Stop sends SIGTERM and waits for a clean exit.
func (b *Broker) Stop(t testing.TB) {
	t.Helper()
	b.Signal(syscall.SIGTERM)
	if err := b.Wait(10 * time.Second); err != nil {
		t.Fatalf("broker %d: %v\n%s", b.NodeID, err, b.Log())
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (b *Broker) Kill(t testing.TB) {
	t.Helper()
	b.Signal(syscall.SIGKILL)
	b.Wait(10 * time.Second)
}

// RunToFailure starts the broker and expects it to exit by itself with a non-zero status
// within the timeout; it returns the log.
func (b *Broker) RunToFailure(t testing.TB, timeout time.Duration) string {
	t.Helper()
	b.Start(t)
	err := b.Wait(timeout)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		b.Kill(t)
		t.Fatalf("broker %d: want a refusal to start, got %v\n%s", b.NodeID, err, b.Log())
	}
	return b.Log()
}

// Log returns what the broker printed so far.
func (b *Broker) Log() string {
	out, _ := os.ReadFile(b.LogPath)
	return string(out)
}

// ManagementURL is the base URL of the port serving health and readiness: the management port
// (management.server.port) from 8.5, server.port (RESTPort here) in 8.3/8.4.
func (b *Broker) ManagementURL() string {
	port := b.ManagementPort
	if v, err := zeebe.ParseVersion(b.Version); err == nil && !v.AtLeast(8, 5, 0) {
		port = b.RESTPort
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// GatewayAddress is the embedded gateway's gRPC address.
func (b *Broker) GatewayAddress() string { return fmt.Sprintf("127.0.0.1:%d", b.GatewayPort) }

// WaitReady polls /ready until it answers 204 (8.3/8.4) or, through the 301 of 8.5+,
// /actuator/health/readiness answers 200.
func (b *Broker) WaitReady(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(b.ManagementURL() + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent {
				return
			}
		}
		if !b.Running() {
			t.Fatalf("broker %d exited before it was ready:\n%s", b.NodeID, b.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("broker %d not ready within %s:\n%s", b.NodeID, timeout, b.Log())
}

// Positions asks a running broker for its positions.
func (b *Broker) Positions(t testing.TB) sim.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.ManagementURL()+"/sim/positions", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("broker %d positions: %v", b.NodeID, err)
	}
	defer resp.Body.Close()
	var r sim.Report
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("broker %d positions: %v", b.NodeID, err)
	}
	return r
}

// PositionsFile is where the broker writes its positions when it stops.
func (b *Broker) PositionsFile() string {
	return filepath.Join(b.Dir, fmt.Sprintf("zeebe-sim-positions-%d.json", b.NodeID))
}

// StoppedPositions reads the positions the broker wrote when it last stopped.
func (b *Broker) StoppedPositions(t testing.TB) sim.Report {
	t.Helper()
	raw, err := os.ReadFile(b.PositionsFile())
	if err != nil {
		t.Fatalf("broker %d: %v", b.NodeID, err)
	}
	var r sim.Report
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&r); err != nil {
		t.Fatalf("broker %d: %v", b.NodeID, err)
	}
	return r
}

// SetVersion rewrites the broker's config to simulate another Zeebe version.
func (c *Cluster) SetVersion(t testing.TB, b *Broker, version string) {
	t.Helper()
	b.Version = version
	if err := os.WriteFile(b.ConfigPath, []byte(c.Config(b)), 0o644); err != nil {
		t.Fatal(err)
	}
}
