package fleet_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet/fleettest"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// fakeFleet is a fleet of n brokers on this machine, driven by a fake with every broker up.
func fakeFleet(t *testing.T, n int) (*fleet.Fleet, *fleettest.Fake) {
	fake := &fleettest.Fake{}
	f := &fleet.Fleet{Driver: fake, Poll: 10 * time.Millisecond}
	for i := range n {
		data := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(data, 0o755); err != nil {
			t.Fatal(err)
		}
		f.Members = append(f.Members, &fleet.Member{
			Broker: cluster.Broker{NodeID: i, Host: cluster.Local, Start: cluster.Command{Timeout: time.Second}},
			Host:   broker.Local{}, DataDir: data,
		})
		fake.Up(i)
	}
	return f, fake
}

// Every member is stopped, each only after stopping was called for it.
func TestFleetStopAllStopsEveryMemberAfterStopping(t *testing.T) {
	f, fake := fakeFleet(t, 3)
	var mu sync.Mutex
	var noted []int
	err := f.StopAll(context.Background(), func(m *fleet.Member) error {
		mu.Lock()
		defer mu.Unlock()
		noted = append(noted, m.Broker.NodeID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range f.Members {
		if got := fake.StepsOf(m.Broker.NodeID); !slices.Equal(got, []string{"stopping", "stop", "down"}) {
			t.Errorf("%s: steps %v, want stopping, stop, down", m.Broker.Name(), got)
		}
	}
	slices.Sort(noted)
	if stopped := slices.Sorted(slices.Values(fake.Stopped())); !slices.Equal(stopped, []int{0, 1, 2}) || !slices.Equal(noted, stopped) {
		t.Errorf("stopped %v, stopping called for %v; want every member", stopped, noted)
	}
}

// Members are stopped at once: one slow stop does not hold the others back.
func TestFleetStopAllStopsAtOnce(t *testing.T) {
	f, fake := fakeFleet(t, 3)
	gate := fake.HoldStop(0)
	done := make(chan error, 1)
	go func() { done <- f.StopAll(context.Background(), nil) }()
	<-gate.Reached()
	deadline := time.Now().Add(10 * time.Second)
	for fake.Running(1) || fake.Running(2) {
		if time.Now().After(deadline) {
			t.Fatal("brokers 1 and 2 were not stopped while the stop of broker 0 was held")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("StopAll returned before the stop of broker 0 ended: %v", err)
	default:
	}
	gate.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A failing stop is reported with its broker, and the others are still stopped and reported.
func TestFleetFailedStopStillReports(t *testing.T) {
	f, fake := fakeFleet(t, 3)
	jammed := errors.New("jammed")
	fake.FailStop(1, jammed)
	err := f.StopAll(context.Background(), nil)
	if !errors.Is(err, jammed) || !strings.Contains(err.Error(), f.Members[1].Broker.Name()) {
		t.Fatalf("StopAll: %v; want the failure of %s", err, f.Members[1].Broker.Name())
	}
	if got := slices.Sorted(slices.Values(fake.Stopped())); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("stopped %v, want [0 2]", got)
	}
	if !fake.Running(1) {
		t.Error("broker 1, whose stop failed, is said down")
	}
}

// StartAll starts only the members it is given, and leaves those already up alone.
func TestFleetStartAllStartsOnlyGivenMembers(t *testing.T) {
	f, fake := fakeFleet(t, 4)
	if err := f.StopAll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	fake.Up(2)
	if err := f.StartAll(context.Background(), f.ByID(map[int]bool{1: true, 2: true}), ""); err != nil {
		t.Fatal(err)
	}
	if got := fake.Started(); !slices.Equal(got, []int{1}) {
		t.Errorf("started %v, want [1]", got)
	}
	if got := fake.StepsOf(2); !slices.Equal(got, []string{"stop", "down", "left"}) {
		t.Errorf("steps of broker 2, up before StartAll: %v; want it left alone", got)
	}
	if fake.Running(0) || fake.Running(3) {
		t.Error("a member StartAll was not given runs")
	}
}

// With a gateway, StartAll asks it for the topology only after the driver started every member,
// and not at all when a start failed.
func TestFleetStartAllWaitsForTheTopologyAfterTheDriver(t *testing.T) {
	f, fake := fakeFleet(t, 2)
	if err := f.StopAll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var asked [][]int
	f.Gateway = "127.0.0.1:26500"
	f.Topology = func(ctx context.Context, addr string) (zeebe.Topology, error) {
		up := slices.Sorted(slices.Values(fake.Started()))
		asked = append(asked, up)
		top := zeebe.Topology{Shape: zeebe.Shape{ClusterSize: 2, PartitionsCount: 1, ReplicationFactor: 1}}
		for _, id := range up {
			b := zeebe.TopologyBroker{NodeID: id}
			if id == 0 {
				b.Partitions = []zeebe.TopologyPartition{{PartitionID: 1, Role: zeebe.RoleLeader, Health: zeebe.HealthHealthy}}
			}
			top.Brokers = append(top.Brokers, b)
		}
		return top, nil
	}
	var events []progress.Event
	f.Events = func(e progress.Event) { events = append(events, e) }

	fake.FailStart(1, errors.New("no room"))
	err := f.StartAll(context.Background(), f.Members, "")
	if err == nil || !strings.Contains(err.Error(), f.Members[1].Broker.Name()) {
		t.Fatalf("StartAll with a failing start: %v", err)
	}
	if len(asked) != 0 {
		t.Errorf("the gateway was asked %d times though a start failed", len(asked))
	}
	if err := f.StartAll(context.Background(), f.Members, ""); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || !slices.Equal(asked[0], []int{0, 1}) {
		t.Errorf("the gateway was asked with brokers %v up; want once, with both up", asked)
	}
	if len(events) != 1 || events[0].Broker != progress.Cluster || !strings.Contains(events[0].Message, "healthy leader") {
		t.Errorf("events %+v; want the gateway's", events)
	}
}

// A fleet without a driver uses the commands driver, with the fleet's events and its record of
// process groups.
func TestFleetDefaultDriverIsCommands(t *testing.T) {
	ms := tinyMembers(t, 1)
	startTiny(t, ms)
	var mu sync.Mutex
	var records, events []string
	f := &fleet.Fleet{Members: ms, Poll: 20 * time.Millisecond,
		Events: func(e progress.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e.Phase)
		},
		Record: func(m *fleet.Member, what string, g *broker.Group) error {
			mu.Lock()
			defer mu.Unlock()
			if g != nil {
				what += " running"
			}
			records = append(records, what)
			return nil
		},
	}
	if err := f.StopAll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if instance(t, filepath.Dir(ms[0].DataDir)) != "" {
		t.Fatal("the broker runs after StopAll")
	}
	if err := f.StartAll(context.Background(), ms, ""); err != nil {
		t.Fatal(err)
	}
	if instance(t, filepath.Dir(ms[0].DataDir)) == "" {
		t.Fatal("the broker does not run after StartAll")
	}
	if want := []string{"stop running", "stop", "start running", "start"}; !slices.Equal(records, want) {
		t.Errorf("records %v, want %v", records, want)
	}
	if want := []string{"stop", "down", "start", "ready"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
}

// A start command runs even when the operation cannot record it (the repository's server went
// away mid-backup), with a warning; a stop command that cannot be recorded does not run.
func TestStartRunsWhenItCannotBeRecorded(t *testing.T) {
	ms := tinyMembers(t, 1)
	startTiny(t, ms)
	var mu sync.Mutex
	var warnings []string
	unreachable := errors.New("put lock.json: the server cannot be reached")
	f := &fleet.Fleet{Members: ms, Poll: 20 * time.Millisecond,
		Events: func(e progress.Event) {
			mu.Lock()
			defer mu.Unlock()
			if e.Level == progress.Warn {
				warnings = append(warnings, e.Message)
			}
		},
		Record: func(*fleet.Member, string, *broker.Group) error { return unreachable },
	}
	if err := f.StopAll(context.Background(), nil); !errors.Is(err, unreachable) {
		t.Fatalf("StopAll with the record failing: %v, want its error", err)
	}
	if instance(t, filepath.Dir(ms[0].DataDir)) == "" {
		t.Fatal("a stop command that could not be recorded ran")
	}
	f.Record = nil
	if err := f.StopAll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	f.Record = func(*fleet.Member, string, *broker.Group) error { return unreachable }
	if err := f.StartAll(context.Background(), ms, ""); err != nil {
		t.Fatalf("StartAll with the record failing: %v", err)
	}
	if instance(t, filepath.Dir(ms[0].DataDir)) == "" {
		t.Fatal("the broker does not run after StartAll")
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "the server cannot be reached") {
		t.Errorf("warnings %q, want two naming the record's error", warnings)
	}
}
