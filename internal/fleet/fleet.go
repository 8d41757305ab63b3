// Package fleet drives all the brokers of a cluster together, the way the documented cold
// procedure wants them: stopped at once and proven fully down, started at once and proven
// ready (and, with a gateway, every partition led by a healthy leader).
//
// Invariants:
//  1. StopAll runs every stop command concurrently and reports a broker down only when its
//     command returned, its management endpoint no longer answers and no process holds
//     anything below its data folder.
//  2. StartAll never starts a broker whose endpoint already answers ready; it waits for every
//     broker it started until ready or its start timeout.
//  3. Errors name the broker and say what was seen last.
//  4. A broker's effective configuration is its file with the environment of the process
//     holding its data folder on top; that environment never leaves Effective, only the
//     values the tool uses and their sources do.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Member is one broker with the host it runs on and its data folder.
type Member struct {
	Broker  cluster.Broker
	Host    broker.Host
	DataDir string
}

// Fleet is the brokers of one cluster.
type Fleet struct {
	Members []*Member
	Events  progress.Sink
	// Gateway is a gRPC address; when set, StartAll also waits for a healthy topology.
	Gateway string
	// Topology reads a gateway's topology; nil means no gateway check.
	Topology func(ctx context.Context, addr string) (zeebe.Topology, error)
	// Poll is how often readiness and holders are checked.
	Poll time.Duration
	// Record, when set, writes down a stop or start command's process group before the command
	// does anything (g set), and that it returned (g nil), so that a run killed meanwhile
	// leaves `recover` what to end or wait for.
	Record func(m *Member, what string, g *broker.Group) error
}

// run runs one of m's commands ("stop" or "start"), recording its process group.
func (f *Fleet) run(ctx context.Context, m *Member, what, command string, timeout time.Duration) (string, error) {
	if f.Record == nil {
		return m.Host.Run(ctx, command, timeout, nil)
	}
	out, err := m.Host.Run(ctx, command, timeout, func(g broker.Group) error { return f.Record(m, what, &g) })
	if rerr := f.Record(m, what, nil); rerr != nil && err == nil {
		err = rerr
	}
	return out, err
}

func (f *Fleet) emit(e progress.Event) {
	if f.Events != nil {
		e.Time = time.Now()
		if e.Level == "" {
			e.Level = progress.Info
		}
		f.Events(e)
	}
}

func (f *Fleet) poll() time.Duration {
	if f.Poll > 0 {
		return f.Poll
	}
	return 100 * time.Millisecond
}

// each runs fn for every member concurrently and joins the errors.
func (f *Fleet) each(members []*Member, fn func(*Member) error) error {
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(m)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// StopAll stops every member at once and proves each fully down within its stop timeout.
// stopping is called for a member right before its stop command runs, so that the caller can
// write down that the broker must be started again whatever happens next.
func (f *Fleet) StopAll(ctx context.Context, stopping func(*Member) error) error {
	return f.each(f.Members, func(m *Member) error {
		if err := stopping(m); err != nil {
			return err
		}
		deadline, cancel := context.WithTimeout(ctx, m.Broker.Stop.Timeout)
		defer cancel()
		f.emit(progress.Event{Phase: "stop", Broker: m.Broker.NodeID, Message: "running the stop command"})
		if out, err := f.run(deadline, m, "stop", m.Broker.Stop.Run, m.Broker.Stop.Timeout); err != nil {
			return fmt.Errorf("%s: stop command %q: %w%s", m.Broker.Name(), m.Broker.Stop.Run, err, outputSuffix(out))
		}
		if err := broker.ProveDown(deadline, m.Host, m.Broker.Health, m.DataDir, f.poll()); err != nil {
			return fmt.Errorf("%s: after its stop command returned, within %s: %w", m.Broker.Name(), m.Broker.Stop.Timeout, err)
		}
		f.emit(progress.Event{Phase: "down", Broker: m.Broker.NodeID, Message: "fully down: no endpoint answers, no process holds " + m.DataDir})
		return nil
	})
}

// StartAll starts the given members at once (those already answering ready are left alone)
// and waits until each is ready, then, with a gateway, until its topology is healthy.
func (f *Fleet) StartAll(ctx context.Context, members []*Member, wantVersion string) error {
	err := f.each(members, func(m *Member) error {
		if broker.ProbeHealth(ctx, m.Broker.Health).Ready {
			f.emit(progress.Event{Phase: "start", Broker: m.Broker.NodeID, Message: "already running and ready; not started again"})
			return nil
		}
		deadline, cancel := context.WithTimeout(ctx, m.Broker.Start.Timeout)
		defer cancel()
		f.emit(progress.Event{Phase: "start", Broker: m.Broker.NodeID, Message: "running the start command"})
		if out, err := f.run(deadline, m, "start", m.Broker.Start.Run, m.Broker.Start.Timeout); err != nil {
			return fmt.Errorf("%s: start command %q: %w%s", m.Broker.Name(), m.Broker.Start.Run, err, outputSuffix(out))
		}
		if err := broker.WaitReady(deadline, m.Broker.Health, f.poll()); err != nil {
			return fmt.Errorf("%s did not become ready within %s: %w", m.Broker.Name(), m.Broker.Start.Timeout, err)
		}
		f.emit(progress.Event{Phase: "ready", Broker: m.Broker.NodeID, Message: "ready"})
		return nil
	})
	if err != nil || f.Gateway == "" || f.Topology == nil {
		return err
	}
	return f.WaitTopology(ctx, wantVersion)
}

// WaitTopology waits until the gateway reports every broker and a healthy leader for every
// partition, within the longest start timeout.
func (f *Fleet) WaitTopology(ctx context.Context, wantVersion string) error {
	var timeout time.Duration
	for _, m := range f.Members {
		timeout = max(timeout, m.Broker.Start.Timeout)
	}
	deadline, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		t, err := f.Topology(deadline, f.Gateway)
		if err == nil {
			err = zeebe.Healthy(t, wantVersion)
		}
		if err == nil {
			f.emit(progress.Event{Phase: "ready", Broker: progress.Cluster, Message: "gateway " + f.Gateway + ": every partition has a healthy leader"})
			return nil
		}
		last = err
		select {
		case <-deadline.Done():
			return fmt.Errorf("gateway %s: %w", f.Gateway, last)
		case <-time.After(f.poll()):
		}
	}
}

func outputSuffix(out string) string {
	if out == "" {
		return ""
	}
	return "; it said: " + out
}

// Member returns the member with the node id, or nil when the fleet has none.
func (f *Fleet) Member(nodeID int) *Member {
	for _, m := range f.Members {
		if m.Broker.NodeID == nodeID {
			return m
		}
	}
	return nil
}

// ByID returns the members with the given node ids, in the fleet's order.
func (f *Fleet) ByID(ids map[int]bool) []*Member {
	var out []*Member
	for _, m := range f.Members {
		if ids[m.Broker.NodeID] {
			out = append(out, m)
		}
	}
	return out
}
