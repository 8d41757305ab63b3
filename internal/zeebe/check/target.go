package check

import (
	"path"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// ForTarget checks the reports of one backup against the Zeebe version it goes to (see doc.go,
// snapshot.id-target). Zeebe 8.8 and later parse only snapshot ids of 5 or 6 parts, so they
// ignore the 4-part ids of earlier releases (§3.1): without its snapshot a partition replays its
// log from the start, and when the log was compacted after the snapshot, Zeebe refuses it
// ("expected to find a snapshot at index >= log's first index", §2.5 step 6).
func ForTarget(reports []*Report, target zeebe.Version) []Finding {
	var fs findings
	if !target.AtLeast(8, 8, 0) {
		return nil
	}
	for _, r := range reports {
		if r == nil {
			continue
		}
		for _, p := range r.Partitions {
			s := p.Snapshot
			if s == nil {
				continue
			}
			id, err := zeebe.ParseSnapshotID(s.ID)
			if err != nil || id.Parts != 4 {
				continue
			}
			file := path.Join(r.Group, "partitions", strconv.Itoa(p.ID), "snapshots", s.ID)
			if p.FirstIndex > 1 {
				fs.add(Error, "snapshot.id-target", p.ID, file,
					"the snapshot's id has 4 parts, which Zeebe %s does not read (only 5 or 6, §3.1): it ignores the snapshot, and as the log starts at index %d, after it, Zeebe refuses the partition (\"expected to find a snapshot at index >= log's first index\", §2.5); restore onto a release before 8.8 and upgrade from there",
					target, p.FirstIndex)
			} else {
				fs.add(Warning, "snapshot.id-target", p.ID, file,
					"the snapshot's id has 4 parts, which Zeebe %s does not read (only 5 or 6, §3.1): it ignores the snapshot and rebuilds the state by replaying the log from index 1", target)
			}
			fs.list[len(fs.list)-1].Broker = r.NodeID
		}
	}
	sortFindings(fs.list)
	return fs.list
}
