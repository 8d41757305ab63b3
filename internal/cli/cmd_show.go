package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

func newShowCmd(s Streams, p Plugins) *cobra.Command {
	var o clusterOptions
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
	o.register(c, p, "print the manifest as JSON")
	return c
}

func runShow(ctx context.Context, s Streams, o clusterOptions, id string) error {
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
