package repo_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// pruneListing is a repository's backups: id → when its stop was requested (committed a
// minute later), as list returns them (oldest first).
func pruneListing(t *testing.T, extra ...repo.Listing) []repo.Listing {
	t.Helper()
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	backups := []struct{ id, taken string }{
		{"i", "2026-09-30 12:00"}, // W40
		{"h", "2026-10-15 12:00"}, // W42
		{"g", "2026-10-31 12:00"}, // W44
		{"f", "2026-11-02 12:00"}, // W45
		{"e", "2026-11-16 12:00"}, // W47
		{"d", "2026-11-22 12:00"}, // W47 (Sunday)
		{"c", "2026-11-23 22:00"}, // W48
		{"b", "2026-11-24 08:00"}, // W48
		{"a", "2026-11-24 10:00"}, // W48
	}
	var out []repo.Listing
	for _, b := range backups {
		taken := at(b.taken)
		out = append(out, repo.Listing{Manifest: &repo.Manifest{ID: b.id, Times: repo.Times{StopRequested: taken, Committed: taken.Add(time.Minute)}}})
	}
	return append(out, extra...)
}

func TestSelectPrune(t *testing.T) {
	newest := repo.ReasonNewest
	cases := []struct {
		name   string
		policy repo.KeepPolicy
		extra  []repo.Listing
		// kept: id → its reasons; every other backup is removed with ReasonNoRule.
		kept map[string][]string
	}{
		{"daily 2: the newest of each of the last 2 days", repo.KeepPolicy{Daily: 2}, nil, map[string][]string{
			"a": {newest, "--keep-daily: the newest of 2026-11-24"},
			"c": {"--keep-daily: the newest of 2026-11-23"},
		}},
		{"daily 4: days without backups do not count", repo.KeepPolicy{Daily: 4}, nil, map[string][]string{
			"a": {newest, "--keep-daily: the newest of 2026-11-24"},
			"c": {"--keep-daily: the newest of 2026-11-23"},
			"d": {"--keep-daily: the newest of 2026-11-22"},
			"e": {"--keep-daily: the newest of 2026-11-16"},
		}},
		{"weekly 3: ISO weeks", repo.KeepPolicy{Weekly: 3}, nil, map[string][]string{
			"a": {newest, "--keep-weekly: the newest of 2026-W48"},
			"d": {"--keep-weekly: the newest of 2026-W47"},
			"f": {"--keep-weekly: the newest of 2026-W45"},
		}},
		{"monthly 3", repo.KeepPolicy{Monthly: 3}, nil, map[string][]string{
			"a": {newest, "--keep-monthly: the newest of 2026-11"},
			"g": {"--keep-monthly: the newest of 2026-10"},
			"i": {"--keep-monthly: the newest of 2026-09"},
		}},
		{"last 2 and monthly 2: each rule counts on its own", repo.KeepPolicy{Last: 2, Monthly: 2}, nil, map[string][]string{
			"a": {newest, "--keep-last 2: #1 newest", "--keep-monthly: the newest of 2026-11"},
			"b": {"--keep-last 2: #2 newest"},
			"g": {"--keep-monthly: the newest of 2026-10"},
		}},
		{"more than there are: all kept", repo.KeepPolicy{Last: 20}, nil, map[string][]string{
			"a": {newest, "--keep-last 20: #1 newest"}, "b": {"--keep-last 20: #2 newest"}, "c": {"--keep-last 20: #3 newest"},
			"d": {"--keep-last 20: #4 newest"}, "e": {"--keep-last 20: #5 newest"}, "f": {"--keep-last 20: #6 newest"},
			"g": {"--keep-last 20: #7 newest"}, "h": {"--keep-last 20: #8 newest"}, "i": {"--keep-last 20: #9 newest"},
		}},
		{"the newest complete backup (committed last) is kept whatever the rules", repo.KeepPolicy{Last: 1},
			[]repo.Listing{{Manifest: &repo.Manifest{ID: "late", Times: repo.Times{
				StopRequested: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Committed: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}}}},
			map[string][]string{
				"a":    {"--keep-last 1: #1 newest"},
				"late": {newest},
			}},
		{"no rule: everything kept", repo.KeepPolicy{}, nil, map[string][]string{
			"a": {newest}, "b": {repo.ReasonNoPolicy}, "c": {repo.ReasonNoPolicy}, "d": {repo.ReasonNoPolicy}, "e": {repo.ReasonNoPolicy},
			"f": {repo.ReasonNoPolicy}, "g": {repo.ReasonNoPolicy}, "h": {repo.ReasonNoPolicy}, "i": {repo.ReasonNoPolicy},
		}},
		{"an unreadable manifest is kept", repo.KeepPolicy{Last: 1},
			[]repo.Listing{{Manifest: &repo.Manifest{ID: "broken"}, Err: errors.New("bad json")}},
			map[string][]string{
				"a":      {newest, "--keep-last 1: #1 newest"},
				"broken": {repo.ReasonUnreadable},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			listing := pruneListing(t, c.extra...)
			got := repo.SelectPrune(listing, c.policy)
			if len(got) != len(listing) {
				t.Fatalf("%d decisions for %d backups: %+v", len(got), len(listing), got)
			}
			for _, d := range got {
				want, keep := c.kept[d.ID]
				if !keep {
					want = []string{repo.ReasonNoRule}
				}
				if d.Keep != keep || !reflect.DeepEqual(d.Reasons, want) {
					t.Errorf("%s: keep %v because %q; want keep %v because %q", d.ID, d.Keep, d.Reasons, keep, want)
				}
			}
			// Newest first, by the time taken.
			for i := 1; i < len(got); i++ {
				if !got[i].Taken.IsZero() && got[i].Taken.After(got[i-1].Taken) {
					t.Errorf("decision %d (%s) is newer than %d (%s)", i, got[i].ID, i-1, got[i-1].ID)
				}
			}
		})
	}
}
