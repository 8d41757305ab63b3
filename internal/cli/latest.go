package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// latestID is the backup id that show, verify and restore read as the newest complete backup
// of the repository; backup refuses it as an --id.
const latestID = "latest"

// resolveID returns id, or for "latest" the id of the newest complete backup (by the time its
// manifest was committed), which it names on standard error.
func resolveID(ctx context.Context, s Streams, r *repo.Repo, id string) (string, error) {
	if id != latestID {
		return id, nil
	}
	listing, err := r.List(ctx)
	if err != nil {
		return "", fmt.Errorf("find the latest backup in %s: %w", r.Location(), err)
	}
	var newest *repo.Manifest
	for _, l := range listing {
		if l.Err != nil || l.Manifest == nil {
			continue
		}
		if newest == nil || l.Manifest.CommittedTime().After(newest.CommittedTime()) {
			newest = l.Manifest
		}
	}
	if newest == nil {
		return "", fmt.Errorf("%w %q: %s holds no complete backup", repo.ErrNotFound, latestID, r.Location())
	}
	fmt.Fprintf(s.Err, "latest is backup %s, committed %s\n", newest.ID, newest.CommittedTime().UTC().Format(time.RFC3339))
	return newest.ID, nil
}
