package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/verify"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
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

func renderReport(w io.Writer, rep *check.Report) {
	version := "unknown"
	if rep.VersionFound {
		version = rep.Version.String()
	}
	fmt.Fprintf(w, "  zeebe version (records) %s", version)
	if rep.MigratedBy != "" {
		fmt.Fprintf(w, ", state migrated by %s", rep.MigratedBy)
	}
	fmt.Fprintf(w, "; partition group %q; %s\n", rep.Group, humanBytes(rep.Bytes))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PARTITION\tSEGMENTS\tINDEXES\tLAST TERM\tFLUSHED\tCOMMIT\tSNAPSHOT\tPROCESSED")
	for _, p := range rep.Partitions {
		snap, processed := "none", ""
		if p.Snapshot != nil {
			snap, processed = p.Snapshot.ID, fmt.Sprint(p.Snapshot.ProcessedPosition)
		}
		fmt.Fprintf(tw, "  %d\t%d\t%d..%d\t%d\t%s\t%s\t%s\t%s\n", p.ID, len(p.Segments), p.FirstIndex, p.LastIndex, p.LastTerm,
			index(p.FlushedIndex), index(p.CommitIndex), snap, processed)
	}
	tw.Flush()
}

func index(i uint64) string {
	if i == zeebe.NullIndex {
		return "-"
	}
	return fmt.Sprint(i)
}

func renderFindings(w io.Writer, fs []check.Finding) {
	if len(fs) == 0 {
		fmt.Fprintln(w, "  no findings")
		return
	}
	for _, f := range fs {
		fmt.Fprintf(w, "  %-7s %s: %s [%s]\n", strings.ToUpper(string(f.Severity)), f.Where(), f.Message, f.Check)
	}
}

type verifyOptions struct {
	output
	clusterFlags
	deep bool
}

func newVerifyCmd(s Streams, p Plugins) *cobra.Command {
	var o verifyOptions
	c := &cobra.Command{
		Use:   "verify [flags] ID",
		Short: "Re-read a stored backup and check it, without touching any broker",
		Long: `Re-read backup ID from the repository and check the size and SHA-256 of every archive,
configuration and index against the manifest. With --deep, each archive is also read, in the
same pass and without writing anything to disk, through Zeebe's checks (journal, snapshots,
Raft files, topology, lock files), and across brokers (a quorum of replicas for every partition,
Raft log matching), and every symbolic link is checked as a restore checks it: one that points
outside the data folder of the cluster file's broker is an error (a restore refuses it unless
--allow-external-symlinks). ID "latest" is the newest complete backup.`,
		Example: `  zeebe-backup verify 20261124T103000Z
  zeebe-backup verify latest
  zeebe-backup verify --deep before-upgrade --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runVerify(cmd.Context(), s, o, args[0]) },
	}
	o.clusterFlags.register(c, p)
	o.output.register(c, "print the result as JSON")
	c.Flags().BoolVar(&o.deep, "deep", false, "also run Zeebe's checks over the archived data")
	return c
}

func runVerify(ctx context.Context, s Streams, o verifyOptions, id string) error {
	r, m, err := o.manifest(ctx, s, id)
	if err != nil {
		return err
	}
	id = m.ID
	ren := newRenderer(s, o.output)
	dataDirs, err := o.targetDataDirs(ctx)
	if err != nil {
		return err
	}
	if o.deep && dataDirs == nil {
		ren.event(progress.Event{Level: progress.Warn, Phase: "verify", Broker: progress.Cluster,
			Message: fmt.Sprintf("no cluster file (%s): absolute symbolic links are checked against no data folder, so each is reported", o.file)})
	}
	res, err := verify.Backup(ctx, r, m, verify.Options{Deep: o.deep, Events: ren.event, DataDir: func(n int) string { return dataDirs[n] }})
	if err != nil {
		return err
	}
	if o.json {
		if err := printJSON(s.Out, newVerifyOutput(id, o.deep, res)); err != nil {
			return err
		}
	} else {
		for _, d := range res.Damaged {
			fmt.Fprintf(s.Out, "DAMAGED %s\n", d)
		}
		if o.deep {
			for _, b := range m.Brokers {
				if rep := res.Reports[b.NodeID]; rep != nil {
					fmt.Fprintf(s.Out, "broker %d (%s)\n", b.NodeID, b.Archive)
					renderReport(s.Out, rep)
				}
			}
			renderFindings(s.Out, res.Findings)
		}
	}
	if len(res.Damaged) > 0 {
		return fmt.Errorf("backup %s is damaged: %d stored files do not match the manifest", id, len(res.Damaged))
	}
	if n := len(res.Errors()); n > 0 {
		return findingsError{n}
	}
	if !o.json {
		what := "every checksum matches"
		if o.deep {
			what += "; Zeebe's checks found no error"
		}
		fmt.Fprintf(s.Out, "backup %s: %s\n", id, what)
	}
	return nil
}

// targetDataDirs gives the real data folder of each broker of the cluster file: where a restore
// would put the backup, which symbolic links are checked against. It is nil without a cluster
// file.
func (f *clusterFlags) targetDataDirs(ctx context.Context) (map[int]string, error) {
	if _, err := os.Stat(f.file); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	fl, err := f.loadCluster(ctx)
	if err != nil {
		return nil, err
	}
	if err := fl.ResolveDataDirs(ctx); err != nil {
		return nil, err
	}
	out := map[int]string{}
	for _, m := range fl.Members {
		out[m.Broker.NodeID] = m.DataDir
	}
	return out, nil
}
