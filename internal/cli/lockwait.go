package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

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
