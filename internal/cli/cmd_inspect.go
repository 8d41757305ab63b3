package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

type inspectOptions struct {
	output
	nodeID int
}

func newInspectCmd(s Streams) *cobra.Command {
	var o inspectOptions
	c := &cobra.Command{
		Use:   "inspect [flags] DIR",
		Short: "Show what a Zeebe data folder holds, and what is wrong with it, offline",
		Long: `Read a Zeebe data folder (of a stopped broker, or extracted from a backup) and show, per
partition, its journal segments, index range, last term, flushed and commit index, snapshot id
and positions, sizes, and the Zeebe version its records carry; then every finding of Zeebe's
checks: descriptors and entry checksums, contiguous indexes, a torn tail only after the flushed
index, .meta and .conf, snapshot files against their checksum file, snapshot and log
consistency, .topology.meta, lock files, and hygiene (runtime/, paused flags, pending or
transient snapshots). Nothing is written.`,
		Example: `  zeebe-backup inspect /usr/local/zeebe/data
  zeebe-backup inspect --node-id 2 /restore/broker-2/data --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runInspect(cmd.Context(), s, o, args[0]) },
	}
	o.output.register(c, "print the report as JSON")
	c.Flags().IntVar(&o.nodeID, "node-id", -1, "the node id the folder belongs to, to check its lock files (default: only their consistency)")
	return c
}

func runInspect(ctx context.Context, s Streams, o inspectOptions, dir string) error {
	if fi, err := os.Stat(dir); err != nil {
		return usageError{fmt.Errorf("inspect: %w; give a broker's data folder", err)}
	} else if !fi.IsDir() {
		return usageError{fmt.Errorf("inspect %s: not a folder; give a broker's data folder (an archive is checked with 'zeebe-backup verify --deep')", dir)}
	}
	rep, err := check.Inspect(ctx, dir, check.Options{NodeID: o.nodeID})
	if err != nil {
		return err
	}
	if o.json {
		if err := printJSON(s.Out, newReportOutput(dir, rep)); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(s.Out, "%s\n", dir)
		renderReport(s.Out, rep)
		renderFindings(s.Out, rep.Findings)
	}
	if n := len(rep.Errors()); n > 0 {
		return findingsError{n}
	}
	return nil
}
