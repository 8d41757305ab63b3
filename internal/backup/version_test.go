package backup

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// The manifest records the data's version, the highest of every broker's records' version and
// state's migrated-by-version; it is the cluster's version when nothing else gave one, and a
// data version newer than the one given is pointed out.
func TestDataVersionInTheManifest(t *testing.T) {
	reports := []*check.Report{
		{NodeID: 0, Version: zeebe.MustVersion("8.5.3"), VersionFound: true, MigratedBy: "8.5.3"},
		{NodeID: 1, Version: zeebe.MustVersion("8.5.3"), VersionFound: true, MigratedBy: "8.6.0"}, // upgraded, no record written yet
		{NodeID: 2},
	}
	var events []progress.Event
	r := &run{m: &repo.Manifest{}}
	r.deps.Defaults()
	r.deps.Events = func(e progress.Event) { events = append(events, e) }
	r.dataVersion(reports)
	if r.m.DataVersion != "8.6.0" || r.m.ZeebeVersion != "8.6.0" || r.m.VersionSource != "data" || len(events) != 0 {
		t.Errorf("data version %q, version %q from %q, events %+v; want 8.6.0 from the data", r.m.DataVersion, r.m.ZeebeVersion, r.m.VersionSource, events)
	}

	r.m = &repo.Manifest{ZeebeVersion: "8.5.3", VersionSource: "cluster file"}
	r.dataVersion(reports)
	if r.m.DataVersion != "8.6.0" || r.m.ZeebeVersion != "8.5.3" || len(events) != 1 || events[0].Level != progress.Warn || events[0].Broker != 1 ||
		!strings.Contains(events[0].Message, "migrated by Zeebe 8.6.0") {
		t.Errorf("data version %q, version %q, events %+v; want 8.6.0 recorded and a warning about broker 1", r.m.DataVersion, r.m.ZeebeVersion, events)
	}
}
