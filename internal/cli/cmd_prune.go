package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

type pruneOptions struct {
	lockingOptions
	keep      repo.KeepPolicy
	confirm   bool
	olderThan time.Duration
}

func newPruneCmd(s Streams, p Plugins) *cobra.Command {
	var o pruneOptions
	c := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove the backups no retention rule keeps, and incomplete leftovers",
		Long: `Decide which complete backups to keep by the --keep-* rules (restic's semantics), and which
incomplete folders (left by a failed or killed backup, copy or delete) to remove; print each
decision with its reasons. Without --confirm this is a dry run: nothing is removed. With
--confirm, the decisions are made again under the repository lock and carried out.

  --keep-last N      the N newest backups
  --keep-daily N     the newest backup of each of the last N days that have backups
  --keep-weekly N    the same for ISO weeks (Monday to Sunday)
  --keep-monthly N   the same for calendar months

Days, weeks and months are UTC, as backup ids are; a backup's time is when its stop was
requested (list's TAKEN). Days without a backup do not count: --keep-daily 7 keeps the newest
of each of the last 7 days on which backups were taken. A backup is kept when any rule keeps
it, and each rule counts on its own. Without any --keep-* rule every complete backup is kept.
The newest complete backup ('latest') is never removed, nor a backup whose manifest cannot be
read ('zeebe-backup delete ID' removes it).

An incomplete folder (no manifest.json) is removed once nothing in it was written for
--incomplete-older-than (from the newest modification time of its files), unless the lock
records an unfinished operation that owns it ('zeebe-backup recover' deals with that one).`,
		Example: `  # What would go with a week of dailies and a year of monthlies
  zeebe-backup prune --keep-daily 7 --keep-monthly 12

  # Do it
  zeebe-backup prune --keep-daily 7 --keep-monthly 12 --confirm

  # Only remove what failed backups left more than 2 hours ago
  zeebe-backup prune --incomplete-older-than 2h --confirm`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return runPrune(cmd.Context(), s, o) },
	}
	o.lockingOptions.register(c, p, "print the decisions (and what was removed) as JSON")
	c.Flags().IntVar(&o.keep.Last, "keep-last", 0, "keep the N newest backups")
	c.Flags().IntVar(&o.keep.Daily, "keep-daily", 0, "keep the newest backup of each of the last N days that have backups (UTC)")
	c.Flags().IntVar(&o.keep.Weekly, "keep-weekly", 0, "keep the newest backup of each of the last N ISO weeks that have backups")
	c.Flags().IntVar(&o.keep.Monthly, "keep-monthly", 0, "keep the newest backup of each of the last N months that have backups")
	c.Flags().BoolVar(&o.confirm, "confirm", false, "remove what the decisions say (without it, a dry run)")
	c.Flags().DurationVar(&o.olderThan, "incomplete-older-than", 24*time.Hour, "remove an incomplete folder once nothing in it was written for this long")
	return c
}

// pruneOutput is the result of prune.
type pruneOutput struct {
	Repository          string                  `json:"repository"`
	DryRun              bool                    `json:"dryRun"`
	Policy              prunePolicyOutput       `json:"policy"`
	IncompleteOlderThan string                  `json:"incompleteOlderThan"`
	Backups             []pruneBackupOutput     `json:"backups"`    // newest first
	Incomplete          []pruneIncompleteOutput `json:"incomplete"` // by id
	Removed             pruneRemovedOutput      `json:"removed"`    // empty in a dry run
}

type prunePolicyOutput struct {
	KeepLast    int `json:"keepLast"`
	KeepDaily   int `json:"keepDaily"`
	KeepWeekly  int `json:"keepWeekly"`
	KeepMonthly int `json:"keepMonthly"`
}

type pruneBackupOutput struct {
	ID      string     `json:"id"`
	Taken   *time.Time `json:"taken"` // null for a manifest that cannot be read
	Keep    bool       `json:"keep"`
	Reasons []string   `json:"reasons"`
}

type pruneIncompleteOutput struct {
	ID          string    `json:"id"`
	Objects     int       `json:"objects"`
	Bytes       int64     `json:"bytes"`
	LastWritten time.Time `json:"lastWritten"`
	Remove      bool      `json:"remove"`
	Reason      string    `json:"reason"`
}

type pruneRemovedOutput struct {
	Backups    []string `json:"backups"`
	Incomplete []string `json:"incomplete"`
}

func runPrune(ctx context.Context, s Streams, o pruneOptions) error {
	k := o.keep
	if k.Last < 0 || k.Daily < 0 || k.Weekly < 0 || k.Monthly < 0 {
		return usageError{fmt.Errorf("--keep-last, --keep-daily, --keep-weekly and --keep-monthly take 0 or more")}
	}
	if o.olderThan < 0 {
		return usageError{fmt.Errorf("--incomplete-older-than %s: give a duration of 0 or more, e.g. 24h", o.olderThan)}
	}
	r, err := o.openLocking(ctx, s)
	if err != nil {
		return err
	}
	out := pruneOutput{Repository: r.Location(), DryRun: !o.confirm, IncompleteOlderThan: o.olderThan.String(),
		Policy:  prunePolicyOutput{KeepLast: k.Last, KeepDaily: k.Daily, KeepWeekly: k.Weekly, KeepMonthly: k.Monthly},
		Removed: pruneRemovedOutput{Backups: []string{}, Incomplete: []string{}}}
	plan := func() ([]repo.Decision, []repo.Incomplete, time.Time, error) {
		listing, err := r.List(ctx)
		if err != nil {
			return nil, nil, time.Time{}, fmt.Errorf("list %s: %w", r.Location(), err)
		}
		inc, err := r.IncompleteFolders(ctx)
		return repo.SelectPrune(listing, k), inc, time.Now(), err
	}
	var runErr error
	if !o.confirm {
		decisions, inc, now, err := plan()
		if err != nil {
			return err
		}
		out.fill(decisions, inc, o.olderThan, now)
	} else {
		runErr = r.Locked(ctx, repo.ThisProcess(commandLine(), time.Now()), func() error {
			decisions, inc, now, err := plan()
			if err != nil {
				return err
			}
			out.fill(decisions, inc, o.olderThan, now)
			pruned, err := r.Prune(ctx, decisions, inc, o.olderThan, now)
			out.Removed.Backups = append(out.Removed.Backups, pruned.Backups...)
			out.Removed.Incomplete = append(out.Removed.Incomplete, pruned.Incomplete...)
			return err
		})
		if out.Backups == nil {
			return runErr // the lock or the listing failed: nothing was decided
		}
	}
	if o.json {
		_ = printJSON(s.Out, out)
	} else if err := out.print(s); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// fill records the decisions, and whether each incomplete folder is removed, and why.
func (out *pruneOutput) fill(decisions []repo.Decision, inc []repo.Incomplete, olderThan time.Duration, now time.Time) {
	out.Backups, out.Incomplete = []pruneBackupOutput{}, []pruneIncompleteOutput{}
	for _, d := range decisions {
		b := pruneBackupOutput{ID: d.ID, Keep: d.Keep, Reasons: nonNil(d.Reasons)}
		if !d.Taken.IsZero() {
			t := d.Taken.UTC()
			b.Taken = &t
		}
		out.Backups = append(out.Backups, b)
	}
	for _, f := range inc {
		i := pruneIncompleteOutput{ID: f.ID, Objects: f.Objects, Bytes: f.Bytes, LastWritten: f.Newest.UTC(), Remove: f.Removable(olderThan, now)}
		age := now.Sub(f.Newest).Round(time.Second)
		switch {
		case f.Owner != "":
			i.Reason = f.Owner + " owns it ('zeebe-backup recover' finishes or undoes it)"
		case i.Remove:
			i.Reason = fmt.Sprintf("nothing written for %s, at least --incomplete-older-than %s", age, olderThan)
		default:
			i.Reason = fmt.Sprintf("written %s ago, less than --incomplete-older-than %s: a run may still be writing it", age, olderThan)
		}
		out.Incomplete = append(out.Incomplete, i)
	}
}

// print shows the decisions as a table, and what was (or would be) removed.
func (out *pruneOutput) print(s Streams) error {
	w := s.Out
	if out.DryRun {
		fmt.Fprintf(w, "prune of %s: dry run, nothing removed (--confirm removes what is marked remove)\n", out.Repository)
	} else {
		fmt.Fprintf(w, "prune of %s\n", out.Repository)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var backups, folders int
	if len(out.Backups) > 0 {
		fmt.Fprintln(tw, "\nBACKUP\tTAKEN (UTC)\tDECISION\tWHY")
	}
	for _, b := range out.Backups {
		taken, what := "?", "keep"
		if b.Taken != nil {
			taken = b.Taken.Format("2006-01-02 15:04:05")
		}
		if !b.Keep {
			what = "remove"
			backups++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.ID, taken, what, strings.Join(b.Reasons, "; "))
	}
	if len(out.Incomplete) > 0 {
		fmt.Fprintln(tw, "\nINCOMPLETE\tLAST WRITTEN (UTC)\tDECISION\tWHY")
	}
	for _, f := range out.Incomplete {
		what := "keep"
		if f.Remove {
			what = "remove"
			folders++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%d files, %s)\n", f.ID, f.LastWritten.Format("2006-01-02 15:04:05"), what, f.Reason, f.Objects, humanBytes(f.Bytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if out.DryRun {
		_, err := fmt.Fprintf(w, "\nwould remove %d backups and %d incomplete folders\n", backups, folders)
		return err
	}
	_, err := fmt.Fprintf(w, "\nremoved %d backups and %d incomplete folders\n", len(out.Removed.Backups), len(out.Removed.Incomplete))
	return err
}
