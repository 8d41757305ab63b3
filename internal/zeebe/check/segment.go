package check

import (
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// segScan is what streaming one segment file found (§2.2, §2.3). Only its entries' references
// are kept, never its bytes.
type segScan struct {
	size     int64 // declared file size
	received int64
	desc     zeebe.Descriptor
	descErr  error
	prepared bool
	limit    int64 // entries end before the file's end: Zeebe maps the whole file (§2.6)

	next       uint64 // index the next entry must carry
	end        int64  // where the next entry would go: the end-of-data marker or the torn entry
	lastOffset int64
	entries    []zeebe.EntryRef

	// torn is the entry that ended the scan before the end of data; tornGap tells that it is
	// intact but carries the wrong index (Zeebe fails with InvalidIndex whatever was flushed).
	torn    *zeebe.EntryError
	tornGap bool

	// Entries that are intact but whose payload our parser could not read (§2.4 is derived).
	payloadErrs   int
	payloadOffset int64
	payloadReason string

	// asqn over the entries that carry one: first and last, and the first decrease.
	hasASQN               bool
	firstASQN, lastASQN   int64
	firstASQNOffset       int64
	asqnBad               int64 // offset of the first decrease, -1 when none
	asqnBadWas, asqnBadIs int64

	version      zeebe.Version
	versionFound bool
}

// maxHintedEntries caps the entry list a descriptor's hint reserves ahead (10 MB), so that a
// hostile hint cannot reserve much more than the entries that are there.
const maxHintedEntries = 1 << 18

func newSegScan(size int64) *segScan { return &segScan{size: size, asqnBad: -1} }

const (
	phaseHeader = iota
	phaseEntries
	phaseRest // after the end of data, a torn entry or an unusable descriptor: bytes are counted
)

// segWriter streams a segment file into a segScan. It holds at most one entry's bytes (in
// carry) beyond the descriptor; complete entries are checked where they arrive.
type segWriter struct {
	c     *Checker
	s     *segScan
	phase int
	hdr   []byte // descriptor bytes
	pos   int64  // file offset of carry[0] or of the next byte to scan
	carry []byte // an entry split across writes
	need  int    // bytes carry must hold before scanning again
}

func (c *Checker) newSegWriter(s *segScan) *segWriter {
	w := &segWriter{c: c, s: s, carry: c.spare[:0]}
	c.spare = nil
	return w
}

func (w *segWriter) Write(p []byte) (int, error) {
	n := len(p)
	if rest := w.s.size - w.s.received; int64(len(p)) > rest {
		p = p[:max(rest, 0)] // more than declared: ignored
	}
	w.s.received += int64(len(p))
	if w.phase == phaseHeader {
		p = w.header(p)
	}
	if w.phase == phaseEntries && w.pos < w.s.limit {
		if room := w.s.limit - w.pos - int64(len(w.carry)); int64(len(p)) > room {
			p = p[:max(room, 0)]
		}
		w.entries(p)
	}
	return n, nil
}

// descriptorNeed is how many bytes the descriptor takes, as far as hdr tells: 25 bytes hold its
// block length, and the header ends 25+blockLength bytes in (§2.2).
func descriptorNeed(hdr []byte) int {
	const blockAt = 17
	if len(hdr) < blockAt+zeebe.HeaderLength {
		return blockAt + zeebe.HeaderLength
	}
	return blockAt + zeebe.HeaderLength + int(le.Uint16(hdr[blockAt:]))
}

// header collects the descriptor and returns the rest of p.
func (w *segWriter) header(p []byte) []byte {
	for len(p) > 0 {
		if len(w.hdr) > 0 && w.hdr[0] == 0 {
			break // all-zero header: no need to read more
		}
		need := descriptorNeed(w.hdr)
		if len(w.hdr) >= need {
			break
		}
		k := min(need-len(w.hdr), len(p))
		w.hdr = append(w.hdr, p[:k]...)
		p = p[k:]
	}
	if len(w.hdr) > 0 && w.hdr[0] == 0 || len(w.hdr) >= descriptorNeed(w.hdr) {
		w.parseHeader()
	}
	return p
}

func (w *segWriter) parseHeader() {
	s := w.s
	s.desc, s.descErr = zeebe.ParseDescriptor(w.hdr)
	w.hdr = nil
	switch {
	case errors.Is(s.descErr, zeebe.ErrUninitialized):
		s.prepared, s.descErr = true, nil
		w.phase = phaseRest
	case s.descErr != nil:
		w.phase = phaseRest
	default:
		w.phase = phaseEntries
		s.limit = s.size // Zeebe maps the whole file, also when it is larger than maxSegmentSize (§2.6)
		s.next = uint64(s.desc.Index)
		w.pos, s.end = int64(s.desc.Length), int64(s.desc.Length)
		// The descriptor's lastIndex hint (schema 2, updated on flush) sizes the entry list,
		// bounded by how many entries the segment can hold and by maxHintedEntries.
		if h := s.desc.LastIndex; h >= s.next {
			n := min(h-s.next+1, uint64(s.limit-w.pos)/minEntrySize, maxHintedEntries)
			s.entries = make([]zeebe.EntryRef, 0, n)
		}
	}
}

// entries scans p, which continues the file at w.pos+len(w.carry).
func (w *segWriter) entries(p []byte) {
	for len(p) > 0 && w.phase == phaseEntries {
		if len(w.carry) == 0 {
			k, need := w.scan(p)
			w.pos += int64(k)
			p = p[k:]
			if w.phase != phaseEntries || len(p) == 0 {
				return
			}
			w.carry, w.need = append(w.carry, p...), need
			return
		}
		k := min(w.need-len(w.carry), len(p))
		w.carry = append(w.carry, p[:k]...)
		p = p[k:]
		if len(w.carry) < w.need {
			return
		}
		consumed, need := w.scan(w.carry)
		w.pos += int64(consumed)
		w.carry = append(w.carry[:0], w.carry[consumed:]...)
		w.need = need
	}
}

// scan walks the entries at the start of b (file offset w.pos) and stops at the end of data,
// at a torn entry, or where an entry needs more bytes than b holds; then it returns the bytes
// consumed and how many b must hold from there.
func (w *segWriter) scan(b []byte) (consumed int, need int) {
	s := w.s
	for q := 0; ; {
		pos := w.pos + int64(q)
		room := s.limit - pos
		// End of data (§2.3): the capacity reached, a frame byte 0, or too few bytes left
		// for an entry's metadata.
		if room < 1 || q < len(b) && b[q] == 0 || room-1 < minEntryHead-1 {
			w.phase, s.end = phaseRest, pos
			return len(b), 0
		}
		if len(b)-q < minEntryHead {
			return q, minEntryHead
		}
		size, bad := entryExtent(b[q:], room)
		if bad {
			w.phase, s.end = phaseRest, pos
			_, err := zeebe.ScanEntries(b[q:], zeebe.Descriptor{}, s.next)
			w.tear(pos, err, false)
			return len(b), 0
		}
		if int64(len(b)-q) < size {
			return q, int(size)
		}
		e := b[q : q+int(size)]
		if ref, v, app, ok := fastEntry(e, s.next); ok {
			s.add(ref, pos)
			if app && v != (zeebe.Version{}) {
				s.noteVersion(v)
			}
		} else if !w.slow(e, pos) {
			return len(b), 0
		}
		q += int(size)
	}
}

// slow hands an entry the fast path did not accept to zeebe.ScanEntries, which decides. It
// returns false when the entry ends the scan (torn, corrupt, or out of place).
func (w *segWriter) slow(e []byte, pos int64) bool {
	s := w.s
	entries, err := zeebe.ScanEntries(e, zeebe.Descriptor{}, s.next)
	if err == nil && len(entries) == 1 && entries[0].PayloadErr != nil {
		err = entries[0].PayloadErr // intact entry, unreadable records: see rawEntry below
	} else if err == nil && len(entries) == 1 {
		x := &entries[0]
		s.add(zeebe.EntryRef{Index: x.Index, Term: x.Term, ASQN: x.ASQN, HighestPosition: x.HighestPosition, Checksum: x.Checksum}, pos)
		if x.Type == zeebe.EntryApplication && x.BrokerVersion != (zeebe.Version{}) {
			s.noteVersion(x.BrokerVersion)
		}
		return true
	}
	ref, intact := rawEntry(e)
	if intact && ref.Index == s.next {
		// The journal accepts it; only our reading of the records failed.
		if s.payloadErrs == 0 {
			s.payloadOffset, s.payloadReason = pos, reason(err)
		}
		s.payloadErrs++
		s.add(ref, pos)
		return true
	}
	w.phase, s.end = phaseRest, pos
	w.tear(pos, err, intact)
	return false
}

func reason(err error) string {
	var ee *zeebe.EntryError
	if errors.As(err, &ee) {
		return ee.Reason
	}
	if err != nil {
		return err.Error()
	}
	return "not a journal entry"
}

// tear records the entry that ended the scan.
func (w *segWriter) tear(at int64, err error, outOfPlace bool) {
	w.s.torn = &zeebe.EntryError{Offset: int(at), Reason: reason(err)}
	w.s.tornGap = outOfPlace
	if outOfPlace {
		w.s.torn.Reason = fmt.Sprintf("entry index is not %d, the next one", w.s.next)
	}
}

func (s *segScan) add(e zeebe.EntryRef, off int64) {
	s.entries = append(s.entries, e)
	s.next = e.Index + 1
	s.lastOffset = off
	if e.ASQN == -1 {
		return
	}
	if !s.hasASQN {
		s.hasASQN, s.firstASQN, s.firstASQNOffset = true, e.ASQN, off
	} else if e.ASQN <= s.lastASQN && s.asqnBad < 0 {
		s.asqnBad, s.asqnBadWas, s.asqnBadIs = off, s.lastASQN, e.ASQN
	}
	s.lastASQN = e.ASQN
}

func (s *segScan) noteVersion(v zeebe.Version) {
	if !s.versionFound || v.AtLeast(s.version.Major, s.version.Minor, s.version.Patch) {
		s.version, s.versionFound = v, true
	}
}

// Close finishes the scan: a file shorter than declared ends inside its last entry.
func (w *segWriter) Close() error {
	s := w.s
	if w.phase == phaseHeader {
		w.parseHeader()
	}
	if w.phase == phaseEntries && len(w.carry) > 0 {
		// The stream ended inside an entry (the file was shorter than declared).
		w.phase = phaseRest
		s.end = w.pos
		w.s.torn = &zeebe.EntryError{Offset: int(w.pos), Reason: fmt.Sprintf("the file ends inside this entry (%d of %d bytes received)", s.received, s.size)}
	}
	if cap(w.carry) > cap(w.c.spare) {
		w.c.spare = w.carry[:0]
	}
	w.carry = nil
	return nil
}
