package check

import (
	"maps"
	"path"
	"slices"
	"strconv"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// partData is one partition folder's files, sorted out.
type partData struct {
	id       int
	group    string
	dir      string // relative to the data folder
	recs     []*fileRec
	segments []*fileRec
	meta     *fileRec
	conf     *fileRec
	lock     *fileRec
	report   *PartitionReport
	journal  journalState
	// migratedBy is migrated-by-version from the newest snapshot's SST files.
	migratedBy *zeebe.Version
}

// analysis builds a report from what the checker kept.
type analysis struct {
	c     *Checker
	rep   *Report
	fs    findings
	parts []*partData
	dist  map[int][]zeebe.Replica // the static distribution, when the shape is known
}

// Finish checks what was fed and returns the report. The checker must not be fed afterwards.
func (c *Checker) Finish() *Report {
	a := &analysis{c: c, rep: &Report{NodeID: -1, Bytes: c.bytes}}
	a.sortOut()
	a.topologyFile()
	a.recordsVersion()
	for _, p := range a.parts {
		a.partition(p)
	}
	a.nodeID()
	a.version()
	a.members()
	a.topologyChecks()
	if len(a.parts) == 0 {
		a.fs.add(Warning, "layout.partitions", 0, "",
			"no partition folder (raft-partition/partitions/<P> or default/partitions/<P>): not a Zeebe data folder, or a broker that replicates no partition (§1.1)")
	}
	for _, p := range a.parts {
		a.rep.Partitions = append(a.rep.Partitions, *p.report)
	}
	for i := range a.fs.list {
		if a.fs.list[i].Broker == -1 {
			a.fs.list[i].Broker = a.rep.NodeID
		}
	}
	sortFindings(a.fs.list)
	a.rep.Findings = a.fs.list
	return a.rep
}

// sortOut groups the files by partition folder and reports what belongs to none. When both
// partition groups hold partitions, the one with more files is checked (§1.3: 8.10 renames
// raft-partition to default).
func (a *analysis) sortOut() {
	byGroup := map[string]map[int]*partData{}
	counts := map[string]int{}
	unknownTop := map[string]int{}
	for _, r := range a.c.order {
		l := r.loc
		if l.partition == 0 {
			if l.kind == kUnknown {
				unknownTop[firstComponent(r.path)]++
			}
			continue
		}
		g := byGroup[l.group]
		if g == nil {
			g = map[int]*partData{}
			byGroup[l.group] = g
		}
		p := g[l.partition]
		if p == nil {
			p = &partData{id: l.partition, group: l.group, dir: path.Join(l.group, "partitions", strconv.Itoa(l.partition))}
			g[l.partition] = p
		}
		p.recs = append(p.recs, r)
		counts[l.group]++
	}
	for _, name := range slices.Sorted(maps.Keys(unknownTop)) {
		a.fs.add(Info, "layout.unknown", 0, name, "%d file(s) below %s, which Zeebe does not write in a data folder; not checked", unknownTop[name], name)
	}
	group := groupRaft
	if counts[groupDefault] > counts[groupRaft] || counts[groupRaft] == 0 && counts[groupDefault] > 0 {
		group = groupDefault
	}
	if len(byGroup) == 2 {
		other := groupDefault
		if group == groupDefault {
			other = groupRaft
		}
		a.fs.add(Warning, "layout.group", 0, other,
			"both raft-partition/ and default/ hold partitions; Zeebe before 8.10 reads raft-partition/, 8.10 and later default/ (§1.3); %s/ was not checked", other)
	}
	if len(byGroup) > 0 {
		a.rep.Group = group
	}
	for _, id := range slices.Sorted(maps.Keys(byGroup[group])) {
		p := byGroup[group][id]
		p.report = &PartitionReport{ID: id, FlushedIndex: zeebe.NullIndex, CommitIndex: zeebe.NullIndex}
		a.parts = append(a.parts, p)
	}
}

func firstComponent(p string) string {
	for i := range len(p) {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return p
}

// partition runs the checks of one partition folder.
func (a *analysis) partition(p *partData) {
	a.prefixes(p)
	a.lockFile(p)
	flushed, known := a.metaFile(p)
	a.journal(p, flushed, known)
	a.metaAgainstJournal(p, known)
	a.confFile(p)
	a.snapshots(p)
	a.hygiene(p)
}

// recordsVersion takes the highest broker version of the records, which streaming the segments
// found, before the checks that depend on it.
func (a *analysis) recordsVersion() {
	for _, p := range a.parts {
		for _, r := range p.recs {
			if s := r.seg; r.loc.kind == kSegment && s != nil && s.versionFound && (!a.rep.VersionFound || s.version.AtLeast(a.rep.Version.Major, a.rep.Version.Minor, a.rep.Version.Patch)) {
				a.rep.Version, a.rep.VersionFound = s.version, true
			}
		}
	}
}

// version takes the newest snapshots' migrated-by-version, after the snapshot checks found it.
func (a *analysis) version() {
	var migrated *zeebe.Version
	for _, p := range a.parts {
		if v := p.migratedBy; v != nil && (migrated == nil || v.AtLeast(migrated.Major, migrated.Minor, migrated.Patch)) {
			migrated = v
		}
	}
	if migrated != nil {
		a.rep.MigratedBy = migrated.String()
	}
	if a.c.files[zeebe.TopologyMetaFile] == nil && a.rep.VersionFound && a.rep.Version.AtLeast(8, 4, 0) && len(a.parts) > 0 {
		a.fs.add(Warning, "layout.topology-missing", 0, zeebe.TopologyMetaFile,
			"no %s, which Zeebe %s always writes (§4.3); the broker rebuilds it from the static configuration, losing any scaling or reassignment",
			zeebe.TopologyMetaFile, a.rep.Version)
	}
}

// nodeID settles the broker's node id: the option, else the lock files when they agree.
func (a *analysis) nodeID() {
	want := a.c.opts.NodeID
	contents := map[string][]int{}
	for _, p := range a.parts {
		if p.lock != nil && !p.lock.tooLarge {
			contents[p.report.Lock] = append(contents[p.report.Lock], p.id)
		}
	}
	if want >= 0 {
		a.rep.NodeID = want
		for _, p := range a.parts {
			if p.lock != nil && !p.lock.tooLarge && p.report.Lock != strconv.Itoa(want) {
				a.fs.add(Error, "lock.node-id", p.id, p.lock.path,
					"the lock file holds %q, not this broker's node id %d: Zeebe refuses to start (\"Failed to acquire storage lock\"); the folder belongs to another node (§1.1)", p.report.Lock, want)
			}
		}
		return
	}
	if len(contents) > 1 {
		for _, p := range a.parts {
			if p.lock != nil && !p.lock.tooLarge {
				a.fs.add(Error, "lock.node-id", p.id, p.lock.path,
					"the lock files of this broker's partitions hold different node ids (%q here); a broker's folders must all belong to one node (§1.1)", p.report.Lock)
			}
		}
		return
	}
	for content, parts := range contents {
		n, err := strconv.Atoi(content)
		if err != nil || n < 0 || strconv.Itoa(n) != content {
			a.fs.add(Error, "lock.node-id", parts[0], a.partByID(parts[0]).lock.path,
				"the lock file holds %q, which is not a node id: Zeebe refuses to start on it (§1.1)", content)
			return
		}
		a.rep.NodeID = n
	}
}

func (a *analysis) partByID(id int) *partData {
	for _, p := range a.parts {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (a *analysis) lockFile(p *partData) {
	if p.lock == nil {
		return
	}
	p.report.Lock = string(p.lock.content)
	if p.lock.tooLarge {
		p.report.Lock = ""
		a.fs.add(Error, "lock.node-id", p.id, p.lock.path, "the lock file is larger than %d bytes; it must hold a node id", maxSmallFile)
	}
}
