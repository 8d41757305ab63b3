package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
)

// Commands is the default driver: each broker's own stop and start commands from the cluster
// file, run on its host, with its management endpoint and its data folder as proof.
//
//  1. StopAll runs every stop command concurrently and reports a broker down only when its
//     command returned, its management endpoint no longer answers and no process holds
//     anything below its data folder, all within its stop timeout.
//  2. StartAll never starts a broker whose endpoint already answers ready; it waits for every
//     broker it started until ready or its start timeout.
//
// It lives in package fleet, not a package of its own, because it is what a Fleet without a
// Driver uses: a package of its own would import fleet for Member, and fleet would import it
// for the default. Other drivers (Kubernetes) are packages of their own.
type Commands struct {
	Events progress.Sink
	// Poll is how often readiness and holders are checked; default 100ms.
	Poll time.Duration
	// Record, when set, writes down a stop or start command's process group before the command
	// does anything (g set), and that it returned (g nil), so that a run killed meanwhile
	// leaves `recover` what to end or wait for.
	Record func(m *Member, what string, g *broker.Group) error
}

// Name implements Driver.
func (c *Commands) Name() string { return "commands" }

// StopAll implements Driver.
func (c *Commands) StopAll(ctx context.Context, members []*Member, stopping func(*Member) error) error {
	return Each(members, func(m *Member) error {
		if stopping != nil {
			if err := stopping(m); err != nil {
				return err
			}
		}
		err := c.runThen(ctx, m, "stop", m.Broker.Stop, func(deadline context.Context) error {
			if err := broker.ProveDown(deadline, m.Host, m.Broker.Health, m.DataDir, pollOr(c.Poll)); err != nil {
				return fmt.Errorf("%s: after its stop command returned, within %s: %w", m.Broker.Name(), m.Broker.Stop.Timeout, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.Events.Emit(progress.Event{Phase: "down", Broker: m.Broker.NodeID, Message: "fully down: no endpoint answers, no process holds " + m.DataDir})
		return nil
	})
}

// StartAll implements Driver.
func (c *Commands) StartAll(ctx context.Context, members []*Member) error {
	return Each(members, func(m *Member) error {
		if broker.ProbeHealth(ctx, m.Broker.Health).Ready {
			c.Events.Emit(progress.Event{Phase: "start", Broker: m.Broker.NodeID, Message: "already running and ready; not started again"})
			return nil
		}
		err := c.runThen(ctx, m, "start", m.Broker.Start, func(deadline context.Context) error {
			if err := broker.WaitReady(deadline, m.Broker.Health, pollOr(c.Poll)); err != nil {
				return fmt.Errorf("%s did not become ready within %s: %w", m.Broker.Name(), m.Broker.Start.Timeout, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.Events.Emit(progress.Event{Phase: "ready", Broker: m.Broker.NodeID, Message: "ready"})
		return nil
	})
}

// runThen runs m's stop or start command (what) and then prove, which proves its effect, both
// within the command's timeout.
func (c *Commands) runThen(ctx context.Context, m *Member, what string, cmd cluster.Command, prove func(deadline context.Context) error) error {
	deadline, cancel := context.WithTimeout(ctx, cmd.Timeout)
	defer cancel()
	c.Events.Emit(progress.Event{Phase: what, Broker: m.Broker.NodeID, Message: "running the " + what + " command"})
	if out, err := c.run(deadline, m, what, cmd.Run, cmd.Timeout); err != nil {
		return fmt.Errorf("%s: %s command %q: %w%s", m.Broker.Name(), what, cmd.Run, err, outputSuffix(out))
	}
	return prove(deadline)
}

// run runs one of m's commands ("stop" or "start"), recording its process group. A stop
// command that cannot be recorded does not run. A start command runs all the same, with a
// warning: every failure path wants the broker back, and the record can be out of reach for
// the very reason the operation failed (a repository whose server went away); recover finds
// a started broker running.
func (c *Commands) run(ctx context.Context, m *Member, what, command string, timeout time.Duration) (string, error) {
	if c.Record == nil {
		return m.Host.Run(ctx, command, timeout, nil)
	}
	record := func(g *broker.Group) error {
		err := c.Record(m, what, g)
		if err != nil && what == "start" {
			c.Events.Emit(progress.Event{Level: progress.Warn, Phase: "start", Broker: m.Broker.NodeID,
				Message: fmt.Sprintf("the start command is not recorded in the operation (%v); it runs all the same", err)})
			return nil
		}
		return err
	}
	out, err := m.Host.Run(ctx, command, timeout, func(g broker.Group) error { return record(&g) })
	if rerr := record(nil); rerr != nil && err == nil {
		err = rerr
	}
	return out, err
}

func outputSuffix(out string) string {
	if out == "" {
		return ""
	}
	return "; it said: " + out
}

var _ Driver = (*Commands)(nil)
