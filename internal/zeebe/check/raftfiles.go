package check

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// metaFile reads <prefix>.meta (§4.1, verifier fact 4). known is false when it is absent or
// unreadable: Zeebe then starts from term 0 with nothing flushed.
func (a *analysis) metaFile(p *partData) (flushed uint64, known bool) {
	r, pr := p.meta, p.report
	if r == nil {
		if len(p.segments) > 0 {
			a.fs.add(Info, "meta.missing", p.id, p.dir,
				"no .meta file: Zeebe recreates it, starting from term 0 with nothing flushed (a hot restore writes none either; §9)")
		}
		return zeebe.NullIndex, false
	}
	if r.tooLarge {
		a.fs.add(Error, "meta.parse", p.id, r.path, "the .meta file is larger than %d bytes; Zeebe writes %d", maxSmallFile, zeebe.MetaFileSize)
		return zeebe.NullIndex, false
	}
	if len(r.content) > 0 && r.content[0] == 0 && allZero(r.content) {
		a.fs.add(Warning, "meta.parse", p.id, r.path,
			"the .meta file is all zeros: created but never written (§4.1); Zeebe's reading of it is not known")
		return zeebe.NullIndex, false
	}
	m, err := zeebe.ParseMeta(r.content)
	var headerErr *zeebe.MetaHeaderError
	switch {
	case errors.As(err, &headerErr):
		a.metaHeader(p, headerErr)
	case err != nil:
		a.fs.add(Error, "meta.parse", p.id, r.path, "unreadable .meta (%v): Zeebe refuses to start on it", err)
		return zeebe.NullIndex, false
	}
	pr.FlushedIndex, pr.CommitIndex, pr.Term, pr.VotedFor = m.LastFlushedIndex, m.CommitIndex, m.Term, m.VotedFor
	return m.LastFlushedIndex, true
}

// metaHeader reports a .meta whose header names another schema or template id (verifier fact
// 4): Zeebe 8.5 does not check the header and reads the fields; the newest releases refuse only
// another template id, and when the check began after 8.5 is not known.
func (a *analysis) metaHeader(p *partData, e *zeebe.MetaHeaderError) {
	v := a.rep.Version
	switch {
	case e.TemplateID == zeebe.TemplateMeta:
		a.fs.add(Warning, "meta.parse", p.id, p.meta.path,
			"%v: no release is known to check the schema id (8.5 checks nothing of the header, the newest only the template id), so Zeebe reads the fields as they are (§4.1)", e)
	case a.rep.VersionFound && !v.AtLeast(8, 6, 0):
		a.fs.add(Warning, "meta.parse", p.id, p.meta.path,
			"%v: Zeebe %s does not check the header and reads the fields as they are, but the newest releases refuse another template id; restoring onto a later minor may fail (§4.1)", e, v)
	default:
		a.fs.add(Error, "meta.parse", p.id, p.meta.path,
			"%v: the newest Zeebe releases refuse a .meta with another template id (8.5 did not check it) (§4.1)", e)
	}
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// metaAgainstJournal checks .meta's indexes and term against the journal (§2.5 step 4, §4.1).
// A journal already reported damaged explains a shortfall; it is not reported twice.
func (a *analysis) metaAgainstJournal(p *partData, known bool) {
	pr, r := p.report, p.meta
	if !known || p.journal.damaged {
		return
	}
	last := p.journal.last
	if f := pr.FlushedIndex; f != zeebe.NullIndex && f > last {
		a.fs.add(Error, "meta.flushed-index", p.id, r.path,
			"lastFlushedIndex is %d but the journal ends at index %d: Zeebe refuses to start (\"%v\"); flushed entries are missing (§2.5)",
			f, last, &zeebe.FlushedIndexError{Flushed: f, Last: last})
	}
	if c := pr.CommitIndex; c != zeebe.NullIndex && c > last {
		a.fs.add(Error, "meta.commit-index", p.id, r.path,
			"commitIndex is %d but the journal ends at index %d: committed entries are missing (§4.1)", c, last)
	}
	if pr.Term < pr.LastTerm {
		a.fs.add(Error, "meta.term", p.id, r.path,
			"the term in .meta (%d) is lower than the last entry's term (%d): .meta and the journal do not belong together (§4.1)", pr.Term, pr.LastTerm)
	}
}

// confFile reads <prefix>.conf (§4.2, verifier fact 5). An unreadable one is recoverable: Raft
// builds the membership from the configuration.
func (a *analysis) confFile(p *partData) {
	r := p.conf
	if r == nil {
		return
	}
	if r.tooLarge {
		a.fs.add(Warning, "conf.parse", p.id, r.path, "the .conf file is larger than %d bytes; Zeebe ignores a .conf it cannot read and rebuilds the membership from the configuration", maxSmallFile)
		return
	}
	c, err := zeebe.ParseConf(r.content)
	if err != nil {
		a.fs.add(Warning, "conf.parse", p.id, r.path,
			"unreadable .conf (%v); Zeebe ignores it and builds the membership from the configuration (§4.2)", err)
		return
	}
	for _, m := range c.NewMembers {
		p.report.Members = append(p.report.Members, m.ID)
	}
	if p.report.Members == nil {
		p.report.Members = []string{}
	}
	if len(c.OldMembers) > 0 {
		a.fs.add(Warning, "conf.members", p.id, r.path,
			"the configuration is in joint consensus (oldMembers %s): a membership change was in progress (§4.2)", memberIDs(c.OldMembers))
	}
}

func memberIDs(ms []zeebe.Member) string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// members checks each partition's .conf members against the expected replica set: from
// .topology.meta when present (authoritative from 8.4), else from the static round-robin
// distribution when the cluster's shape is known (§5). Run after nodeID and version.
func (a *analysis) members() {
	o := a.c.opts
	topo := a.rep.Topology
	if topo == nil && o.Shape.Known() {
		numeric := !a.rep.VersionFound || a.rep.Version.AtLeast(8, 5, 0)
		a.dist = zeebe.Distribute(o.Shape, numeric)
	}
	node := a.rep.NodeID
	for _, p := range a.parts {
		pr := p.report
		if pr.Members == nil {
			continue
		}
		var want []int
		source := ""
		switch {
		case topo != nil:
			want, source = topologyReplicas(topo, p.id), zeebe.TopologyMetaFile
			if node >= 0 && !slices.Contains(want, node) {
				continue // a folder this node no longer holds: reported by topology.members
			}
		case a.dist != nil:
			for _, r := range a.dist[p.id] {
				want = append(want, r.NodeID)
			}
			source = "the round-robin distribution"
		}
		have := make([]int, 0, len(pr.Members))
		valid := true
		for _, id := range pr.Members {
			n, err := strconv.Atoi(id)
			if err != nil {
				valid = false
			}
			have = append(have, n)
		}
		slices.Sort(have)
		if node >= 0 && !slices.Contains(pr.Members, strconv.Itoa(node)) {
			a.fs.add(Error, "conf.members", p.id, p.conf.path,
				"this broker (node %d) is not among the partition's members %v: Raft would not count it as a replica (§4.2)", node, pr.Members)
			continue
		}
		if source == "" {
			continue
		}
		slices.Sort(want)
		if valid && slices.Equal(have, want) {
			continue
		}
		sev := Warning
		why := "the cluster may use fixed partitioning or have been reconfigured"
		if topo != nil && !topo.ChangeInProgress {
			sev, why = Error, "the persisted topology is authoritative"
		}
		a.fs.add(sev, "conf.members", p.id, p.conf.path,
			"the partition's members %v differ from %v expected from %s (%s; §4.2, §5)", pr.Members, want, source, why)
	}
}

// topologyReplicas lists the members holding a partition in the persisted topology.
func topologyReplicas(t *zeebe.PersistedTopology, partition int) []int {
	var out []int
	for id, m := range t.Members {
		if _, ok := m.Partitions[partition]; ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
