package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

type backupOptions struct {
	lockingOptions
	id            string
	compression   string
	allowFindings bool
}

func newBackupCmd(s Streams, p Plugins) *cobra.Command {
	var o backupOptions
	c := &cobra.Command{
		Use:   "backup [flags]",
		Short: "Take a cold backup of the whole cluster",
		Long: `Take a cold backup of the whole cluster, as one unit.

Everything that can be checked while the cluster runs is checked first (hosts, configurations,
data folders, repository space, version); then all brokers are stopped at once and proven
fully down (stop command returned, management endpoint silent, no process holding their data
folders), every data folder is archived with its configuration, the brokers are started and
proven ready, and the manifest is written last. Whatever fails after the stop, the brokers are
started again; if this process is killed, 'zeebe-backup recover' does it. A dropped SSH session
(SIGHUP) counts as Ctrl-C: the brokers are started again and nothing is committed (see
'Signals' in 'zeebe-backup --help'); a closed output never stops it.`,
		Example: `  # Back up the cluster described in ./zeebe-backup.yaml
  zeebe-backup backup

  # Another cluster file, a chosen id, gzip archives
  zeebe-backup backup --cluster /etc/zeebe-backup/prod.yaml --id before-upgrade --compression gzip`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runBackup(cmd.Context(), s, o) },
	}
	o.lockingOptions.register(c, p, "print the manifest as JSON on standard output, and events as JSON lines on standard error")
	c.Flags().StringVar(&o.id, "id", "", "the backup's id (default: a UTC timestamp such as 20261124T103000Z)")
	c.Flags().StringVar(&o.compression, "compression", "zstd", "zstd or gzip")
	c.Flags().BoolVar(&o.allowFindings, "allow-findings", false, "commit the backup even when Zeebe's checks find errors in the data")
	return c
}

func runBackup(ctx context.Context, s Streams, o backupOptions) error {
	comp, err := archive.ParseCompression(o.compression)
	if err != nil || comp == archive.None {
		return usageError{fmt.Errorf("--compression %q: use zstd or gzip", o.compression)}
	}
	if o.id != "" {
		if err := repo.ValidateID(o.id); err != nil {
			return usageError{fmt.Errorf("--id: %w", err)}
		}
	}
	if o.id == latestID {
		return usageError{fmt.Errorf("--id %s: %q is how show, verify and restore name the newest backup; choose another id", o.id, latestID)}
	}
	if err := o.lockWait.check(); err != nil {
		return err
	}
	f, err := o.loadCluster(ctx)
	if err != nil {
		return err
	}
	r, err := o.plugins.openRepository(ctx, f.Description.Repository, f.Description.RepositoryOptions)
	if err != nil {
		return err
	}
	ren := newRenderer(s, o.output)
	r = o.lockWait.apply(r, ren.event)
	m, err := backup.Run(ctx, f, backup.Deps{
		Repo: r, Events: ren.event, Topology: fleet.GatewayTopology,
		Now: time.Now, ToolVersion: ToolVersion(), Command: commandLine(), Hook: o.plugins.Pause,
	}, backup.Options{ID: o.id, Compression: comp, AllowFindings: o.allowFindings})
	if m != nil {
		// The backup's outcome is the exit status: a standard output that went away loses
		// the summary only ('zeebe-backup show ID' gives it again).
		if o.json {
			_ = printJSON(s.Out, m)
		} else {
			fmt.Fprintf(s.Out, "backup %s: %d brokers, %s of data in %s, downtime %s, Zeebe %s\n",
				m.ID, len(m.Brokers), humanBytes(m.Bytes()), humanBytes(m.Size()), m.Downtime().Round(time.Millisecond), orUnknown(m.ZeebeVersion))
		}
	}
	if err != nil && m != nil {
		return incomplete(err)
	}
	return err
}
