package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

type deleteOptions struct {
	lockingOptions
	yes bool
}

func newDeleteCmd(s Streams, p Plugins) *cobra.Command {
	var o deleteOptions
	c := &cobra.Command{
		Use:   "delete [flags] ID",
		Short: "Delete one backup from the repository",
		Long: `Delete backup ID from the repository, under the repository lock: its manifest first, so
that the backup stops being listed at once, then its archives, configurations and indexes. A
delete cut short leaves an incomplete folder (never listed): run the delete again, or let
'zeebe-backup prune' remove it. An incomplete backup (a folder without manifest) is deleted
the same way. A backup whose manifest cannot be read is deleted too.

When standard input is a terminal (and without --json), delete first says what it will remove
and asks for confirmation; --yes skips the question. "latest" is not accepted: name the
backup.`,
		Example: `  zeebe-backup delete 20261124T103000Z
  zeebe-backup delete before-upgrade --yes --retry-lock 10m`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runDelete(cmd.Context(), s, o, args[0]) },
	}
	o.lockingOptions.register(c, p, "print what was deleted as JSON")
	c.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation on a terminal")
	return c
}

// deleteOutput is the result of delete.
type deleteOutput struct {
	ID         string `json:"id"`
	Repository string `json:"repository"`
	Incomplete bool   `json:"incomplete"` // it had no manifest
	Objects    int    `json:"objects"`
	Bytes      int64  `json:"bytes"`
}

func runDelete(ctx context.Context, s Streams, o deleteOptions, id string) error {
	if id == latestID {
		return usageError{fmt.Errorf("delete %s: name the backup to delete ('zeebe-backup list' shows them); delete does not take %q", id, latestID)}
	}
	if err := repo.ValidateID(id); err != nil {
		return usageError{err}
	}
	r, err := o.openLocking(ctx, s)
	if err != nil {
		return err
	}
	if s.InIsTerminal && !o.json && !o.yes {
		if err := confirmDelete(ctx, s, r, id); err != nil {
			return err
		}
	}
	var d *repo.Deleted
	err = r.Locked(ctx, repo.ThisProcess(commandLine(), time.Now()), func() error {
		var err error
		d, err = r.Delete(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(s.Out, deleteOutput{ID: d.ID, Repository: r.Location(), Incomplete: d.Incomplete, Objects: d.Objects, Bytes: d.Bytes})
	}
	what := "backup"
	if d.Incomplete {
		what = "incomplete backup"
	}
	fmt.Fprintf(s.Out, "deleted %s %s from %s: %d files, %s\n", what, id, r.Location(), d.Objects, humanBytes(d.Bytes))
	return nil
}

// confirmDelete says what delete will remove and waits for "yes" on standard input.
func confirmDelete(ctx context.Context, s Streams, r *repo.Repo, id string) error {
	m, err := r.Manifest(ctx, id)
	switch {
	case err == nil:
		fmt.Fprintf(s.Err, "delete backup %s (taken %s, Zeebe %s, %d brokers, %s stored) from %s?\n", m.ID, m.Times.StopRequested.UTC().Format(time.RFC3339), orUnknown(m.ZeebeVersion), len(m.Brokers), humanBytes(m.Size()), r.Location())
	case errors.Is(err, repo.ErrNotFound):
		exists, xerr := r.Exists(ctx, id)
		if xerr != nil {
			return xerr
		}
		if !exists {
			return err
		}
		fmt.Fprintf(s.Err, "delete the incomplete backup %s (a folder without manifest) from %s?\n", id, r.Location())
	default:
		fmt.Fprintf(s.Err, "delete backup %s from %s? Its manifest cannot be read: %v\n", id, r.Location(), err)
	}
	fmt.Fprint(s.Err, "Type yes to go on: ")
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "yes", "y":
		return nil
	}
	return declinedError{op: "delete", id: id}
}
