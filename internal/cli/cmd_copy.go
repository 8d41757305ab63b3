package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/verify"
)

type copyOptions struct {
	lockingOptions
	to string
}

func newCopyCmd(s Streams, p Plugins) *cobra.Command {
	var o copyOptions
	c := &cobra.Command{
		Use:   "copy [flags] ID --to LOCATION",
		Short: "Copy one backup to another repository, verified on arrival",
		Long: `Copy every file of backup ID from the repository (--repo, or the cluster file's) to the
repository at --to (a path or a URL of any supported storage), under the destination's lock.
The manifest is written last, after every other file was read back from the destination and
checked against the manifest (sizes and SHA-256 of archives, configurations and indexes) or
against what was read from the source; the manifest is read back too. A copy that fails leaves
nothing at the destination (or an incomplete folder, never listed, that 'zeebe-backup prune'
removes). A source file that does not match its manifest is not copied. An id that the
destination already holds, complete or not, is refused. The source is only read, not locked.
ID "latest" is the newest complete backup.`,
		Example: `  zeebe-backup copy 20261124T103000Z --to /mnt/offsite/zeebe
  zeebe-backup copy latest --repo /var/backups/zeebe --to /mnt/offsite/zeebe --retry-lock 10m`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCopy(cmd.Context(), s, o, args[0]) },
	}
	o.lockingOptions.register(c, p, "print what was copied as JSON")
	c.Flags().StringVar(&o.to, "to", "", "the destination repository: a path or a URL (required)")
	return c
}

// copyOutput is the result of copy.
type copyOutput struct {
	ID      string `json:"id"`
	From    string `json:"from"`
	To      string `json:"to"`
	Objects int    `json:"objects"`
	Bytes   int64  `json:"bytes"`
}

func runCopy(ctx context.Context, s Streams, o copyOptions, id string) error {
	if err := repo.ValidateID(id); err != nil {
		return usageError{err}
	}
	if o.to == "" {
		return usageError{fmt.Errorf("copy needs --to: the repository to copy backup %s to, a path or a URL", id)}
	}
	if err := o.lockWait.check(); err != nil {
		return err
	}
	loc, err := storage.FlagLocation(o.to)
	if err != nil {
		return usageError{fmt.Errorf("--to: %w", err)}
	}
	src, err := o.openRepo(ctx)
	if err != nil {
		return err
	}
	dst, err := o.plugins.openRepository(ctx, loc, nil)
	if err != nil {
		return err
	}
	if id, err = resolveID(ctx, s, src, id); err != nil {
		return err
	}
	ren := newRenderer(s, o.output)
	dst = o.lockWait.apply(dst, ren.event)
	check := func(ctx context.Context, m *repo.Manifest) error {
		res, err := verify.Backup(ctx, dst, m, verify.Options{Events: ren.event})
		if err != nil {
			return err
		}
		if len(res.Damaged) > 0 {
			return fmt.Errorf("what arrived does not match the manifest: %s", strings.Join(res.Damaged, "; "))
		}
		return nil
	}
	copying := func(name string, size int64) {
		ren.event(progress.Event{Level: progress.Info, Phase: "copy", Broker: progress.Cluster, Message: fmt.Sprintf("copying %s (%s)", name, humanBytes(size))})
	}
	var res *repo.Copied
	err = dst.Locked(ctx, repo.ThisProcess(commandLine(), time.Now()), func() error {
		res, err = src.CopyTo(ctx, dst, id, check, copying)
		return err
	})
	if err != nil {
		if errors.Is(err, repo.ErrExistsThere) {
			return usageError{err}
		}
		return err
	}
	if o.json {
		return printJSON(s.Out, copyOutput{ID: id, From: src.Location(), To: dst.Location(), Objects: res.Objects, Bytes: res.Bytes})
	}
	fmt.Fprintf(s.Out, "copied backup %s from %s to %s: %d files, %s, verified\n", id, src.Location(), dst.Location(), res.Objects, humanBytes(res.Bytes))
	return nil
}
