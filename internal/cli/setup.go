package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

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

// repoFlag is --repo, a relative path made absolute; "" when not given.
func (f *clusterFlags) repoFlag() (string, error) {
	loc, err := storage.FlagLocation(f.repo)
	if err != nil {
		return "", usageError{fmt.Errorf("--repo: %w", err)}
	}
	return loc, nil
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

// commandLine is what the locks record as the holder's command: --set values and URL
// passwords are left out.
func commandLine() string {
	return redact.Args(os.Args)
}
