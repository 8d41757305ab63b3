package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// The flags the commands share, and what they open: one place for the plumbing of every
// command (cmd_*.go holds one command each).

// output holds the flags every command has for what it prints.
type output struct {
	json  bool
	quiet bool
}

func (o *output) register(c *cobra.Command, jsonHelp string) {
	c.Flags().BoolVar(&o.json, "json", false, jsonHelp)
	c.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress on standard error")
}

// clusterFlags are the flags of every command that works on a cluster or a repository, with
// the plugins that read them.
type clusterFlags struct {
	file    string
	repo    string
	plugins Plugins
}

func (f *clusterFlags) register(c *cobra.Command, p Plugins) {
	f.plugins = p
	c.Flags().StringVarP(&f.file, "cluster", "c", cluster.DefaultFile, "the cluster description (YAML)")
	c.Flags().StringVar(&f.repo, "repo", "", "the repository, overriding the cluster file's: a path or a URL")
}

// repoFlag is --repo, a relative path made absolute; "" when not given.
func (f *clusterFlags) repoFlag() (string, error) {
	loc, err := storage.FlagLocation(f.repo)
	if err != nil {
		return "", usageError{fmt.Errorf("--repo: %w", err)}
	}
	return loc, nil
}

// loadCluster reads and validates the description and resolves it: each broker's host and
// configuration, read there (fleet.Resolve).
func (f *clusterFlags) loadCluster(ctx context.Context) (*fleet.Fleet, error) {
	loc, err := f.repoFlag()
	if err != nil {
		return nil, err
	}
	d, err := cluster.Load(ctx, f.file, f.plugins.loadOptions(loc))
	if err != nil {
		return nil, usageError{err}
	}
	fl, err := fleet.Resolve(ctx, d, f.plugins.hosts(ctx))
	if err != nil {
		return nil, usageError{err}
	}
	return fl, nil
}

// openRepo opens the repository named by --repo, or else by the cluster file.
func (f *clusterFlags) openRepo(ctx context.Context) (*repo.Repo, error) {
	loc, err := f.repoFlag()
	if err != nil {
		return nil, err
	}
	if loc == "" {
		d, err := cluster.Load(ctx, f.file, f.plugins.loadOptions(""))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, usageError{fmt.Errorf("no repository: give --repo, or a cluster file with --cluster (%s was not found)", f.file)}
			}
			return nil, usageError{err}
		}
		return f.plugins.openRepository(ctx, d.Repository, d.RepositoryOptions)
	}
	return f.plugins.openRepository(ctx, loc, nil)
}

// manifest opens the repository and reads the manifest of backup id ("latest": the newest).
func (f *clusterFlags) manifest(ctx context.Context, s Streams, id string) (*repo.Repo, *repo.Manifest, error) {
	if err := repo.ValidateID(id); err != nil {
		return nil, nil, usageError{err}
	}
	r, err := f.openRepo(ctx)
	if err != nil {
		return nil, nil, err
	}
	if id, err = resolveID(ctx, s, r, id); err != nil {
		return nil, nil, err
	}
	m, err := r.Manifest(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return r, m, nil
}

// lockWait is --retry-lock, of the commands that take the repository lock.
type lockWait struct {
	retry time.Duration
}

func (w *lockWait) register(c *cobra.Command) {
	c.Flags().DurationVar(&w.retry, "retry-lock", 0, "when another run holds the repository lock, retry with backoff for this long (e.g. 5m) instead of failing at once")
}

// check refuses a negative duration.
func (w *lockWait) check() error {
	if w.retry < 0 {
		return usageError{fmt.Errorf("--retry-lock %s: give a duration of 0 or more, e.g. 5m", w.retry)}
	}
	return nil
}

// apply makes r wait for its lock as --retry-lock says, reporting each wait through events.
func (w *lockWait) apply(r *repo.Repo, events progress.Sink) *repo.Repo {
	if w.retry <= 0 {
		return r
	}
	return r.WithLockWait(repo.LockWait{For: w.retry, Waiting: func(held *repo.LockedError, waited, limit time.Duration) {
		events(progress.Event{Level: progress.Info, Phase: "lock", Broker: progress.Cluster,
			Message: fmt.Sprintf("waiting for the lock of %s, held by %s (waited %s of %s)", held.Location, held.Lock.Holder, waited.Round(time.Second), limit)})
	}})
}

// commandLine is what the locks record as the holder's command: --set values and URL
// passwords are left out.
func commandLine() string {
	return redact.Args(os.Args)
}

// clusterOptions are the flags of a command that works on a cluster or a repository: what it
// prints, and where the cluster file and the repository are.
type clusterOptions struct {
	output
	clusterFlags
}

func (o *clusterOptions) register(c *cobra.Command, p Plugins, jsonHelp string) {
	o.clusterFlags.register(c, p)
	o.output.register(c, jsonHelp)
}

// lockingOptions are those of a command that takes the repository lock: --retry-lock too.
type lockingOptions struct {
	clusterOptions
	lockWait
}

func (o *lockingOptions) register(c *cobra.Command, p Plugins, jsonHelp string) {
	o.clusterOptions.register(c, p, jsonHelp)
	o.lockWait.register(c)
}

// openLocking opens the repository of --repo or of the cluster file for a command that takes
// its lock: --retry-lock checked first, and the lock waited for as it says, each wait shown as
// an event.
func (o *lockingOptions) openLocking(ctx context.Context, s Streams) (*repo.Repo, error) {
	if err := o.lockWait.check(); err != nil {
		return nil, err
	}
	r, err := o.openRepo(ctx)
	if err != nil {
		return nil, err
	}
	return o.lockWait.apply(r, newRenderer(s, o.output).event), nil
}
