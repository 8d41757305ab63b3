package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

type listOptions struct {
	output
	clusterFlags
}

func newListCmd(s Streams, p Plugins) *cobra.Command {
	var o listOptions
	c := &cobra.Command{
		Use:   "list [flags]",
		Short: "List the backups in the repository",
		Long: `List the complete backups in the repository, oldest first: id, time, brokers, size,
downtime and Zeebe version. A backup whose manifest was never written is incomplete and not
listed.`,
		Example: `  zeebe-backup list
  zeebe-backup list --repo /var/backups/zeebe --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runList(cmd.Context(), s, o) },
	}
	o.clusterFlags.register(c, p)
	o.output.register(c, "print the manifests as a JSON array")
	return c
}

func runList(ctx context.Context, s Streams, o listOptions) error {
	r, err := o.openRepo(ctx)
	if err != nil {
		return err
	}
	listing, err := r.List(ctx)
	if err != nil {
		return fmt.Errorf("list %s: %w", r.Location(), err)
	}
	if o.json {
		out := []*repo.Manifest{}
		for _, l := range listing {
			if l.Err == nil {
				out = append(out, l.Manifest)
			}
		}
		return printJSON(s.Out, out)
	}
	if len(listing) == 0 {
		fmt.Fprintf(s.Out, "no backups in %s\n", r.Location())
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTAKEN (UTC)\tBROKERS\tDATA\tSTORED\tDOWNTIME\tZEEBE")
	for _, l := range listing {
		m := l.Manifest
		if l.Err != nil {
			fmt.Fprintf(tw, "%s\t(unreadable manifest: %v)\t\t\t\t\t\n", m.ID, l.Err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", m.ID, m.Times.StopRequested.UTC().Format("2006-01-02 15:04:05"),
			len(m.Brokers), humanBytes(m.Bytes()), humanBytes(m.Size()), downtime(m), orUnknown(m.ZeebeVersion))
	}
	return tw.Flush()
}

type showOptions struct {
	output
	clusterFlags
}

func newShowCmd(s Streams, p Plugins) *cobra.Command {
	var o showOptions
	c := &cobra.Command{
		Use:   "show [flags] ID",
		Short: "Show one backup in detail",
		Long: `Show one backup: its brokers, archives with sizes and checksums, topology, Zeebe version,
times and downtime, and the version of zeebe-backup that made it. ID "latest" is the newest
complete backup.`,
		Example: `  zeebe-backup show 20261124T103000Z
  zeebe-backup show latest
  zeebe-backup show before-upgrade --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runShow(cmd.Context(), s, o, args[0]) },
	}
	o.clusterFlags.register(c, p)
	o.output.register(c, "print the manifest as JSON")
	return c
}

func runShow(ctx context.Context, s Streams, o showOptions, id string) error {
	r, m, err := o.manifest(ctx, s, id)
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(s.Out, m)
	}
	w := s.Out
	fmt.Fprintf(w, "backup %s in %s\n", m.ID, r.Location())
	fmt.Fprintf(w, "  zeebe version   %s (from %s)\n", orUnknown(m.ZeebeVersion), orUnknown(m.VersionSource))
	fmt.Fprintf(w, "  cluster         %d brokers, %d partitions, replication factor %d\n", m.Cluster.Brokers(), m.Cluster.PartitionsCount, m.Cluster.ReplicationFactor)
	if m.Cluster.MembersFrom == repo.MembersFromTopology && m.Cluster.Brokers() != m.Cluster.ClusterSize {
		fmt.Fprintf(w, "                  scaled at runtime: configured clusterSize %d, members from %s\n", m.Cluster.ClusterSize, m.Cluster.MembersFrom)
	}
	fmt.Fprintf(w, "  taken           %s (stop requested)\n", m.Times.StopRequested.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "  all down after  %s\n", m.Times.AllDown.Sub(m.Times.StopRequested).Round(time.Millisecond))
	fmt.Fprintf(w, "  data captured   %s after the stop\n", m.Times.DataCaptured.Sub(m.Times.StopRequested).Round(time.Millisecond))
	fmt.Fprintf(w, "  downtime        %s\n", m.Downtime().Round(time.Millisecond))
	fmt.Fprintf(w, "  data            %s in %s of %s archives\n", humanBytes(m.Bytes()), humanBytes(m.Size()), m.Compression)
	fmt.Fprintf(w, "  made by         zeebe-backup %s (this is zeebe-backup %s)\n", orUnknown(m.ToolVersion), ToolVersion())
	for _, p := range m.Problems {
		fmt.Fprintf(w, "  PROBLEM         %s\n", p)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nNODE\tHOST\tDATA FOLDER\tFILES\tDATA\tARCHIVE\tSIZE\tSHA-256")
	for _, b := range m.Brokers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", b.NodeID, b.Host, b.DataDir, b.Files+b.HardLinks+b.Symlinks, humanBytes(b.Bytes), b.Archive, humanBytes(b.ArchiveSize), b.ArchiveSHA256)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if t := m.Topology; t != nil {
		fmt.Fprintf(w, "\ntopology before the backup (gateway %s):\n", t.GatewayVersion)
		for _, b := range t.Brokers {
			fmt.Fprintf(w, "  broker %d %s %s:", b.NodeID, b.Address, b.Version)
			for _, p := range b.Partitions {
				fmt.Fprintf(w, " %d=%s/%s", p.PartitionID, p.Role, p.Health)
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

// downtime is a backup's downtime, or, when its brokers did not all come back, how long it had
// lasted when the backup gave up waiting.
func downtime(m *repo.Manifest) string {
	d := m.Downtime().Round(time.Millisecond).String()
	if m.Times.Ready.IsZero() {
		return "over " + d + " (brokers did not all come back)"
	}
	return d
}
