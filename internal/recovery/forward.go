package recovery

import (
	"context"
	"fmt"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fanout"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

// commandGrace is how long a left command has after SIGTERM before SIGKILL.
const commandGrace = 5 * time.Second

// settleCommands waits for every stop and start command the record shows running, up to that
// command's timeout, then ends its process group, and clears the record of each.
func settleCommands(ctx context.Context, o *workflow.Operation) error {
	var left []repo.OpBroker
	for _, b := range o.Record().Brokers {
		if b.Command != nil {
			left = append(left, b)
		}
	}
	if len(left) == 0 {
		return nil
	}
	return fanout.Each(left, func(_ int, b repo.OpBroker) error { return settleOne(ctx, o, b) })
}

func settleOne(ctx context.Context, o *workflow.Operation, b repo.OpBroker) error {
	m := o.Fleet().Member(b.NodeID)
	if m == nil {
		return fmt.Errorf("broker %d of the operation, whose %s command may still run (process group %d), is not in the cluster file: give the cluster file the run used", b.NodeID, b.Command.What, b.Command.PGID)
	}
	wait, command := m.Broker.Stop.Timeout, m.Broker.Stop.Run
	if b.Command.What == "start" {
		wait, command = m.Broker.Start.Timeout, m.Broker.Start.Run
	}
	// Only a group whose leader runs this broker's command from the cluster file is waited
	// for or signalled: a forged record cannot name another process.
	g := broker.Group{PGID: b.Command.PGID, Start: b.Command.Start, Command: command}
	running, err := m.Host.Settle(ctx, g, wait, commandGrace)
	if err != nil {
		return fmt.Errorf("%s: end the %s command the interrupted run left (process group %d): %w; end it by hand, then run recover again", m.Broker.Name(), b.Command.What, g.PGID, err)
	}
	if running {
		o.Emit(progress.Event{Phase: "recover", Broker: b.NodeID, Message: fmt.Sprintf("the %s command the interrupted run left (process group %d) has ended", b.Command.What, g.PGID)})
	}
	return o.Update(ctx, b.NodeID, func(ob *repo.OpBroker) { ob.Command = nil })
}

// rollForward finishes a restore whose restored cluster was proven ready: with
// --discard-previous, the previous data folders that are left are removed (each only when it is
// the one the restore derives from the data folder and the backup id); the brokers that are
// down are started by the caller.
func rollForward(ctx context.Context, o *workflow.Operation) error {
	op := o.Record()
	o.Emit(progress.Event{Phase: "recover", Broker: progress.Cluster, Message: "the restored cluster had been proven ready: finishing the restore (rolling forward)"})
	for _, b := range op.Brokers {
		m := o.Fleet().Member(b.NodeID)
		if m == nil {
			return fmt.Errorf("broker %d of the operation is not in the cluster file: give the cluster file the restore ran with", b.NodeID)
		}
		// Every broker is started (those ready are left alone): all were stopped by the restore.
		if err := o.Update(ctx, b.NodeID, func(ob *repo.OpBroker) { ob.Stopped = true }); err != nil {
			return err
		}
		if !op.DiscardPrevious || b.Previous == "" {
			continue
		}
		if want := restore.PreviousPath(m.DataDir, op.ID, b.InFolder); b.Previous != want {
			return fmt.Errorf("%s: the record names %s as the previous data, not %s: it is not removed; check the lock in the repository", m.Broker.Name(), b.Previous, want)
		}
		if err := m.Host.RemoveAll(ctx, b.Previous); err != nil {
			return fmt.Errorf("%s: remove the previous data %s (--discard-previous): %w", m.Broker.Name(), b.Previous, err)
		}
		if err := o.Update(ctx, b.NodeID, func(ob *repo.OpBroker) { ob.Previous = "" }); err != nil {
			return err
		}
		o.Emit(progress.Event{Phase: "recover", Broker: b.NodeID, Message: "removed the previous data " + b.Previous + " (--discard-previous)"})
	}
	return nil
}
