package fleettest

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
)

// Harness is one driver under test with the brokers it drives.
type Harness struct {
	Driver fleet.Driver
	// Members are the brokers, each up and ready when the harness is given to the suite, each
	// with a Host and a DataDir. The harness stops whatever is left running when its test ends.
	Members []*fleet.Member
	// Instance tells, without asking the driver, which instance of the member's broker runs:
	// "" when none does, another value after each start (a process id, a pod's uid).
	Instance func(t *testing.T, m *fleet.Member) string
	// Break makes the member's next stop ("stop": the broker stays up) or start ("start": it
	// does not come up) fail, within a few seconds.
	Break func(t *testing.T, m *fleet.Member, what string)
}

// SuiteTimeout bounds each of the suite's calls to the driver.
const SuiteTimeout = time.Minute

// RunDriverSuite checks that a driver keeps the fleet.Driver contract. newHarness makes a fresh
// harness with the given number of brokers for each test.
func RunDriverSuite(t *testing.T, newHarness func(t *testing.T, brokers int) *Harness) {
	t.Run("Name", func(t *testing.T) {
		h := newHarness(t, 1)
		if h.Driver.Name() == "" {
			t.Error("the driver has no name")
		}
	})
	t.Run("StopAllThenStartAll", func(t *testing.T) { testStopStart(t, newHarness(t, 3)) })
	t.Run("StartAllStartsOnlyTheGiven", func(t *testing.T) { testStartGiven(t, newHarness(t, 3)) })
	t.Run("StopAllOfStoppedMembers", func(t *testing.T) { testStopStopped(t, newHarness(t, 2)) })
	t.Run("StoppingErrorKeepsTheMemberUp", func(t *testing.T) { testStoppingError(t, newHarness(t, 2)) })
	t.Run("FailedStopIsReported", func(t *testing.T) { testFailedStop(t, newHarness(t, 3)) })
	t.Run("FailedStartIsReported", func(t *testing.T) { testFailedStart(t, newHarness(t, 3)) })
}

func suiteContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), SuiteTimeout)
	t.Cleanup(cancel)
	return ctx
}

// instances are the running instances of every member, by node id.
func instances(t *testing.T, h *Harness) map[int]string {
	out := map[int]string{}
	for _, m := range h.Members {
		out[m.Broker.NodeID] = h.Instance(t, m)
	}
	return out
}

// wantDown fails unless the member runs no instance and nothing holds its data folder.
func wantDown(t *testing.T, h *Harness, m *fleet.Member) {
	t.Helper()
	if id := h.Instance(t, m); id != "" {
		t.Errorf("%s still runs (instance %s)", m.Broker.Name(), id)
	}
	holders, err := m.Host.Holders(context.Background(), m.DataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: holders of %s: %v", m.Broker.Name(), m.DataDir, err)
	}
	if len(holders) > 0 {
		t.Errorf("%s is said down, but process %d holds %s", m.Broker.Name(), holders[0].PID, holders[0].Path)
	}
}

func wantNames(t *testing.T, err error, m *fleet.Member) {
	t.Helper()
	if !strings.Contains(err.Error(), m.Broker.Name()) {
		t.Errorf("the error does not name %s: %v", m.Broker.Name(), err)
	}
}

func testStopStart(t *testing.T, h *Harness) {
	ctx := suiteContext(t)
	before := instances(t, h)
	var mu sync.Mutex // stopping is called concurrently
	calls := map[int]int{}
	var upAtStopping []int
	err := h.Driver.StopAll(ctx, h.Members, func(m *fleet.Member) error {
		// Members are stopped at once: another's stop may have begun, this one's has not.
		up := h.Instance(t, m) == before[m.Broker.NodeID]
		mu.Lock()
		defer mu.Unlock()
		if up {
			upAtStopping = append(upAtStopping, m.Broker.NodeID)
		}
		calls[m.Broker.NodeID]++
		return nil
	})
	if err != nil {
		t.Fatalf("StopAll: %v", err)
	}
	for _, m := range h.Members {
		if calls[m.Broker.NodeID] != 1 {
			t.Errorf("stopping was called %d times for %s, want once", calls[m.Broker.NodeID], m.Broker.Name())
		}
		wantDown(t, h, m)
	}
	if len(upAtStopping) != len(h.Members) {
		t.Errorf("stopping was called while the broker still ran only for node ids %v of %d members: it must come before the stop", upAtStopping, len(h.Members))
	}
	if err := h.Driver.StartAll(ctx, h.Members); err != nil {
		t.Fatalf("StartAll: %v", err)
	}
	for _, m := range h.Members {
		if id := h.Instance(t, m); id == "" || id == before[m.Broker.NodeID] {
			t.Errorf("%s after StartAll: instance %q, want a new one (before the stop: %q)", m.Broker.Name(), id, before[m.Broker.NodeID])
		}
	}
}

func testStartGiven(t *testing.T, h *Harness) {
	ctx := suiteContext(t)
	if err := h.Driver.StopAll(ctx, h.Members, nil); err != nil {
		t.Fatalf("StopAll: %v", err)
	}
	first, rest := h.Members[0], h.Members[1:]
	if err := h.Driver.StartAll(ctx, h.Members[:1]); err != nil {
		t.Fatalf("StartAll of %s: %v", first.Broker.Name(), err)
	}
	up := h.Instance(t, first)
	if up == "" {
		t.Fatalf("%s was given to StartAll but does not run", first.Broker.Name())
	}
	for _, m := range rest {
		if id := h.Instance(t, m); id != "" {
			t.Errorf("%s was not given to StartAll but runs (instance %s)", m.Broker.Name(), id)
		}
	}
	// The one already ready is left alone; the others start.
	if err := h.Driver.StartAll(ctx, h.Members); err != nil {
		t.Fatalf("StartAll of all: %v", err)
	}
	if id := h.Instance(t, first); id != up {
		t.Errorf("%s was ready, yet StartAll started it again: instance %q, was %q", first.Broker.Name(), id, up)
	}
	for _, m := range rest {
		if h.Instance(t, m) == "" {
			t.Errorf("%s does not run after StartAll", m.Broker.Name())
		}
	}
}

func testStopStopped(t *testing.T, h *Harness) {
	ctx := suiteContext(t)
	if err := h.Driver.StopAll(ctx, h.Members, nil); err != nil {
		t.Fatalf("StopAll: %v", err)
	}
	if err := h.Driver.StopAll(ctx, h.Members, nil); err != nil {
		t.Fatalf("StopAll of stopped members: %v", err)
	}
	for _, m := range h.Members {
		wantDown(t, h, m)
	}
}

func testStoppingError(t *testing.T, h *Harness) {
	ctx := suiteContext(t)
	kept := h.Members[1]
	before := h.Instance(t, kept)
	refused := errors.New("the caller could not write the stop down")
	err := h.Driver.StopAll(ctx, h.Members, func(m *fleet.Member) error {
		if m == kept {
			return refused
		}
		return nil
	})
	if !errors.Is(err, refused) {
		t.Fatalf("StopAll returned %v, want the stopping error", err)
	}
	if id := h.Instance(t, kept); id != before {
		t.Errorf("%s, whose stopping failed, was stopped: instance %q, was %q", kept.Broker.Name(), id, before)
	}
}

func testFailedStop(t *testing.T, h *Harness) {
	ctx := suiteContext(t)
	broken := h.Members[1]
	h.Break(t, broken, "stop")
	err := h.Driver.StopAll(ctx, h.Members, nil)
	if err == nil {
		t.Fatalf("StopAll succeeded, though the stop of %s was broken", broken.Broker.Name())
	}
	wantNames(t, err, broken)
	if h.Instance(t, broken) == "" {
		t.Errorf("%s: its stop was broken, yet it is down", broken.Broker.Name())
	}
	for _, m := range h.Members {
		if m != broken {
			wantDown(t, h, m) // one failed stop does not keep the others up
			if strings.Contains(err.Error(), m.Broker.Name()+":") {
				t.Errorf("the error names %s, which stopped: %v", m.Broker.Name(), err)
			}
		}
	}
}

func testFailedStart(t *testing.T, h *Harness) {
	ctx := suiteContext(t)
	if err := h.Driver.StopAll(ctx, h.Members, nil); err != nil {
		t.Fatalf("StopAll: %v", err)
	}
	broken := h.Members[1]
	h.Break(t, broken, "start")
	err := h.Driver.StartAll(ctx, h.Members)
	if err == nil {
		t.Fatalf("StartAll succeeded, though the start of %s was broken", broken.Broker.Name())
	}
	wantNames(t, err, broken)
	if id := h.Instance(t, broken); id != "" {
		t.Errorf("%s: its start was broken, yet it runs (instance %s)", broken.Broker.Name(), id)
	}
	for _, m := range h.Members {
		if m != broken && h.Instance(t, m) == "" {
			t.Errorf("%s does not run: one failed start must not keep the others down", m.Broker.Name())
		}
	}
}
