package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// clusterFlags are the flags of every command that works on a cluster or a repository.
type clusterFlags struct {
	file string
	repo string
}

func (f *clusterFlags) register(c *cobra.Command) {
	c.Flags().StringVarP(&f.file, "cluster", "c", cluster.DefaultFile, "the cluster description (YAML)")
	c.Flags().StringVar(&f.repo, "repo", "", "the repository, overriding the cluster file's: a path or file:// URL")
}

// loadCluster reads and validates the description and resolves it: each broker's host and
// configuration, read there (fleet.Resolve).
func (f *clusterFlags) loadCluster(ctx context.Context) (*fleet.Fleet, error) {
	d, err := cluster.Load(ctx, f.file, cluster.LoadOptions{Repository: f.repo})
	if err != nil {
		return nil, usageError{err}
	}
	fl, err := fleet.Resolve(ctx, d, hosts)
	if err != nil {
		return nil, usageError{err}
	}
	return fl, nil
}

// openRepo opens the repository named by --repo, or else by the cluster file.
func (f *clusterFlags) openRepo(ctx context.Context) (*repo.Repo, error) {
	loc := f.repo
	if loc == "" {
		d, err := cluster.Load(ctx, f.file, cluster.LoadOptions{})
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, usageError{fmt.Errorf("no repository: give --repo, or a cluster file with --cluster (%s was not found)", f.file)}
			}
			return nil, usageError{err}
		}
		loc = d.Repository
	}
	return openRepository(loc)
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

// openRepository opens a repository location: a path or a file:// URL.
func openRepository(loc string) (*repo.Repo, error) {
	path := loc
	if strings.Contains(loc, "://") {
		u, err := url.Parse(loc)
		if err != nil {
			return nil, usageError{fmt.Errorf("repository %q: not a valid URL; use a path or file:///absolute/path", redact.Text(loc))}
		}
		shown := redact.Text(loc)
		switch {
		case u.User != nil:
			return nil, usageError{fmt.Errorf("repository %q: remove the user name and password from the URL; credentials are never read from a URL", shown)}
		case u.Scheme == "file" && u.Host != "" && u.Host != "localhost":
			return nil, usageError{fmt.Errorf("repository %q names the host %q; a file:// repository is a folder on this machine: write file:///absolute/path", loc, u.Host)}
		case u.Scheme == "file":
			path = u.Path
		case u.Scheme == "s3":
			return nil, usageError{fmt.Errorf("repository %q: S3 repositories are not supported by this version yet; use a local folder", shown)}
		default:
			return nil, usageError{fmt.Errorf("repository %q: unknown scheme %q; use a path or file:// URL", shown, u.Scheme)}
		}
	}
	s, err := local.New(path)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", loc, err)
	}
	return repo.Open(s), nil
}

// hosts gives the host of each broker; only brokers on this machine are supported so far.
func hosts(b cluster.Broker) (broker.Host, error) {
	if b.IsLocal() {
		return broker.Local{}, nil
	}
	return nil, fmt.Errorf("host %s: only host: local is supported by this version; SSH comes later", b.Host)
}

// testPause is the hook tests use to stop the tool at a phase: when ZEEBE_BACKUP_TEST_PAUSE_AT
// names the phase (or lists it, separated by commas), the tool says so on standard error and
// waits until the file named by ZEEBE_BACKUP_TEST_RESUME exists (or forever, to be killed
// there), then removes that file, so that the next listed phase waits for it again.
func testPause(s Streams) func(string) {
	at := os.Getenv("ZEEBE_BACKUP_TEST_PAUSE_AT")
	if at == "" {
		return nil
	}
	phases := strings.Split(at, ",")
	resume := os.Getenv("ZEEBE_BACKUP_TEST_RESUME")
	return func(phase string) {
		if !slices.Contains(phases, phase) {
			return
		}
		fmt.Fprintf(s.Err, "paused at %s\n", phase)
		for {
			if _, err := os.Stat(resume); resume != "" && err == nil {
				os.Remove(resume)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// commandLine is what the locks record as the holder's command: --set values and URL
// passwords are left out.
func commandLine() string {
	return redact.Args(os.Args)
}
