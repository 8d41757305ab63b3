// Package fleet drives all the brokers of a cluster together, the way the documented cold
// procedure wants them: stopped at once and proven fully down, started at once and proven
// ready (and, with a gateway, every partition led by a healthy leader).
//
// How brokers are stopped and started is a Driver's: each broker's own commands (Commands,
// the default) or, later, a cluster manager. The fleet adds what does not depend on it: the
// gateway's topology after a start, the cluster locks, the shared rules on data folders.
//
// Invariants:
//  1. StopAll stops every member at once and reports a broker down only when its driver
//     proved it fully down: nothing answers for it and no process holds anything below its
//     data folder.
//  2. StartAll never starts a broker that already answers ready; it waits for every broker it
//     started until ready or its start timeout, then for the gateway's healthy topology.
//  3. Errors name the broker and say what was seen last.
//  4. A broker's effective configuration is its file with the environment of the process
//     holding its data folder on top; that environment never leaves Effective, only the
//     values the tool uses and their sources do.
//  5. A fleet is resolved once (Resolve): every broker's configuration is read on its host,
//     once, and checked with one node-id / cluster-size policy; the members carry it.
package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fanout"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Member is one broker with the host it runs on, its data folder and its configuration.
type Member struct {
	Broker  cluster.Broker
	Host    broker.Host
	DataDir string
	// Config is the broker's configuration as Resolve read it on its host, with the cluster
	// file's env: (not the running process's: see ReadEffective); ConfigData is its
	// configuration file's bytes as read then.
	Config     *config.Broker
	ConfigData []byte
}

// Fleet is the brokers of one cluster, resolved (Resolve).
type Fleet struct {
	// Description is the cluster file the fleet was resolved from; Shape is what every
	// broker's configuration says of the cluster.
	Description *cluster.Description
	Shape       Shape
	Members     []*Member
	Events      progress.Sink
	// Gateway is a gRPC address; when set, StartAll also waits for a healthy topology.
	Gateway string
	// Topology reads a gateway's topology; nil means no gateway check.
	Topology func(ctx context.Context, addr string) (zeebe.Topology, error)
	// Poll is how often the gateway is asked, and the default driver's Commands.Poll.
	Poll time.Duration
	// Driver stops and starts the brokers; nil is the commands driver, with Events, Poll and
	// Record from here.
	Driver Driver
	// Record is the commands driver's Commands.Record: set by whoever writes the operation
	// down, for as long as the operation is. Other drivers are given what they record when
	// they are made.
	Record func(m *Member, what string, g *broker.Group) error
}

// driver is the fleet's Driver, or the commands driver when it has none.
func (f *Fleet) driver() Driver {
	if f.Driver != nil {
		return f.Driver
	}
	return &Commands{Events: f.Events, Poll: f.Poll, Record: f.Record}
}

// emit sends an event to the fleet's sink.
func (f *Fleet) emit(e progress.Event) { f.Events.Emit(e) }

func pollOr(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return 100 * time.Millisecond
}

// Each runs fn for every member concurrently and joins the errors (fanout.Each).
func Each(members []*Member, fn func(*Member) error) error {
	return fanout.Each(members, func(_ int, m *Member) error { return fn(m) })
}

// StopAll stops every member at once through the fleet's driver and proves each fully down.
// stopping is called for a member right before its stop begins, so that the caller can write
// down that the broker must be started again whatever happens next.
func (f *Fleet) StopAll(ctx context.Context, stopping func(*Member) error) error {
	return f.driver().StopAll(ctx, f.Members, stopping)
}

// StartAll starts the given members at once through the fleet's driver (those already ready
// are left alone) and waits until each is ready, then, with a gateway, until its topology is
// healthy.
func (f *Fleet) StartAll(ctx context.Context, members []*Member, wantVersion string) error {
	err := f.driver().StartAll(ctx, members)
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
			f.Events.Emit(progress.Event{Phase: "ready", Broker: progress.Cluster, Message: "gateway " + f.Gateway + ": every partition has a healthy leader"})
			return nil
		}
		last = err
		select {
		case <-deadline.Done():
			return fmt.Errorf("gateway %s: %w", f.Gateway, last)
		case <-time.After(pollOr(f.Poll)):
		}
	}
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
