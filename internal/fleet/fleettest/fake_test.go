package fleettest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet/fleettest"
)

// members are n brokers on this machine, each with an empty data folder of its own.
func members(t *testing.T, n int) []*fleet.Member {
	var out []*fleet.Member
	for i := range n {
		data := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(data, 0o755); err != nil {
			t.Fatal(err)
		}
		out = append(out, &fleet.Member{Broker: cluster.Broker{NodeID: i, Host: cluster.Local}, Host: broker.Local{}, DataDir: data})
	}
	return out
}

func newFakeHarness(t *testing.T, n int) *fleettest.Harness {
	fake := &fleettest.Fake{}
	ms := members(t, n)
	for _, m := range ms {
		fake.Up(m.Broker.NodeID)
	}
	return &fleettest.Harness{
		Driver:  fake,
		Members: ms,
		Instance: func(t *testing.T, m *fleet.Member) string {
			if n := fake.Instance(m.Broker.NodeID); n != 0 {
				return strconv.Itoa(n)
			}
			return ""
		},
		Break: func(t *testing.T, m *fleet.Member, what string) {
			broken := errors.New("broken by the suite")
			switch what {
			case "stop":
				fake.FailStop(m.Broker.NodeID, broken)
			case "start":
				fake.FailStart(m.Broker.NodeID, broken)
			default:
				t.Fatalf("Break %q", what)
			}
		},
	}
}

func TestFakePassesTheDriverSuite(t *testing.T) {
	fleettest.RunDriverSuite(t, newFakeHarness)
}

// "Down" with the fake is true of the data folder: a process left in it fails the stop.
func TestFakeStopFailsWhileAProcessHoldsTheDataFolder(t *testing.T) {
	ms := members(t, 2)
	fake := &fleettest.Fake{}
	fake.Up(0, 1)
	holder := exec.Command("sleep", "60")
	holder.Dir = ms[1].DataDir
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })

	err := fake.StopAll(context.Background(), ms, nil)
	if err == nil || !strings.Contains(err.Error(), ms[1].Broker.Name()) || !strings.Contains(err.Error(), strconv.Itoa(holder.Process.Pid)) {
		t.Fatalf("StopAll with process %d in %s's data folder: %v", holder.Process.Pid, ms[1].Broker.Name(), err)
	}
	if !fake.Running(1) || fake.Running(0) {
		t.Errorf("after the stop: broker 0 up %v, broker 1 up %v; want only broker 1 up", fake.Running(0), fake.Running(1))
	}
	if got := fake.Stopped(); !slices.Equal(got, []int{0}) {
		t.Errorf("Stopped() = %v, want [0]", got)
	}
}

// A held stop waits for its release while the others go on; a held start ends with its context.
func TestFakeGates(t *testing.T) {
	ms := members(t, 3)
	fake := &fleettest.Fake{}
	fake.Up(0, 1, 2)
	gate := fake.HoldStop(1)
	done := make(chan error, 1)
	go func() { done <- fake.StopAll(context.Background(), ms, nil) }()
	<-gate.Reached()
	if !fake.Running(1) {
		t.Error("broker 1 is down while its stop is held")
	}
	gate.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := fake.StepsOf(1); !slices.Equal(got, []string{"stop", "down"}) {
		t.Errorf("steps of broker 1: %v", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	start := fake.HoldStart(2)
	go func() { done <- fake.StartAll(ctx, ms) }()
	<-start.Reached()
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), ms[2].Broker.Name()) {
		t.Errorf("StartAll with broker 2 held and the context cancelled: %v", err)
	}
	if fake.Running(2) || !fake.Running(0) || !fake.Running(1) {
		t.Errorf("up after the cancelled start: %v %v %v; want brokers 0 and 1", fake.Running(0), fake.Running(1), fake.Running(2))
	}
}
