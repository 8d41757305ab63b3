package repo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// KeepPolicy is what prune keeps, with restic's semantics: Last keeps the newest Last
// backups; Daily keeps the newest backup of each of the last Daily days that have backups
// (days without one do not count), and Weekly (ISO weeks) and Monthly likewise. A backup is
// kept when any rule keeps it; each rule counts its own days, weeks or months whether or not
// another rule already kept the backup. Days, weeks and months are UTC, as backup ids are, and
// a backup's time is when its stop was requested (list's TAKEN).
type KeepPolicy struct {
	Last, Daily, Weekly, Monthly int
}

// Empty tells whether no rule is given: then prune keeps every complete backup.
func (p KeepPolicy) Empty() bool {
	return p.Last <= 0 && p.Daily <= 0 && p.Weekly <= 0 && p.Monthly <= 0
}

// Decision is prune's verdict on one complete backup.
type Decision struct {
	ID    string
	Taken time.Time // zero for a manifest that cannot be read
	Keep  bool
	// Reasons say why it is kept (each rule that keeps it), or why it is removed.
	Reasons []string
}

// Reasons of a decision.
const (
	ReasonNewest     = "the newest complete backup (prune never removes it)"
	ReasonUnreadable = "its manifest cannot be read (prune removes only backups it can date; 'zeebe-backup delete ID' removes it)"
	ReasonNoPolicy   = "no --keep-* rule was given"
	ReasonNoRule     = "no --keep-* rule keeps it"
)

// SelectPrune decides which complete backups of a listing prune keeps, newest first. It never
// removes the newest complete backup (by the time its manifest was committed, as 'latest'),
// nor one whose manifest cannot be read.
func SelectPrune(listing []Listing, p KeepPolicy) []Decision {
	var out []Decision
	var newest *Manifest
	var ok []*Manifest
	for _, l := range listing {
		if l.Err != nil || l.Manifest == nil {
			var id string
			if l.Manifest != nil {
				id = l.Manifest.ID
			}
			out = append(out, Decision{ID: id, Keep: true, Reasons: []string{ReasonUnreadable}})
			continue
		}
		ok = append(ok, l.Manifest)
		if newest == nil || l.Manifest.CommittedTime().After(newest.CommittedTime()) {
			newest = l.Manifest
		}
	}
	sort.SliceStable(ok, func(i, j int) bool {
		a, b := ok[i].Times.StopRequested, ok[j].Times.StopRequested
		if !a.Equal(b) {
			return a.After(b)
		}
		return ok[i].ID > ok[j].ID
	})
	type rule struct {
		count  int
		name   string
		bucket func(time.Time) string
		last   string
	}
	rules := []*rule{
		{count: p.Last, name: "last", bucket: nil},
		{count: p.Daily, name: "daily", bucket: func(t time.Time) string { return t.Format("2006-01-02") }},
		{count: p.Weekly, name: "weekly", bucket: func(t time.Time) string {
			y, w := t.ISOWeek()
			return fmt.Sprintf("%04d-W%02d", y, w)
		}},
		{count: p.Monthly, name: "monthly", bucket: func(t time.Time) string { return t.Format("2006-01") }},
	}
	var decided []Decision
	for i, m := range ok {
		d := Decision{ID: m.ID, Taken: m.Times.StopRequested}
		if m == newest {
			d.Keep, d.Reasons = true, append(d.Reasons, ReasonNewest)
		}
		t := m.Times.StopRequested.UTC()
		for _, r := range rules {
			if r.count <= 0 {
				continue
			}
			if r.bucket == nil {
				d.Keep, d.Reasons = true, append(d.Reasons, fmt.Sprintf("--keep-last %d: #%d newest", p.Last, i+1))
				r.count--
				continue
			}
			if b := r.bucket(t); b != r.last {
				r.last = b
				r.count--
				d.Keep, d.Reasons = true, append(d.Reasons, fmt.Sprintf("--keep-%s: the newest of %s", r.name, b))
			}
		}
		switch {
		case d.Keep:
		case p.Empty():
			d.Keep, d.Reasons = true, []string{ReasonNoPolicy}
		default:
			d.Reasons = []string{ReasonNoRule}
		}
		decided = append(decided, d)
	}
	return append(decided, out...)
}

// Incomplete is a backup folder without a manifest: what a failed or killed backup, copy or
// delete left.
type Incomplete struct {
	ID      string
	Objects int
	Bytes   int64
	Newest  time.Time // the newest ModTime of its objects
	// Owner is the unfinished operation whose folder it is ("" when none): its run may still
	// be writing it, and 'recover' removes it.
	Owner string
}

// IncompleteFolders lists the backup folders without a manifest, by id. A folder that the
// lock's operation records as its own has Owner set.
func (r *Repo) IncompleteFolders(ctx context.Context) ([]Incomplete, error) {
	infos, err := r.s.List(ctx, folderPrefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.Location(), err)
	}
	byFolder := map[string]*Incomplete{}
	complete := map[string]bool{}
	var order []string
	for _, in := range infos {
		folder, name, ok := strings.Cut(in.Key, "/")
		if !ok || !strings.HasPrefix(folder, folderPrefix) {
			continue
		}
		if name == manifestName {
			complete[folder] = true
			continue
		}
		f := byFolder[folder]
		if f == nil {
			f = &Incomplete{ID: strings.TrimPrefix(folder, folderPrefix)}
			byFolder[folder] = f
			order = append(order, folder)
		}
		f.Objects++
		f.Bytes += in.Size
		if in.ModTime.After(f.Newest) {
			f.Newest = in.ModTime
		}
	}
	var owner *Operation
	if l, err := r.ReadLock(ctx); err == nil && l != nil {
		owner = l.Operation
	}
	var out []Incomplete
	for _, folder := range order {
		if complete[folder] {
			continue
		}
		f := *byFolder[folder]
		if owner != nil && (owner.Folder == folder || owner.ID == f.ID) {
			f.Owner = fmt.Sprintf("the unfinished %s of backup %s", shown(owner.Kind), shown(owner.ID))
		}
		out = append(out, f)
	}
	return out, nil
}
