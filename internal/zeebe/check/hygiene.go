package check

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// prefixes sorts a partition's Raft and journal files out and checks that they carry the
// partition's journal name consistently (§1.1, §1.3, verifier fact 1).
func (a *analysis) prefixes(p *partData) {
	expected := zeebe.JournalName(p.group, p.id)
	seen := map[string]int{}
	byID := map[int64]*fileRec{}
	for _, r := range p.recs {
		l := r.loc
		switch l.kind {
		case kSegment, kDeleted, kMeta, kConf, kLock:
			seen[l.prefix]++
		}
		switch l.kind {
		case kSegment:
			if prev, dup := byID[l.fileID]; dup {
				keep, drop := prev, r
				if r.loc.prefix == expected {
					keep, drop = r, prev
				}
				a.fs.add(Error, "layout.prefix", p.id, drop.path,
					"segment file id %d exists under two names (%s and %s): an interrupted 8.10 rename (§1.3); only %s is checked",
					l.fileID, path.Base(prev.path), path.Base(r.path), path.Base(keep.path))
				byID[l.fileID] = keep
				continue
			}
			byID[l.fileID] = r
		case kMeta:
			p.meta = preferPrefix(p.meta, r, expected)
		case kConf:
			p.conf = preferPrefix(p.conf, r, expected)
		case kLock:
			p.lock = preferPrefix(p.lock, r, expected)
		case kForeign:
			a.fs.add(Warning, "layout.prefix", p.id, r.path,
				"%s is named for another partition or group than %s; Zeebe ignores it here", path.Base(r.path), expected)
		}
	}
	for _, r := range byID {
		p.segments = append(p.segments, r)
	}
	slices.SortFunc(p.segments, func(x, y *fileRec) int { return int(x.loc.fileID - y.loc.fileID) })
	p.report.Journal = expected
	other := zeebe.JournalName(groupRaft, p.id)
	if p.group == groupRaft {
		other = zeebe.JournalName(groupDefault, p.id)
	}
	switch {
	case seen[other] == 0:
	case seen[expected] > 0:
		a.fs.add(Warning, "layout.prefix", p.id, p.dir,
			"the folder mixes %s and %s names: an 8.10 migration was interrupted (it renames the files, then the folder; §1.3); only Zeebe 8.10 or later finishes it",
			expected, other)
	case p.group == groupRaft:
		p.report.Journal = other
		a.fs.add(Warning, "layout.prefix", p.id, p.dir,
			"the files carry the 8.10 names (%s) but the folder is still raft-partition/: an 8.10 migration was interrupted (§1.3); only Zeebe 8.10 or later can start on it", other)
	default:
		p.report.Journal = other
		a.fs.add(Warning, "layout.prefix", p.id, p.dir,
			"the files carry the names before 8.10 (%s) in the 8.10 folder default/; Zeebe 8.10 presumably looks for %s names (§1.3, uncertain) and would not find them", other, expected)
	}
}

func preferPrefix(cur, r *fileRec, expected string) *fileRec {
	if cur == nil || r.loc.prefix == expected {
		return r
	}
	return cur
}

// hygiene reports what a clean, stopped broker does not leave behind (verifier fact 11).
func (a *analysis) hygiene(p *partData) {
	type group struct {
		files int
		bytes int64
	}
	dirs := map[string]*group{} // by folder, for the folder-wide findings
	note := func(dir string, r *fileRec) {
		g := dirs[dir]
		if g == nil {
			g = &group{}
			dirs[dir] = g
		}
		g.files++
		if r.link == "" {
			g.bytes += r.size
		}
	}
	for _, r := range p.recs {
		l := r.loc
		switch l.kind {
		case kRuntime, kPending, kBootstrap, kRestoring:
			note(path.Join(p.dir, l.sub), r)
		case kTransient:
			note(path.Join(p.dir, "snapshots", l.snapshot), r)
		case kSnapChecksumTmp:
			a.fs.add(Warning, "hygiene.pending", p.id, r.path,
				"a snapshot checksum file being written (.checksum.tmp): a snapshot was being committed when the data was copied; Zeebe deletes it at startup (§3.2)")
		case kProcessorPaused:
			a.fs.add(Warning, "hygiene.paused", p.id, r.path,
				"processing is paused (.processorPaused): a broker restored from this data starts with processing paused until resumed through the actuator (§1.1)")
		case kExporterPaused:
			state := strings.TrimSpace(string(r.content))
			if state == "" {
				state = "PAUSED"
			}
			a.fs.add(Warning, "hygiene.paused", p.id, r.path,
				"exporting is paused (.exporterPaused, %s): a broker restored from this data starts with exporting paused until resumed through the actuator (§1.1)", state)
		case kDeleted:
			a.fs.add(Info, "hygiene.deleted", p.id, r.path, "a soft-deleted segment; Zeebe removes it at the next start (§2.1)")
		case kLockTmp:
			a.fs.add(Info, "hygiene.leftover", p.id, r.path, "a temporary lock file left by an interrupted start; Zeebe ignores it (§1.1)")
		case kUnknown:
			a.fs.add(Info, "layout.unknown", p.id, r.path, "a file Zeebe does not write in a partition folder; not checked")
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		g := dirs[dir]
		base := path.Base(dir)
		switch {
		case base == "runtime":
			a.fs.add(Warning, "hygiene.runtime", p.id, dir,
				"runtime/ is present (%d files, %d bytes): the broker was not stopped cleanly or was still running when the data was copied; a restore does not need it, Zeebe rebuilds it from the snapshot (§1.1)", g.files, g.bytes)
		case base == "pending":
			a.fs.add(Warning, "hygiene.pending", p.id, dir,
				"pending/ holds %d files: a snapshot was being taken or received; Zeebe purges it at startup (§3.2)", g.files)
		case strings.HasPrefix(base, "transient-"):
			a.fs.add(Warning, "hygiene.pending", p.id, dir,
				"a transient snapshot folder (%d files): a snapshot was being taken when the data was copied; Zeebe deletes it at startup (§3.2)", g.files)
		case base == "bootstrap-snapshots":
			a.fs.add(Warning, "hygiene.bootstrap", p.id, dir,
				"bootstrap-snapshots/ holds %d files: partition scaling was in progress (§1.1)", g.files)
		default:
			a.fs.add(Warning, "hygiene.restoring", p.id, dir,
				"%s holds %d files: a hot-backup restore was in progress or failed (§1.1, §9)", base, g.files)
		}
	}
}
