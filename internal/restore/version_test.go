package restore

import (
	"context"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/verify"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// gate runs the version gate of a restore of m, with the verification's reports, onto a target
// whose version the cluster file gives.
func gate(t *testing.T, m *repo.Manifest, reports map[int]*check.Report, target string) error {
	t.Helper()
	r := &run{d: &cluster.Description{Version: target}, m: m}
	r.deps.Defaults()
	if reports == nil {
		reports = map[int]*check.Report{}
	}
	return r.versionGate(context.Background(), &verify.Result{Reports: reports})
}

// The backup's version is the data's when it is higher than the cluster's recorded one: an
// upgrade to 8.6.0 that wrote no record yet shows only in the state's migrated-by-version, and
// Zeebe refuses to run 8.5 on that state, a patch release too (§8).
func TestVersionGateUsesTheDataVersion(t *testing.T) {
	m := &repo.Manifest{ID: "b1", ZeebeVersion: "8.5.3", VersionSource: "cluster file", Brokers: []repo.BrokerRecord{
		{NodeID: 0, DataVersion: "8.5.3", MigratedBy: "8.6.0"},
		{NodeID: 1, DataVersion: "8.5.3", MigratedBy: "8.5.3"},
	}}
	v, source, found, err := backupVersion(m, nil)
	if err != nil || !found || v != zeebe.MustVersion("8.6.0") || !strings.Contains(source, "broker 0's state") {
		t.Fatalf("backup version %v from %q (found %v, %v), want 8.6.0 from broker 0's state", v, source, found, err)
	}
	for target, allowed := range map[string]bool{"8.5.3": false, "8.5.9": false, "8.6.0": true, "8.7.1": true} {
		err := gate(t, m, nil, target)
		if allowed != (err == nil) {
			t.Errorf("target %s: %v, want allowed %v", target, err, allowed)
		}
		if err != nil && !strings.Contains(err.Error(), "Zeebe 8.6.0 (broker 0's state (migrated-by-version), as recorded)") {
			t.Errorf("target %s: the refusal does not say where 8.6.0 comes from: %v", target, err)
		}
	}

	// A manifest that recorded no data version: the verification's reports give it.
	old := &repo.Manifest{ID: "b2", ZeebeVersion: "8.5.3", VersionSource: "gateway", Brokers: []repo.BrokerRecord{{NodeID: 0}}}
	reports := map[int]*check.Report{0: {NodeID: 0, Version: zeebe.MustVersion("8.5.3"), VersionFound: true, MigratedBy: "8.6.1"}}
	if err := gate(t, old, reports, "8.6.0"); err == nil || !strings.Contains(err.Error(), "broker 0's backed-up records and state") {
		t.Errorf("8.6.1 state onto 8.6.0: %v, want a refused patch downgrade", err)
	}
	if err := gate(t, old, reports, "8.6.1"); err != nil {
		t.Errorf("8.6.1 state onto 8.6.1: %v", err)
	}
	// The records are newer than the state (a minor upgrade before its first snapshot).
	reports[0].Version, reports[0].MigratedBy = zeebe.MustVersion("8.7.0"), "8.6.1"
	if err := gate(t, old, reports, "8.6.1"); err == nil {
		t.Errorf("8.7.0 records onto 8.6.1: allowed")
	}
}
