package check

import (
	"fmt"
	"slices"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// journalState is what the journal checks leave for the later ones.
type journalState struct {
	// last is the journal's last index as Zeebe sees it: the last entry of the valid segments,
	// or the index before the first segment's first one when they hold none (0: no segment).
	last uint64
	// damaged is set when an error-level journal finding explains missing entries, so that
	// checks against the journal's end do not report the same damage again.
	damaged bool
}

// journalIDs are the checks whose errors make the journal damaged.
var journalIDs = []string{"journal.checksum", "journal.gap", "journal.descriptor", "journal.prepared", "journal.startup"}

// journal checks a partition's segments in file id order (§2.2-§2.6, verifier fact 3), given
// the flushed index from .meta (known false when .meta is absent or unreadable).
func (a *analysis) journal(p *partData, flushed uint64, known bool) {
	pr := p.report
	n := len(p.segments)
	wasFlushed := func(upTo uint64) bool { return known && flushed != zeebe.NullIndex && flushed > upTo }
	var (
		last        uint64 // last index of the chain so far
		haveLast    bool
		broken      bool // the previous segment ended in damage already reported
		prevID      int64
		prevASQN    int64
		hasPrevASQN bool
		zsegs       []zeebe.Segment
	)
	total := 0
	for _, r := range p.segments {
		total += len(r.seg.entries)
	}
	// keep is how many segments Zeebe keeps at startup: it deletes a segment it cannot load and
	// every later one when no flushed entry depends on them (§2.5 step 4). Deleted segments are
	// listed, not checked, and not given to zeebe.Journal.Check.
	keep := n
	for i, r := range p.segments {
		s := r.seg
		isLast := i == n-1
		lastSegment := isLast || i == n-2 && p.segments[n-1].seg.prepared
		sr := SegmentReport{File: r.path, FileID: r.loc.fileID, Size: s.size, Prepared: s.prepared}
		if i >= keep {
			pr.Segments = append(pr.Segments, sr)
			continue
		}
		zsegs = append(zsegs, zeebeSegment(r))
		if s.prepared && isLast {
			pr.Segments = append(pr.Segments, sr)
			continue
		}
		if s.prepared || s.descErr != nil {
			pr.Segments = append(pr.Segments, sr)
			id, why := "journal.descriptor", fmt.Sprintf("unreadable segment descriptor (%v)", s.descErr)
			if s.prepared {
				id, why = "journal.prepared", "the segment's header is all zeros (prepared, never used) but it is not the segment with the highest file id"
			}
			if wasFlushed(last) {
				a.fs.add(Error, id, p.id, r.path,
					"%s, and .meta says entries up to index %d were flushed, which this segment or a later one must hold: Zeebe refuses the journal (§2.5)", why, flushed)
				broken = true
				continue
			}
			lost := lostEntries(p.segments[i+1:], 0)
			if s.descErr != nil {
				lost = "its own entries (unreadable) and " + lost
			}
			a.fs.add(Warning, id, p.id, r.path,
				"%s; no flushed entry is in it or after it, so Zeebe deletes it and the %d segment(s) after it at startup, losing %s, which were never flushed (§2.5, §2.6)", why, n-1-i, lost)
			keep, zsegs = i, zsegs[:len(zsegs)-1]
			continue
		}
		sr.FirstIndex, sr.LastIndex = uint64(s.desc.Index), s.next-1
		if prevID != 0 && s.desc.ID <= prevID {
			a.fs.add(Warning, "journal.segment-id", p.id, r.path,
				"descriptor id %d does not increase over the previous segment's %d (§2.6)", s.desc.ID, prevID)
		}
		prevID = s.desc.ID
		if haveLast && uint64(s.desc.Index) != last+1 && !broken {
			a.fs.add(Error, "journal.gap", p.id, r.path,
				"the segment starts at index %d, but the previous one ends at %d: a gap in the log, Zeebe refuses the journal (§2.5)", s.desc.Index, last)
		}
		broken = false
		if s.torn != nil {
			at := int64(s.torn.Offset)
			sr.TornAt = &at
			switch {
			case s.tornGap:
				a.fs.addAt(Error, "journal.gap", p.id, r.path, at,
					"%s: Zeebe fails with InvalidIndex (§2.5)", s.torn.Reason)
				broken = true
			case lastSegment && !wasFlushed(s.next-1) && !known:
				a.fs.addAt(Warning, "journal.flushed", p.id, r.path, at,
					"torn entry at index %d (%s) at the end of the last segment; .meta is missing or unreadable, so whether it was flushed cannot be told; Zeebe cuts the log here (§2.5)", s.next, s.torn.Reason)
			case lastSegment && !wasFlushed(s.next-1):
				a.fs.addAt(Info, "journal.torn-tail", p.id, r.path, at,
					"torn entry at index %d (%s) after the flushed index %s: a partial write, Zeebe cuts the log here (§2.5)", s.next, s.torn.Reason, indexString(flushed))
			case nextIndex(p.segments[i+1:]) == s.next:
				a.fs.addAt(Info, "journal.torn-tail", p.id, r.path, at,
					"bytes after the segment's last entry (index %d) that are not an entry (%s); the next segment goes on at index %d, so Zeebe ends this segment here and loses nothing (§2.5)", s.next-1, s.torn.Reason, s.next)
				zsegs[len(zsegs)-1].Torn = nil
			case !wasFlushed(s.next - 1):
				a.fs.addAt(Warning, "journal.checksum", p.id, r.path, at,
					"corrupt entry at index %d (%s) in a segment that is not the last; no flushed entry is at or after it, so Zeebe ends the segment here and deletes the %d later segment(s) at startup, losing %s, which were never flushed (§2.5)",
					s.next, s.torn.Reason, n-1-i, lostEntries(p.segments[i+1:], s.next))
				keep = i + 1
			default:
				why := fmt.Sprintf(".meta says entries up to index %d were flushed", flushed)
				a.fs.addAt(Error, "journal.checksum", p.id, r.path, at,
					"corrupt entry at index %d (%s), and %s: Zeebe refuses the journal; the entries from here on are lost (§2.3, §2.5)", s.next, s.torn.Reason, why)
				broken = true
			}
		}
		if s.asqnBad >= 0 {
			a.fs.addAt(Error, "journal.asqn", p.id, r.path, s.asqnBad,
				"entry asqn %d does not increase over the previous %d (§2.3)", s.asqnBadIs, s.asqnBadWas)
		}
		if s.hasASQN && hasPrevASQN && s.firstASQN <= prevASQN && s.asqnBad < 0 {
			a.fs.addAt(Error, "journal.asqn", p.id, r.path, s.firstASQNOffset,
				"the segment's first asqn %d does not increase over the previous segment's last %d (§2.3)", s.firstASQN, prevASQN)
		}
		if s.hasASQN {
			prevASQN, hasPrevASQN = s.lastASQN, true
		}
		if s.payloadErrs > 0 {
			a.fs.addAt(Warning, "journal.payload", p.id, r.path, s.payloadOffset,
				"%d entries are intact (checksum fine) but their records could not be read (%s); the record layout is derived, not verified (§2.4), so this is not corruption of the journal", s.payloadErrs, s.payloadReason)
		}
		pr.Segments = append(pr.Segments, sr)
		a.appendEntries(pr, s.entries, total)
		last, haveLast = s.next-1, true
	}
	p.journal.last = last
	a.finishJournal(p, zsegs, flushed, known)
}

// appendEntries adds a segment's entries to the partition's, keeping index order; total is
// how many all segments hold. The only segment's list is adopted, not copied.
func (a *analysis) appendEntries(pr *PartitionReport, es []zeebe.EntryRef, total int) {
	for len(es) > 0 && len(pr.Entries) > 0 && es[0].Index <= pr.Entries[len(pr.Entries)-1].Index {
		es = es[1:]
	}
	switch {
	case len(es) == 0:
	case pr.Entries == nil && len(es) == total:
		pr.Entries = es[:len(es):len(es)]
	case pr.Entries == nil:
		pr.Entries = append(make([]zeebe.EntryRef, 0, total), es...)
	default:
		pr.Entries = append(pr.Entries, es...)
	}
}

// finishJournal fills the partition's index summary and asks zeebe.Journal.Check, Zeebe's own
// startup rules, for a verdict: an error it finds that no check above reported is reported as
// journal.startup, so that nothing Zeebe refuses passes.
func (a *analysis) finishJournal(p *partData, zsegs []zeebe.Segment, flushed uint64, known bool) {
	pr := p.report
	if n := len(pr.Entries); n > 0 {
		first, lastEntry := pr.Entries[0], pr.Entries[n-1]
		pr.FirstIndex, pr.LastIndex, pr.LastTerm = first.Index, lastEntry.Index, lastEntry.Term
		for i := n - 1; i >= 0; i-- {
			if e := pr.Entries[i]; e.ASQN != -1 {
				pr.LastPosition = e.HighestPosition
				break
			}
		}
	}
	p.journal.damaged = a.fs.has(p.id, Error, journalIDs...)
	if !known {
		flushed = zeebe.NullIndex
	}
	j := &zeebe.Journal{Name: pr.Journal, Segments: zsegs}
	if _, err := j.Check(flushed); err != nil && !p.journal.damaged {
		if _, ok := err.(*zeebe.FlushedIndexError); ok {
			return // reported by meta.flushed-index
		}
		file := p.dir
		if ce, ok := err.(*zeebe.CorruptionError); ok {
			file = ce.File
			// Zeebe fails on the all-zero segment prepared ahead when .meta says entries were
			// flushed beyond the segments before it (§2.5 steps 4 and 7): the flushed index
			// beyond the journal's end, which meta.flushed-index reports.
			if i := slices.IndexFunc(zsegs, func(s zeebe.Segment) bool { return s.Path == ce.File }); i >= 0 &&
				zsegs[i].Prepared && flushed != zeebe.NullIndex && flushed > p.journal.last {
				return
			}
		}
		a.fs.add(Error, "journal.startup", p.id, file, "Zeebe refuses the journal at startup: %v (§2.5)", err)
		p.journal.damaged = true
	}
}

// zeebeSegment is a scanned segment as zeebe.Journal.Check takes it.
func zeebeSegment(r *fileRec) zeebe.Segment {
	s := r.seg
	z := zeebe.Segment{
		SegmentFile:   zeebe.SegmentFile{Path: r.path, FileID: r.loc.fileID},
		Size:          s.size,
		Descriptor:    s.desc,
		DescriptorErr: s.descErr,
		Prepared:      s.prepared,
	}
	if s.descErr == nil && !s.prepared {
		z.FirstIndex, z.LastIndex = uint64(s.desc.Index), s.next-1
		z.End, z.LastOffset = int(s.end), int(s.lastOffset)
		if s.torn != nil && !s.tornGap {
			z.Torn = s.torn
		}
	}
	return z
}

// nextIndex is the first index of the first of the segments that has a readable descriptor and
// is not prepared; 0 when none has.
func nextIndex(rest []*fileRec) uint64 {
	for _, r := range rest {
		if s := r.seg; !s.prepared && s.descErr == nil {
			return uint64(s.desc.Index)
		}
	}
	return 0
}

// lostEntries names the entries Zeebe deletes with the segments rest: from index from (0 when
// only the later segments' entries count) to the last readable entry of rest.
func lostEntries(rest []*fileRec, from uint64) string {
	lo, hi := from, uint64(0)
	for _, r := range rest {
		s := r.seg
		if s.prepared || s.descErr != nil || s.next <= uint64(s.desc.Index) {
			continue
		}
		if lo == 0 {
			lo = uint64(s.desc.Index)
		}
		hi = max(hi, s.next-1)
	}
	switch {
	case hi == 0 && from == 0:
		return "no readable entry of the later segments"
	case hi == 0:
		return fmt.Sprintf("the entries from index %d on in this segment", from)
	}
	return fmt.Sprintf("entries %d to %d", lo, hi)
}

func indexString(i uint64) string {
	if i == zeebe.NullIndex {
		return "null (nothing flushed)"
	}
	return fmt.Sprint(i)
}
