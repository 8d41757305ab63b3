package e2e_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// The crash matrix (issue 10.8) kills the tool at every phase boundary and at seeded random
// moments of each workflow, against a cluster a driver makes, and checks after each kill what
// the tool promises: after `recover` (itself sometimes killed and run again) every broker is up
// on exactly the backed-up data or exactly its previous data, the same on all brokers; no
// partial backup is listed; nothing is left behind; the lock is released. A signal other than
// SIGKILL must give the same without `recover`. Drivers for other hosts (object stores, SSH,
// Kubernetes) implement crashCluster and call runCrashMatrix.

// crashCluster is one cluster the matrix drives, made by a driver.
type crashCluster interface {
	// Nodes are the brokers' node ids.
	Nodes() []int
	// Tool starts the tool against the cluster with extra environment variables.
	Tool(env []string, args ...string) *toolProc
	// Ready tells whether a broker answers ready.
	Ready(node int) bool
	// Tree is a broker's data folder with a digest of every file; the broker must be down.
	Tree(node int) testtree.Snapshot
	// Mark writes value into every data folder (a file the brokers leave alone); Marker reads
	// a broker's ("" when absent).
	Mark(value string)
	Marker(node int) string
	// Leftovers lists what the tool left that it must not have: anything of a restore of id
	// beside or in the data folders but the documented kept folders (previous data, restored
	// data taken out again, previous configuration), temporary files, locks, and anything in the
	// repository that is not a listed backup.
	Leftovers(id string, listed []string) []string
	// Clean removes the documented folders a restore of id keeps, so that it can run again.
	Clean(id string)
	// Slow makes every stop and start command take that much longer.
	Slow(stop, start time.Duration)
}

// crashDriver makes the cluster of one matrix: running, ready, with an empty repository.
type crashDriver func(t *testing.T) crashCluster

// killPoint is one moment to interrupt a run at.
type killPoint struct {
	// Phase: pause there and kill; empty: kill after Delay.
	Phase string
	// Delay after the start of the run (for "stopping" with Phase set: after the pause).
	Delay time.Duration
	// AfterExtract: the delay counts from the pause at "extracting" (restores), where the
	// previous data is recorded exactly.
	AfterExtract bool
	// SlowStop, SlowStart lengthen the stop and start commands for this run.
	SlowStop, SlowStart time.Duration
	// KillRecover (SIGKILL only): kill the first recover too: at its "starting" pause when
	// RecoverDelay is 0, else after RecoverDelay; then run it again.
	KillRecover  bool
	RecoverDelay time.Duration
}

func (k killPoint) String() string {
	s := k.Phase
	if s == "" {
		s = "t+" + k.Delay.Round(time.Millisecond).String()
		if k.AfterExtract {
			s = "extracting+" + k.Delay.Round(time.Millisecond).String()
		}
	} else if k.Delay > 0 {
		s += "+" + k.Delay.Round(time.Millisecond).String()
	}
	if k.SlowStop > 0 || k.SlowStart > 0 {
		s += fmt.Sprintf(" slow(%s,%s)", k.SlowStop, k.SlowStart)
	}
	if k.KillRecover {
		s += " recover-killed"
		if k.RecoverDelay > 0 {
			s += "+" + k.RecoverDelay.Round(time.Millisecond).String()
		}
	}
	return s
}

// matrixConfig says how many points each workflow gets.
type matrixConfig struct {
	PerWorkflow int // kill points (SIGKILL) per workflow
	PerSignal   int // runs per signal (SIGINT, SIGTERM, SIGHUP)
	Seed        uint64
}

// workflow names.
const (
	wfBackup  = "backup"
	wfRestore = "restore"
	wfDiscard = "restore --discard-previous"
	wfRecover = "recover"
)

// phases at which each workflow can be paused, in order.
var workflowPhases = map[string][]string{
	wfBackup:  {"stopping", "archiving", "starting"},
	wfRestore: {"stopping", "extracting", "swapping", "swapped 0", "swapped 1", "swapped 2", "starting"},
	wfDiscard: {"stopping", "extracting", "swapping", "swapped 1", "starting", "discarding"},
}

const (
	slowStop  = 1500 * time.Millisecond
	slowStart = 1200 * time.Millisecond
)

// matrix is the state of one run of the matrix.
type matrix struct {
	t       *testing.T
	c       crashCluster
	rng     *rand.Rand
	backed  map[int]testtree.Snapshot // the trees of backup "base", as archived
	listed  []string                  // committed backups
	dBackup time.Duration             // how long an uncut backup takes
	dRest   time.Duration             // how long an uncut restore takes after "extracting"
	iter    int
	// downTrees are the trees of the brokers that were down when recover was about to start
	// them: those are compared exactly.
	downTrees map[int]testtree.Snapshot
	ranSince  bool
}

// runCrashMatrix runs every workflow against the driver's cluster.
func runCrashMatrix(t *testing.T, drv crashDriver, cfg matrixConfig) {
	t.Logf("crash matrix: %d kill points per workflow, %d runs per signal, seed %d (ZB_CRASH_MATRIX_SEED=%d repeats it)", cfg.PerWorkflow, cfg.PerSignal, cfg.Seed, cfg.Seed)
	m := &matrix{t: t, c: drv(t), rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), backed: map[int]testtree.Snapshot{}}
	m.setup()
	counts := map[string]int{}
	for _, wf := range []string{wfBackup, wfRestore, wfDiscard, wfRecover} {
		for _, k := range m.points(wf, cfg.PerWorkflow) {
			m.iter++
			name := fmt.Sprintf("%03d %s at %s", m.iter, wf, k)
			if !t.Run(name, func(t *testing.T) { m.killed(t, wf, k, syscall.SIGKILL) }) {
				t.Fatalf("stopping the matrix at its first failure (%s)", name)
			}
			counts[wf]++
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		wfs := []string{wfBackup, wfRestore, wfDiscard}
		for i := range cfg.PerSignal {
			wf := wfs[(i+int(sig))%len(wfs)]
			k := m.points(wf, 1+m.rng.IntN(4))[0]
			k.KillRecover = false
			m.iter++
			name := fmt.Sprintf("%03d %s at %s, %s", m.iter, wf, k, sig)
			if !t.Run(name, func(t *testing.T) { m.killed(t, wf, k, sig) }) {
				t.Fatalf("stopping the matrix at its first failure (%s)", name)
			}
			counts[sig.String()]++
		}
	}
	t.Logf("crash matrix passed: %v", counts)
}

// setup takes backup "base" (recording the trees it archives) and times an uncut backup and
// restore, for the random points.
func (m *matrix) setup() {
	t := m.t
	m.c.Mark("backup")
	pause, resume := pauseAt(t, "archiving")
	began := time.Now()
	p := m.c.Tool(pause, "backup", "--id", "base")
	p.waitPaused("archiving")
	toPause := time.Since(began)
	for _, n := range m.c.Nodes() {
		m.backed[n] = m.c.Tree(n)
	}
	resume()
	resumed := time.Now()
	if code, _, stderr := p.wait(); code != 0 {
		t.Fatalf("backup base: exit %d\n%s", code, stderr)
	}
	m.dBackup = toPause + time.Since(resumed)
	m.listed = []string{"base"}

	m.c.Mark("previous-0")
	pause, resume = pauseAt(t, "extracting")
	p = m.c.Tool(pause, "restore", "base")
	p.waitPaused("extracting")
	resume()
	resumed = time.Now()
	if code, _, stderr := p.wait(); code != 0 {
		t.Fatalf("restore base: exit %d\n%s", code, stderr)
	}
	m.dRest = time.Since(resumed)
	m.c.Clean("base")
	t.Logf("an uncut backup takes %s, a restore %s after its extraction began", m.dBackup.Round(time.Millisecond), m.dRest.Round(time.Millisecond))
}

func (m *matrix) dur(max time.Duration) time.Duration {
	return time.Duration(m.rng.Int64N(int64(max) + 1))
}

// points lists n kill points of a workflow: its phase boundaries first, then seeded random
// moments, a third of them with slow stop and start commands; a third kill recover too.
func (m *matrix) points(wf string, n int) []killPoint {
	var out []killPoint
	phases := workflowPhases[wf]
	if wf == wfRecover {
		phases = workflowPhases[wfRestore]
	}
	// Spread the boundaries over the run when n is small: a short matrix still reaches the
	// swap and the start.
	for i := 0; i < len(phases) && len(out) < (n+1)/2; i++ {
		j := i
		if n < 2*len(phases) {
			j = (i*len(phases)/max(1, (n+1)/2) + len(phases)/2) % len(phases)
		}
		out = append(out, killPoint{Phase: phases[j]})
	}
	for len(out) < n {
		var k killPoint
		if m.rng.IntN(3) == 0 {
			k.SlowStop, k.SlowStart = slowStop, slowStart
		}
		switch {
		case wf == wfBackup:
			k.Delay = m.dur(m.dBackup + k.SlowStop + k.SlowStart)
		case k.SlowStop > 0 && m.rng.IntN(2) == 0:
			k.Phase, k.Delay = "stopping", m.dur(k.SlowStop+300*time.Millisecond) // in the slow stop
		default:
			k.AfterExtract, k.Delay = true, m.dur(m.dRest+k.SlowStart)
		}
		out = append(out, k)
	}
	for i := range out {
		if wf == wfRecover || m.rng.IntN(3) == 0 {
			out[i].KillRecover = true
			if m.rng.IntN(2) == 0 {
				out[i].RecoverDelay = m.dur(2*time.Second + out[i].SlowStop + out[i].SlowStart)
			}
		}
	}
	return out
}

// killed runs one workflow, interrupts it at k with sig, recovers (SIGKILL only) and checks.
func (m *matrix) killed(t *testing.T, wf string, k killPoint, sig syscall.Signal) {
	c := m.c
	c.Slow(k.SlowStop, k.SlowStart)
	defer c.Slow(0, 0)
	mark := fmt.Sprintf("previous-%d", m.iter)
	if wf == wfBackup {
		mark = m.markerNow(t)
	} else {
		c.Mark(mark)
	}
	var args []string
	id := fmt.Sprintf("k%d", m.iter)
	switch wf {
	case wfBackup:
		args = []string{"backup", "--id", id}
	case wfDiscard:
		args = []string{"restore", "base", "--discard-previous"}
	default:
		args = []string{"restore", "base"}
	}
	var pauses []string
	if wf != wfBackup && (k.AfterExtract || (k.Phase != "" && k.Phase != "stopping")) {
		pauses = append(pauses, "extracting")
	}
	if k.Phase != "" && k.Phase != "extracting" {
		pauses = append(pauses, k.Phase)
	}
	var env []string
	resume := func() {}
	if len(pauses) > 0 {
		env, resume = pauseAt(t, strings.Join(pauses, ","))
	}
	began := time.Now()
	p := c.Tool(env, args...)
	previous := map[int]testtree.Snapshot{}
	if slices.Contains(pauses, "extracting") {
		p.waitPaused("extracting")
		for _, n := range c.Nodes() {
			previous[n] = c.Tree(n)
		}
		if k.Phase != "extracting" {
			resume()
			began = time.Now()
		}
	}
	if k.Phase != "" && k.Phase != "extracting" {
		p.waitPaused(k.Phase)
		if k.Delay > 0 {
			resume()
			began = time.Now()
		}
	}
	if k.Phase == "" || k.Delay > 0 {
		select {
		case <-p.done:
		case <-time.After(time.Until(began.Add(k.Delay))):
		}
	}
	signalled := false
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(sig)
		signalled = true
	}
	if sig != syscall.SIGKILL && signalled && k.Phase != "" && k.Delay == 0 {
		resume() // the signal is handled once the paused run goes on
	}
	code, _, stderr := p.wait()
	if sig == syscall.SIGKILL {
		if signalled && code != -1 {
			t.Logf("the run ended (exit %d) before SIGKILL arrived", code)
		}
		m.recoverKilled(t, k)
	} else if code != 0 && code != 130 {
		t.Fatalf("%s interrupted by %s: exit %d, want 0 or 130\n%s", wf, sig, code, stderr)
	}
	m.check(t, wf, id, mark, previous)
}

// markerNow is the marker every broker has (they must agree).
func (m *matrix) markerNow(t *testing.T) string {
	v := m.c.Marker(m.c.Nodes()[0])
	for _, n := range m.c.Nodes() {
		if m.c.Marker(n) != v {
			t.Fatalf("the brokers run on different data before the run: broker %d %q, broker %d %q", m.c.Nodes()[0], v, n, m.c.Marker(n))
		}
	}
	return v
}

// recoverKilled runs recover (first killed, when k says so) until it finished, and records the
// trees of the brokers that are down at its "starting" pause.
func (m *matrix) recoverKilled(t *testing.T, k killPoint) {
	if k.KillRecover {
		var env []string
		if k.RecoverDelay == 0 {
			env, _ = pauseAt(t, "starting")
		}
		r := m.c.Tool(env, "recover")
		if k.RecoverDelay == 0 {
			waitPausedOrDone(t, r, "starting")
		} else {
			select {
			case <-r.done:
			case <-time.After(k.RecoverDelay):
			}
		}
		r.kill()
		// A recover killed once it ran start commands may have let brokers write to the data:
		// the trees are no longer exactly those recorded.
		if strings.Contains(r.stderr.String(), "running the start command") {
			m.ranSince = true
		}
	}
	env, resume := pauseAt(t, "starting")
	r := m.c.Tool(env, "recover")
	if waitPausedOrDone(t, r, "starting") {
		m.downTrees = map[int]testtree.Snapshot{}
		for _, n := range m.c.Nodes() {
			if !m.c.Ready(n) {
				m.downTrees[n] = m.c.Tree(n)
			}
		}
		resume()
	}
	if code, out, stderr := r.wait(); code != 0 {
		t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
	}
}

// waitPausedOrDone waits until the tool pauses at phase (true) or ends (false).
func waitPausedOrDone(t *testing.T, p *toolProc, phase string) bool {
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(p.stderr.String(), "paused at "+phase) {
		select {
		case <-p.done:
			return false
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tool neither paused at %s nor ended:\n%s", phase, p.stderr.String())
		}
	}
	return true
}

// check asserts what every interrupted run must leave.
func (m *matrix) check(t *testing.T, wf, id, mark string, previous map[int]testtree.Snapshot) {
	c := m.c
	defer func() { m.downTrees, m.ranSince = nil, false }()
	// Every broker up.
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range c.Nodes() {
		for !c.Ready(n) {
			if time.Now().After(deadline) {
				t.Fatalf("broker %d is not up", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// One side for the whole cluster, exactly.
	side := c.Marker(c.Nodes()[0])
	for _, n := range c.Nodes() {
		if got := c.Marker(n); got != side {
			t.Fatalf("a mixed cluster: broker %d runs on %q data, broker %d on %q", c.Nodes()[0], side, n, got)
		}
	}
	if side != "backup" && side != mark {
		t.Fatalf("the brokers run on %q data, want the backed-up (\"backup\") or the previous (%q)", side, mark)
	}
	for n, tree := range m.downTrees {
		if wf == wfBackup || m.ranSince {
			break // a backup only reads the data, which its brokers wrote to since
		}
		want, what := previous[n], "previous"
		if side == "backup" {
			want, what = m.backed[n], "backed-up"
		}
		if want == nil {
			continue
		}
		if d := testtree.Diff(want, tree, true); len(d) > 0 {
			t.Fatalf("broker %d: the data is not exactly its %s tree:\n%s", n, what, testtree.DiffString(d))
		}
	}
	// No partial backup listed: a listed one of this run verifies.
	code, out, stderr := c.Tool(nil, "list", "--json").wait()
	if code != 0 {
		t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	var ms []repo.Manifest
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("list --json printed %q: %v", out, err)
	}
	var ids []string
	for _, man := range ms {
		ids = append(ids, man.ID)
	}
	if slices.Contains(ids, id) {
		if code, _, stderr := c.Tool(nil, "verify", id).wait(); code != 0 {
			t.Fatalf("backup %s is listed but does not verify: exit %d\n%s", id, code, stderr)
		}
		m.listed = append(m.listed, id)
	}
	for _, l := range m.listed {
		if !slices.Contains(ids, l) {
			t.Fatalf("backup %s is no longer listed (list: %v)", l, ids)
		}
	}
	// Nothing left behind, the lock released.
	if left := c.Leftovers("base", m.listed); len(left) > 0 {
		t.Fatalf("left behind:\n%s", strings.Join(left, "\n"))
	}
	if code, out, _ := c.Tool(nil, "status").wait(); code != 0 {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	c.Clean("base")
}

// matrixFromEnv reads the test's mode: ZB_CRASH_MATRIX=long runs 50 kill points per workflow;
// ZB_CRASH_MATRIX_SEED repeats a run.
func matrixFromEnv(t *testing.T) matrixConfig {
	cfg := matrixConfig{PerWorkflow: 3, PerSignal: 1, Seed: uint64(time.Now().UnixNano())}
	switch mode := os.Getenv("ZB_CRASH_MATRIX"); mode {
	case "", "short":
	case "long":
		cfg.PerWorkflow, cfg.PerSignal = 50, 10
	default:
		t.Fatalf("ZB_CRASH_MATRIX=%q: want short or long", mode)
	}
	if s := os.Getenv("ZB_CRASH_MATRIX_SEED"); s != "" {
		if _, err := fmt.Sscan(s, &cfg.Seed); err != nil {
			t.Fatalf("ZB_CRASH_MATRIX_SEED=%q: %v", s, err)
		}
	}
	return cfg
}
