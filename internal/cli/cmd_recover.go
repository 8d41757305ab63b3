package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/recovery"
)

type recoverOptions struct {
	output
	clusterFlags
}

func newRecoverCmd(s Streams) *cobra.Command {
	var o recoverOptions
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

It refuses while the run that holds the lock is still alive on this host. Once it has begun, a
signal (Ctrl-C, SIGHUP, ...) does not cut it short: it stops and starts brokers. With nothing left to
do it says so, names the brokers that are not ready, and changes nothing.`,
		Example: `  zeebe-backup recover
  zeebe-backup recover --cluster /etc/zeebe-backup/prod.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runRecover(cmd.Context(), s, o) },
	}
	o.clusterFlags.register(c)
	o.output.register(c, "print the result as JSON")
	return c
}

func runRecover(ctx context.Context, s Streams, o recoverOptions) error {
	d, cfgs, err := o.loadCluster()
	if err != nil {
		return err
	}
	r, err := openRepository(d.Repository)
	if err != nil {
		return err
	}
	ren := newRenderer(s, o.output)
	f, err := newFleet(d, cfgs, ren.event)
	if err != nil {
		return err
	}
	res, err := recovery.Run(ctx, f, r, ren.event, testPause(s))
	if err != nil {
		return err
	}
	if o.json {
		_ = printJSON(s.Out, res) // the recovery's outcome is the exit status
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

type statusOptions struct {
	output
	clusterFlags
}

func newStatusCmd(s Streams) *cobra.Command {
	var o statusOptions
	c := &cobra.Command{
		Use:   "status [flags]",
		Short: "Show each broker up or down, and any unfinished operation",
		Example: `  zeebe-backup status
  zeebe-backup status --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runStatus(cmd.Context(), s, o) },
	}
	o.clusterFlags.register(c)
	o.output.register(c, "print the status as JSON")
	return c
}

type brokerStatus struct {
	NodeID  int    `json:"nodeId"`
	Host    string `json:"host"`
	Health  string `json:"health"`
	State   string `json:"state"` // "ready", "up, not ready", "down"
	DataDir string `json:"dataDir"`
	Locked  string `json:"locked,omitempty"` // the run holding the broker's lock file
}

type clusterStatus struct {
	Brokers    []brokerStatus `json:"brokers"`
	Repository string         `json:"repository"`
	Unfinished string         `json:"unfinished,omitempty"`
}

func runStatus(ctx context.Context, s Streams, o statusOptions) error {
	d, _, err := o.loadCluster()
	if err != nil {
		return err
	}
	st := clusterStatus{Repository: d.Repository}
	for _, b := range d.Brokers {
		p := broker.ProbeHealth(ctx, b.Health)
		state := "down"
		switch {
		case p.Ready:
			state = "ready"
		case p.Answering:
			state = fmt.Sprintf("up, not ready (%d)", p.Status)
		}
		bs := brokerStatus{NodeID: b.NodeID, Host: b.Host, Health: b.Health, State: state, DataDir: b.DataDir}
		if h, err := hosts(b); err == nil {
			if l, err := fleet.ReadLock(ctx, &fleet.Member{Broker: b, Host: h, DataDir: b.DataDir}); err == nil {
				bs.Locked = fmt.Sprintf("%s by %s (repository %s)", l.Operation, l.Holder, l.Repository)
			}
		}
		st.Brokers = append(st.Brokers, bs)
	}
	if r, err := openRepository(d.Repository); err == nil {
		if l, err := r.ReadLock(ctx); err == nil && l != nil {
			st.Unfinished = fmt.Sprintf("locked by %s", l.Holder)
			if l.Operation != nil {
				st.Unfinished += fmt.Sprintf(": a %s of backup %s; if that run is gone, run 'zeebe-backup recover'", l.Operation.Kind, l.Operation.ID)
			}
		}
	}
	if o.json {
		return printJSON(s.Out, st)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tHOST\tSTATE\tHEALTH\tDATA FOLDER")
	for _, b := range st.Brokers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", b.NodeID, b.Host, b.State, b.Health, b.DataDir)
	}
	tw.Flush()
	for _, b := range st.Brokers {
		if b.Locked != "" {
			fmt.Fprintf(s.Out, "broker %d is locked: %s\n", b.NodeID, b.Locked)
		}
	}
	if st.Unfinished != "" {
		fmt.Fprintf(s.Out, "\nunfinished operation: %s\n", st.Unfinished)
	} else {
		fmt.Fprintf(s.Out, "\nno unfinished operation in %s\n", st.Repository)
	}
	return nil
}
