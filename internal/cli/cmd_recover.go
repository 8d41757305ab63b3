package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/recovery"
)

func newRecoverCmd(s Streams, p Plugins) *cobra.Command {
	var o clusterOptions
	c := &cobra.Command{
		Use:   "recover [flags]",
		Short: "Finish or undo what an interrupted run left behind",
		Long: `Finish or undo what an interrupted backup or restore left behind, from the operation it
wrote down in the repository lock before it touched a broker:

  - after a backup (interrupted, or whose brokers did not all come back): start every broker
    it stopped that is not ready; unless its manifest was written, remove everything it
    stored, the temporary file of a write cut short included;
  - after a restore (interrupted, or whose brokers did not come up): stop the brokers, remove
    the staging folders, put the previous data folders and configurations back, and start the
    brokers.

Every folder it removes or moves is derived from the cluster file and the backup id, never
taken from the lock: a lock that names other paths is refused (exit 5) before any broker is
stopped.

It refuses while the run that holds the lock is still alive on this host. Once it has begun, a
signal (Ctrl-C, SIGHUP, ...) does not cut it short: it stops and starts brokers. With nothing left to
do it says so, names the brokers that are not ready, and changes nothing.`,
		Example: `  zeebe-backup recover
  zeebe-backup recover --cluster /etc/zeebe-backup/prod.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runRecover(cmd.Context(), s, o) },
	}
	o.register(c, p, "print the result as JSON")
	return c
}

func runRecover(ctx context.Context, s Streams, o clusterOptions) error {
	f, err := o.loadCluster(ctx)
	if err != nil {
		return err
	}
	d := f.Description
	r, err := o.plugins.openRepository(ctx, d.Repository, d.RepositoryOptions)
	if err != nil {
		return err
	}
	ren := newRenderer(s, o.output)
	f.Topology, f.Events = fleet.GatewayTopology, ren.event
	// The real data folders, as the run that is recovered worked on them (holders, locks).
	if err := f.ResolveDataDirs(ctx); err != nil {
		return err
	}
	res, err := recovery.Run(ctx, f, recovery.Deps{Repo: r, Events: ren.event, Now: time.Now, Command: commandLine(), Hook: o.plugins.Pause})
	if err != nil {
		return err
	}
	if o.json {
		_ = printJSON(s.Out, newRecoverOutput(res)) // the recovery's outcome is the exit status
		return nil
	}
	if res.Nothing {
		fmt.Fprintf(s.Out, "nothing to recover: %s holds no unfinished operation\n", r.Location())
		for _, b := range d.Brokers {
			if !broker.ProbeHealth(ctx, b.Health).Ready {
				fmt.Fprintf(s.Out, "broker %d is not ready at %s, and no unfinished run of zeebe-backup stopped it; its start command is: %s\n", b.NodeID, b.Health, b.Start.Run)
			}
		}
		return nil
	}
	fmt.Fprintf(s.Out, "recovered the %s of backup %s; brokers started again: %v\n", res.Operation.Kind, res.Operation.ID, res.Started)
	return nil
}
