package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

func TestMain(m *testing.M) { simtest.Main(m) }

// tool builds cmd/zeebe-backup once per test binary.
func tool(t *testing.T) string {
	return simtest.Build(t, "github.com/zeebe-backup/zeebe-backup/cmd/zeebe-backup")
}

// pausingTool builds internal/e2e/zbtest once per test binary: the tool with the same plugins,
// which pauses at the phases its environment names (pauseAt).
func pausingTool(t *testing.T) string {
	return simtest.Build(t, "github.com/zeebe-backup/zeebe-backup/internal/e2e/zbtest")
}

// toolFor is the binary to run with the extra environment env: the pausing build when env
// asks for a pause, else the tool itself.
func toolFor(t *testing.T, env []string) string {
	for _, v := range env {
		if strings.HasPrefix(v, pauseAtVar+"=") {
			return pausingTool(t)
		}
	}
	return tool(t)
}

// env is a cluster of simulated brokers run as services (started and stopped by commands, not
// by the test), a repository and a cluster file describing them.
type env struct {
	t           *testing.T
	c           *simtest.Cluster
	repoDir     string
	clusterFile string
	script      string
}

// brokerYAML lets a test change one broker's entry in the cluster file.
type brokerYAML struct {
	NodeID                  int
	Config, Stop, Start     string
	Health                  string
	StopTimeout, StartLimit string
	Extra                   string
}

func newEnv(t *testing.T, o simtest.Options) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, c: simtest.NewCluster(t, root, o), repoDir: filepath.Join(root, "repo"), clusterFile: filepath.Join(root, "zeebe-backup.yaml")}
	script, err := filepath.Abs("../../scripts/sim-broker.sh")
	if err != nil {
		t.Fatal(err)
	}
	e.script = script
	simtest.Binary(t)
	e.writeClusterFile(e.clusterFile, nil)
	t.Cleanup(e.shutdown)
	return e
}

func (e *env) startCmd(b *simtest.Broker) string {
	return fmt.Sprintf("%s start %s %s", e.script, b.Dir, simtest.Binary(e.t))
}

func (e *env) stopCmd(b *simtest.Broker) string { return fmt.Sprintf("%s stop %s", e.script, b.Dir) }

// writeClusterFile writes a cluster file for the env's brokers; change edits an entry.
func (e *env) writeClusterFile(path string, change func(*brokerYAML)) {
	e.t.Helper()
	var sb strings.Builder
	fmt.Fprintf(&sb, "repository: %s\ngateway: %s\nbrokers:\n", e.repoDir, e.c.Brokers[0].GatewayAddress())
	for _, b := range e.c.Brokers {
		y := brokerYAML{NodeID: b.NodeID, Config: b.ConfigPath, Stop: e.stopCmd(b), Start: e.startCmd(b), Health: b.ManagementURL(), StopTimeout: "20s", StartLimit: "30s"}
		if change != nil {
			change(&y)
		}
		fmt.Fprintf(&sb, "  - nodeId: %d\n    host: local\n    config: %s\n    stop: {run: %q, timeout: %s}\n    start: {run: %q, timeout: %s}\n    health: %s\n%s",
			y.NodeID, y.Config, y.Stop, y.StopTimeout, y.Start, y.StartLimit, y.Health, y.Extra)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// startCluster starts every broker through its start command and waits until all are ready.
func (e *env) startCluster() {
	e.t.Helper()
	for _, b := range e.c.Brokers {
		if out, err := exec.Command("/bin/sh", "-c", e.startCmd(b)).CombinedOutput(); err != nil {
			e.t.Fatalf("start broker %d: %v\n%s", b.NodeID, err, out)
		}
	}
	for _, b := range e.c.Brokers {
		e.waitReady(b)
	}
}

func ready(b *simtest.Broker) bool {
	resp, err := http.Get(b.ManagementURL() + "/actuator/health/readiness")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (e *env) waitReady(b *simtest.Broker) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ready(b) {
		if time.Now().After(deadline) {
			e.t.Fatalf("broker %d not ready:\n%s", b.NodeID, b.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pid is the running broker's process id from its pid file, 0 when none.
func pid(b *simtest.Broker) int {
	raw, err := os.ReadFile(filepath.Join(b.Dir, "broker.pid"))
	if err != nil {
		return 0
	}
	var p int
	fmt.Sscan(string(raw), &p)
	return p
}

// shutdown stops every broker the test left running.
func (e *env) shutdown() {
	for _, b := range e.c.Brokers {
		exec.Command("/bin/sh", "-c", e.stopCmd(b)).Run()
	}
}

// run runs the tool to its end.
func (e *env) run(args ...string) (int, string, string) {
	e.t.Helper()
	p := e.startTool(nil, args...)
	return p.wait()
}

type toolProc struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startTool starts the tool in the background with extra environment variables.
func (e *env) startTool(extraEnv []string, args ...string) *toolProc {
	e.t.Helper()
	cmd := exec.Command(toolFor(e.t, extraEnv), append(args, "--cluster", e.clusterFile)...)
	cmd.Env = append(os.Environ(), extraEnv...)
	p := &toolProc{t: e.t, cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	return p
}

func (p *toolProc) wait() (int, string, string) {
	select {
	case <-p.done:
	case <-time.After(3 * time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("the tool did not finish:\n%s", p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode(), p.stdout.String(), p.stderr.String()
}

// waitPaused waits until the tool says it paused at phase.
func (p *toolProc) waitPaused(phase string) {
	p.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(p.stderr.String(), "paused at "+phase) {
		select {
		case <-p.done:
			p.t.Fatalf("the tool ended before pausing at %s (exit %d):\n%s", phase, p.cmd.ProcessState.ExitCode(), p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the tool did not pause at %s:\n%s", phase, p.stderr.String())
		}
	}
}

func (p *toolProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// The environment of internal/e2e/zbtest: the phases to pause at, the file that resumes.
const (
	pauseAtVar = "ZBTEST_PAUSE_AT"
	resumeVar  = "ZBTEST_RESUME"
)

// pauseAt returns the environment that pauses the tool at a phase (or at each of phases
// separated by commas) until resume() is called; startTool runs the pausing build with it.
func pauseAt(t *testing.T, phase string) (env []string, resume func()) {
	file := filepath.Join(t.TempDir(), "resume")
	return []string{pauseAtVar + "=" + phase, resumeVar + "=" + file},
		func() { os.WriteFile(file, nil, 0o644) }
}

func (e *env) manifests() []repo.Manifest {
	e.t.Helper()
	return e.manifestsWith(nil)
}

// manifestsWith is what list --json prints with the tool's environment toolEnv.
func (e *env) manifestsWith(toolEnv []string) []repo.Manifest {
	e.t.Helper()
	code, out, stderr := e.startTool(toolEnv, "list", "--json").wait()
	if code != 0 {
		e.t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	var ms []repo.Manifest
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		e.t.Fatalf("list --json printed %q: %v", out, err)
	}
	return ms
}

func snapshotTree(t *testing.T, dir string) testtree.Snapshot {
	t.Helper()
	s, err := testtree.Take(dir, testtree.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stoppedPositions(t *testing.T, b *simtest.Broker) sim.Report { return b.StoppedPositions(t) }
