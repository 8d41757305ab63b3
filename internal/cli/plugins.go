package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Plugins are what main chooses for this build: the storage backends of repositories and the
// kinds of hosts brokers run on, each found by the scheme of its location (see README,
// "Development"). Nothing in cli names a backend or a host kind.
type Plugins struct {
	Stores *storage.Registry
	Hosts  *broker.Registry
	// Pause is the tests' seam: when set, it is called as each phase of backup, restore and
	// recover begins ("stopping", "archiving", "starting", ...), and may hold the run there.
	// The tool passes nil; the end-to-end tests' build of it (internal/e2e/zbtest) pauses.
	Pause func(phase string)
}

// loadOptions are the registries' checks of a cluster file's values, with the --repo
// override loc (already absolute).
func (p Plugins) loadOptions(loc string) cluster.LoadOptions {
	check := func(loc string, opts map[string]string) (string, error) { return p.Stores.Check(loc, opts) }
	return cluster.LoadOptions{Repository: loc, CheckRepository: check, CheckHost: p.Hosts.Check}
}

// openRepository opens the repository at loc, with the options written beside it (nil for
// none), with its storage backend. A location that no backend takes is a usage error.
func (p Plugins) openRepository(ctx context.Context, loc string, opts map[string]string) (*repo.Repo, error) {
	s, err := p.Stores.Open(ctx, loc, opts)
	var le *storage.LocationError
	if errors.As(err, &le) {
		return nil, usageError{fmt.Errorf("repository %w", err)}
	}
	if err != nil {
		return nil, err
	}
	return repo.Open(s), nil
}

// hosts gives the host of each broker, opened by its kind.
func (p Plugins) hosts(ctx context.Context) func(cluster.Broker) (broker.Host, error) {
	return func(b cluster.Broker) (broker.Host, error) { return p.Hosts.Open(ctx, b.Host) }
}
