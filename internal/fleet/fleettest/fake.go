// Package fleettest helps test what drives a cluster: Fake, a fleet.Driver for unit tests of
// the workflows (backup, restore, recover) that runs no broker, and RunDriverSuite, the
// conformance suite every fleet.Driver passes.
package fleettest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
)

// Fake is a driver that runs nothing: it keeps, per node id, whether the broker is up, and
// writes down every step it takes. A test can fail a member's next stop or start, hold it until
// released, and read which members were stopped and started, and in what order.
//
// What it proves: the order of the steps (stopping before the stop, each member's steps),
// which members a workflow stops and starts, how a workflow handles a failed or slow stop or
// start, and, for "down", that no process holds anything below the member's data folder: its
// stop asks the member's Host for holders, as the commands driver does, so a test that leaves
// a process in a data folder sees the stop fail.
//
// What it does not prove: that a real broker stops or starts (no command runs, no endpoint is
// asked, no process group is recorded), nor anything about timeouts. Those are the commands
// driver's, proven by RunDriverSuite against real processes.
//
// The zero Fake has every broker down; Up marks some up. It is safe for concurrent use.
type Fake struct {
	mu      sync.Mutex
	up      map[int]int // node id → instance (1, 2, ...) of a broker that is up
	started int         // instances started so far, Up's included
	steps   []Step
	fail    map[step]error
	gates   map[step]*Gate
}

// Step is one thing the fake did for a member, in the order it did them.
type Step struct {
	NodeID int
	// What: "stopping" (the stopping callback returned nil), "stop" (its stop began), "down"
	// (proven down), "start" (its start began), "ready", "left" (already up, not started).
	What string
}

func (s Step) String() string { return fmt.Sprintf("%d:%s", s.NodeID, s.What) }

type step struct {
	nodeID int
	what   string // "stop" or "start"
}

// Gate holds a member's stop or start at its beginning until released.
type Gate struct {
	reached, released chan struct{}
	once              sync.Once
}

// Reached is closed once the stop or start is held at the gate.
func (g *Gate) Reached() <-chan struct{} { return g.reached }

// Release lets the held stop or start go on; releasing twice is harmless.
func (g *Gate) Release() { g.once.Do(func() { close(g.released) }) }

// Up marks the brokers with the node ids up, each as a new instance.
func (f *Fake) Up(nodeIDs ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range nodeIDs {
		f.bringUp(id)
	}
}

func (f *Fake) bringUp(nodeID int) {
	if f.up == nil {
		f.up = map[int]int{}
	}
	f.started++
	f.up[nodeID] = f.started
}

// Running tells whether the broker with the node id is up.
func (f *Fake) Running(nodeID int) bool { return f.Instance(nodeID) != 0 }

// Instance is which instance of the broker is up (each start makes a new one), 0 when down.
func (f *Fake) Instance(nodeID int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.up[nodeID]
}

// FailStop makes the member's next stop fail with err after it began: the broker stays up.
func (f *Fake) FailStop(nodeID int, err error) { f.setFail(step{nodeID, "stop"}, err) }

// FailStart makes the member's next start fail with err after it began: the broker stays down.
func (f *Fake) FailStart(nodeID int, err error) { f.setFail(step{nodeID, "start"}, err) }

func (f *Fake) setFail(s step, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[step]error{}
	}
	f.fail[s] = err
}

// HoldStop holds the member's next stop right after it began (after stopping), until the gate
// is released or the driver's context ends.
func (f *Fake) HoldStop(nodeID int) *Gate { return f.hold(step{nodeID, "stop"}) }

// HoldStart holds the member's next start right after it began, until the gate is released or
// the driver's context ends.
func (f *Fake) HoldStart(nodeID int) *Gate { return f.hold(step{nodeID, "start"}) }

func (f *Fake) hold(s step) *Gate {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gates == nil {
		f.gates = map[step]*Gate{}
	}
	g := &Gate{reached: make(chan struct{}), released: make(chan struct{})}
	f.gates[s] = g
	return g
}

// Steps are every step taken so far, in order. Members are driven concurrently, so only the
// order of one member's steps is fixed; StepsOf gives those.
func (f *Fake) Steps() []Step {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.steps)
}

// StepsOf are the steps taken for one member, in order.
func (f *Fake) StepsOf(nodeID int) []string {
	var out []string
	for _, s := range f.Steps() {
		if s.NodeID == nodeID {
			out = append(out, s.What)
		}
	}
	return out
}

// Stopped are the node ids of the members proven down so far, in that order (with repeats).
func (f *Fake) Stopped() []int { return f.idsOf("down") }

// Started are the node ids of the members made ready so far, in that order (with repeats);
// members left alone because they were up are not in it.
func (f *Fake) Started() []int { return f.idsOf("ready") }

func (f *Fake) idsOf(what string) []int {
	var out []int
	for _, s := range f.Steps() {
		if s.What == what {
			out = append(out, s.NodeID)
		}
	}
	return out
}

func (f *Fake) record(nodeID int, what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, Step{nodeID, what})
}

// begin writes down that the member's stop or start began, then holds it at its gate, then
// returns the failure set for it; both are used once.
func (f *Fake) begin(ctx context.Context, m *fleet.Member, what string) error {
	s := step{m.Broker.NodeID, what}
	f.mu.Lock()
	f.steps = append(f.steps, Step{s.nodeID, what})
	g := f.gates[s]
	delete(f.gates, s)
	f.mu.Unlock()
	if g != nil {
		close(g.reached)
		select {
		case <-g.released:
		case <-ctx.Done():
			return fmt.Errorf("%s: %s held by the test until the context ended: %w", m.Broker.Name(), what, ctx.Err())
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.fail[s]
	delete(f.fail, s)
	if err != nil {
		return fmt.Errorf("%s: %s (failed by the test): %w", m.Broker.Name(), what, err)
	}
	return nil
}

// Name implements fleet.Driver.
func (f *Fake) Name() string { return "fake" }

// StopAll implements fleet.Driver. A member is down once no process holds anything below its
// data folder, as its Host sees it; one that is held fails its stop and stays up.
func (f *Fake) StopAll(ctx context.Context, members []*fleet.Member, stopping func(*fleet.Member) error) error {
	return fleet.Each(members, func(m *fleet.Member) error {
		id := m.Broker.NodeID
		if stopping != nil {
			if err := stopping(m); err != nil {
				return err
			}
			f.record(id, "stopping")
		}
		if err := f.begin(ctx, m, "stop"); err != nil {
			return err
		}
		holders, err := m.Host.Holders(ctx, m.DataDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: list the processes holding %s: %w", m.Broker.Name(), m.DataDir, err)
		}
		if len(holders) > 0 {
			h := holders[0]
			return fmt.Errorf("%s: not down: process %d (%s) holds %s (%s); the fake driver stops no process, so the test must not leave one in the data folder", m.Broker.Name(), h.PID, h.Command, h.Path, h.How)
		}
		f.mu.Lock()
		delete(f.up, id)
		f.steps = append(f.steps, Step{id, "down"})
		f.mu.Unlock()
		return nil
	})
}

// StartAll implements fleet.Driver.
func (f *Fake) StartAll(ctx context.Context, members []*fleet.Member) error {
	return fleet.Each(members, func(m *fleet.Member) error {
		id := m.Broker.NodeID
		if f.Running(id) {
			f.record(id, "left")
			return nil
		}
		if err := f.begin(ctx, m, "start"); err != nil {
			return err
		}
		f.mu.Lock()
		f.bringUp(id)
		f.steps = append(f.steps, Step{id, "ready"})
		f.mu.Unlock()
		return nil
	})
}

var _ fleet.Driver = (*Fake)(nil)
