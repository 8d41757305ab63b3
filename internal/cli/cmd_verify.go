package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/verify"
)

type verifyOptions struct {
	clusterOptions
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
	o.clusterOptions.register(c, p, "print the result as JSON")
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
