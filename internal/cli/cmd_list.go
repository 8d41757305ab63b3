package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

func newListCmd(s Streams, p Plugins) *cobra.Command {
	var o clusterOptions
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
	o.register(c, p, "print the manifests as a JSON array")
	return c
}

func runList(ctx context.Context, s Streams, o clusterOptions) error {
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

// downtime is a backup's downtime, or, when its brokers did not all come back, how long it had
// lasted when the backup gave up waiting.
func downtime(m *repo.Manifest) string {
	d := m.Downtime().Round(time.Millisecond).String()
	if m.Times.Ready.IsZero() {
		return "over " + d + " (brokers did not all come back)"
	}
	return d
}
