package cli

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/yamledit"
)

type restoreOptions struct {
	lockingOptions
	sets             []string
	keepTargetConfig bool
	discardPrevious  bool
	noLock           bool
	force            []string
	yes              bool
	externalLinks    bool
}

func newRestoreCmd(s Streams, p Plugins) *cobra.Command {
	var o restoreOptions
	c := &cobra.Command{
		Use:   "restore [flags] ID",
		Short: "Restore a backup onto the cluster (which may be a replacement)",
		Long: `Restore backup ID onto the cluster described by --cluster, which may differ from the one
backed up but must have the same number of brokers, the same node ids, the same partitions
count and replication factor.

Every check comes first, before any broker is stopped: node ids and partitioning against the
backup; every stored file against its checksum while Zeebe's checks read each archive; the
version rule (the target runs the backup's version or the next minor, no downgrade, no
pre-release unless identical; the target's version comes from its gateway, version: in the
cluster file, or its running brokers' REST API); the lock files name the node each archive goes
to; each node gets the partition folders round-robin or .topology.meta assigns it; every
symbolic link of an archive stays inside the data folder it goes to (else refused, unless
--allow-external-symlinks); each data folder, symbolic links resolved as Zeebe resolves them,
is what the broker's configuration gives Zeebe, and the health URL's port is its management
port (the rules backup applies); free space on the filesystem of each data folder.
--force=<check> overrides one named check. Then all brokers are stopped at once and proven
down; each archive is extracted into a staging folder beside its data folder and checked file
by file; each data folder is moved aside to <data>.pre-restore-<ID> (kept until
--discard-previous or you remove it) and the staged one takes its place. A data folder that is
a mount point cannot be moved: the staging is <data>/.zeebe-backup-restore-<ID>, its entries
are moved into <data>/.zeebe-backup-previous-<ID> and the staged ones into it, lost+found is
left where it is, all within the mounted filesystem; the backed-up configuration is installed with the cluster file's set: entries
and --set applied (the target's previous one is kept as <config>.pre-restore-<ID>), unless
--keep-target-config; the brokers are started and proven ready. If they do not come up,
'zeebe-backup recover' rolls back to the previous data. A dropped SSH session (SIGHUP) counts as
Ctrl-C: before the brokers start, the previous data is put back and they start on it (see
'Signals' in 'zeebe-backup --help').

ID "latest" is the newest complete backup. When standard input is a terminal (and without
--json), restore first says what it will do and asks for confirmation; --yes skips the
question. From a script (standard input not a terminal) it does not ask. It prints the
downtime: from the stop of the brokers to the restored cluster being ready.`,
		Example: `  # Restore onto the cluster of ./zeebe-backup.yaml
  zeebe-backup restore 20261124T103000Z

  # The newest backup, without the confirmation question
  zeebe-backup restore latest --yes

  # Onto replacement hosts: set each broker's advertised host
  zeebe-backup restore before-upgrade --cluster new.yaml \
      --set 0.zeebe.broker.network.advertisedHost=10.0.1.10 \
      --set 1.zeebe.broker.network.advertisedHost=10.0.1.11

  # Keep the target's configuration files, delete the previous data once the cluster is up
  zeebe-backup restore before-upgrade --keep-target-config --discard-previous`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRestore(cmd.Context(), s, o, args[0]) },
	}
	o.clusterOptions.register(c, p, "print the result as JSON on standard output, and events as JSON lines on standard error")
	c.Flags().StringArrayVar(&o.sets, "set", nil, "NODEID.KEY=VALUE: set a configuration key of one broker's installed config (repeatable)")
	c.Flags().BoolVar(&o.keepTargetConfig, "keep-target-config", false, "leave the target brokers' configuration files as they are")
	c.Flags().BoolVar(&o.discardPrevious, "discard-previous", false, "delete the previous data folders once the restored cluster is ready")
	c.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation on a terminal")
	c.Flags().BoolVar(&o.externalLinks, "allow-external-symlinks", false, "restore symbolic links that point outside the data folder (refused otherwise, before any broker is stopped)")
	o.lockWait.register(c)
	c.Flags().BoolVar(&o.noLock, "no-lock", false, "only read the repository, without locking it: for a read-only repository (the lock beside each data folder is still taken; a killed run cannot be recovered by 'recover')")
	c.Flags().StringArrayVar(&o.force, "force", nil, "override one named pre-flight check: "+strings.Join(restore.ForceChecks, ", ")+" (repeatable)")
	return c
}

// parseSets reads --set NODEID.KEY=VALUE flags.
func parseSets(sets []string) (map[int][]yamledit.Edit, error) {
	out := map[int][]yamledit.Edit{}
	for _, s := range sets {
		lhs, value, ok := strings.Cut(s, "=")
		node, key, ok2 := strings.Cut(lhs, ".")
		n, err := strconv.Atoi(node)
		if !ok || !ok2 || err != nil || n < 0 || key == "" {
			return nil, usageError{fmt.Errorf("--set %q: write NODEID.KEY=VALUE, e.g. --set 0.zeebe.broker.network.advertisedHost=10.0.1.10", s)}
		}
		out[n] = append(out[n], yamledit.Edit{Key: key, Value: value})
	}
	return out, nil
}

func runRestore(ctx context.Context, s Streams, o restoreOptions, id string) error {
	if err := repo.ValidateID(id); err != nil {
		return usageError{err}
	}
	if err := o.lockWait.check(); err != nil {
		return err
	}
	sets, err := parseSets(o.sets)
	if err != nil {
		return err
	}
	for _, f := range o.force {
		if !slices.Contains(restore.ForceChecks, f) {
			return usageError{fmt.Errorf("--force=%s: no such check; the checks are %s", f, strings.Join(restore.ForceChecks, ", "))}
		}
	}
	f, err := o.loadCluster(ctx)
	if err != nil {
		return err
	}
	d := f.Description
	for n := range sets {
		if d.Broker(n) == nil {
			return usageError{fmt.Errorf("--set names node id %d, which is not in %s", n, d.Path)}
		}
	}
	r, err := o.plugins.openRepository(ctx, d.Repository, d.RepositoryOptions)
	if err != nil {
		return err
	}
	if id, err = resolveID(ctx, s, r, id); err != nil {
		return err
	}
	if s.InIsTerminal && !o.json && !o.yes {
		if err := confirmRestore(ctx, s, r, d, id); err != nil {
			return err
		}
	}
	ren := newRenderer(s, o.output)
	r = o.lockWait.apply(r, ren.event)
	res, err := restore.Run(ctx, f, restore.Deps{
		Repo: r, Events: ren.event, Topology: fleet.GatewayTopology,
		Now: time.Now, Command: commandLine(), Hook: o.plugins.Pause,
	}, restore.Options{ID: id, KeepTargetConfig: o.keepTargetConfig, Sets: sets, DiscardPrevious: o.discardPrevious, Force: o.force, AllowExternalSymlinks: o.externalLinks, NoLock: o.noLock})
	if res == nil {
		return err
	}
	// The restore's outcome is the exit status: a standard output that went away loses the
	// summary only.
	if o.json {
		_ = printJSON(s.Out, newRestoreOutput(res, err == nil))
	} else if err == nil {
		out := newRestoreOutput(res, true)
		fmt.Fprintf(s.Out, "backup %s restored onto %d brokers; downtime %s (stop requested %s, all ready %s)\n", id, len(res.Manifest.Brokers),
			(time.Duration(out.Downtime) * time.Millisecond).String(), res.Stopped.UTC().Format(time.RFC3339), res.Ready.UTC().Format(time.RFC3339))
		for _, p := range out.Previous {
			fmt.Fprintf(s.Out, "  broker %d: previous data kept at %s\n", p.NodeID, p.Dir)
		}
	}
	if err != nil {
		return incomplete(err)
	}
	return nil
}

// confirmRestore says what the restore will do and waits for "yes" on standard input.
func confirmRestore(ctx context.Context, s Streams, r *repo.Repo, d *cluster.Description, id string) error {
	m, err := r.Manifest(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "restore backup %s (taken %s, Zeebe %s, %d brokers) onto the cluster of %s:\n"+
		"all %d brokers will be stopped, their data folders replaced (the previous ones are kept beside them), and started again.\n"+
		"Type yes to go on: ", m.ID, m.Times.StopRequested.UTC().Format(time.RFC3339), orUnknown(m.ZeebeVersion), len(m.Brokers), d.Path, len(d.Brokers))
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "yes", "y":
		return nil
	}
	return declinedError{op: "restore", id: id}
}
