package verify

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// A link out of the data folder is a finding of the broker whose archive holds it, named when
// the finding is made (nothing re-labels findings afterwards).
func TestOutsideLinksNameTheirBroker(t *testing.T) {
	sum := &archive.Summary{Entries: []archive.Entry{
		{Path: ".", Type: archive.TypeDir},
		{Path: "raft-partition", Type: archive.TypeSymlink, Link: "/etc"},
		{Path: "inside", Type: archive.TypeSymlink, Link: "."},
	}}
	fs := outsideLinks(2, sum, "/data/broker-2")
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the one link out: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Broker != 2 || f.Severity != check.Error || f.Check != CheckOutsideLink || f.File != "raft-partition" {
		t.Errorf("finding %+v, want an error of broker 2 about raft-partition", f)
	}
	if got, want := f.String(), "broker 2 raft-partition: "; !strings.HasPrefix(got, want) {
		t.Errorf("reads %q, want it to begin %q", got, want)
	}
}
