package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// journalWriter appends entries to a partition's segments as Zeebe's SegmentWriter does: data
// first, then the metadata, then a zero frame byte after the entry, and the entry's frame byte
// last. Segments are preallocated to the segment size. As in SegmentsManager (8.2+), the next
// segment is prepared ahead as an all-zero file only when the writer rolls over, never at
// startup; one left from before a stop is deleted by the startup check (§2.5 step 7). It keeps where every entry of the journal is, so that a leader can
// serve its entries to followers and both can tell the term at an index.
type journalWriter struct {
	l       zeebe.Layout
	dir     string
	name    string
	segSize int64

	f        *os.File
	fileID   int64
	segID    int64
	first    uint64 // first index of the current segment
	end      int64  // where the next entry goes
	lastIdx  uint64 // last index written (0 when none)
	lastPos  uint32 // offset of the last entry of the current segment
	next     uint64 // index of the next entry
	flushed  uint64 // last flushed index, zeebe.NullIndex when none
	segments []segmentRef
	locs     []entryLoc // the entries from index locBase on
	locBase  uint64
}

type segmentRef struct {
	fileID int64
	first  uint64
}

// entryLoc is where one entry is, and its term.
type entryLoc struct {
	fileID int64
	offset int64
	size   int64
	term   uint64
}

func (w *journalWriter) path(fileID int64) string {
	return filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", w.name, fileID))
}

// openJournal continues the journal as read (and repaired) at startup; locs are its entries as
// replay found them. An empty journal starts at index start: 1, or after the snapshot when the
// log was compacted away (§2.5 step 6).
func openJournal(l zeebe.Layout, dir, name string, segSize int64, j *zeebe.Journal, flushed, start uint64, locs []entryLoc) (*journalWriter, error) {
	w := &journalWriter{l: l, dir: dir, name: name, segSize: segSize, flushed: flushed}
	var current *zeebe.Segment
	for i := range j.Segments {
		s := &j.Segments[i]
		if s.Prepared || s.DescriptorErr != nil || s.LastIndex < s.FirstIndex && len(j.Entries) == 0 {
			continue
		}
		current = s
		w.segments = append(w.segments, segmentRef{s.FileID, s.FirstIndex})
	}
	if current == nil {
		for _, s := range j.Segments {
			os.Remove(s.Path)
		}
		w.segments = nil
		w.locBase, w.lastIdx = start, start-1
		return w, w.create(1, 1, start)
	}
	f, err := os.OpenFile(current.Path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	w.f, w.fileID, w.segID = f, current.FileID, current.Descriptor.ID
	w.first, w.end = current.FirstIndex, int64(current.End)
	w.next = current.LastIndex + 1
	if current.LastIndex >= current.FirstIndex {
		w.lastIdx = current.LastIndex
		w.lastPos = uint32(current.LastOffset)
	} else if current.FirstIndex > 1 {
		w.lastIdx = current.FirstIndex - 1
	}
	w.locs, w.locBase = locs, w.next-uint64(len(locs))
	return w, nil
}

// create starts a new segment file with a descriptor: the first one, or the next one on a roll,
// which may have been prepared already.
func (w *journalWriter) create(fileID, segID int64, index uint64) error {
	f, err := os.OpenFile(w.path(fileID), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := preallocate(f, w.segSize); err != nil {
		f.Close()
		return err
	}
	d := EncodeDescriptor(w.l, segID, int64(index), int32(w.segSize), 0, 0)
	if _, err := f.WriteAt(d, 0); err != nil {
		f.Close()
		return err
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.fileID, w.segID, w.first, w.end, w.next = f, fileID, segID, index, int64(len(d)), index
	w.lastPos = 0
	w.segments = append(w.segments, segmentRef{fileID, index})
	return nil
}

// prepare makes the all-zero file the next segment will use, as 8.2+ does ahead of time on a
// roll (getNextSegment → prepareNextSegment).
func (w *journalWriter) prepare(fileID int64) error {
	p := w.path(fileID)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	return preallocate(f, w.segSize)
}

// preallocate reserves the segment's full size; the blocks read as zeros, like the zero-filled
// segments of 8.1+ and the posix_fallocate of newer releases.
func preallocate(f *os.File, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	if errors.Is(err, unix.EOPNOTSUPP) {
		return f.Truncate(size)
	}
	return err
}

// append frames one entry of the given term at the next index and writes it.
func (w *journalWriter) append(asqn int64, payload []byte, term uint64) (uint64, error) {
	return w.appendRaw(EncodeEntry(w.l, w.next, asqn, payload), term)
}

// appendRaw writes one framed entry, as EncodeEntry made it, whose index is the next one: a
// leader's own entry, or a follower's copy of the leader's bytes. It returns the index.
func (w *journalWriter) appendRaw(entry []byte, term uint64) (uint64, error) {
	if w.f == nil {
		return 0, errors.New("the journal is closed")
	}
	e := append([]byte(nil), entry...)
	if int64(len(e))+int64(w.l.DescriptorLength())+1 > w.segSize {
		return 0, fmt.Errorf("an entry of %d bytes does not fit in segments of %d bytes: raise logSegmentSize or lower the record size", len(e), w.segSize)
	}
	if w.end+int64(len(e))+1 > w.segSize {
		if err := w.roll(); err != nil {
			return 0, err
		}
	}
	index := w.next
	e[0] = 0
	if _, err := w.f.WriteAt(e, w.end); err != nil {
		return 0, err
	}
	if next := w.end + int64(len(e)); next < w.segSize {
		if _, err := w.f.WriteAt([]byte{0}, next); err != nil {
			return 0, err
		}
	}
	if _, err := w.f.WriteAt([]byte{1}, w.end); err != nil {
		return 0, err
	}
	w.locs = append(w.locs, entryLoc{fileID: w.fileID, offset: w.end, size: int64(len(e)), term: term})
	w.lastPos = uint32(w.end)
	w.end += int64(len(e))
	w.lastIdx = index
	w.next = index + 1
	return index, nil
}

// roll finishes the current segment, continues in the next one (prepared ahead, unless this is
// the first roll since the start) and prepares the one after it.
func (w *journalWriter) roll() error {
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.create(w.fileID+1, w.segID+1, w.next); err != nil {
		return err
	}
	return w.prepare(w.fileID + 1)
}

// flush syncs the current segment and rewrites its descriptor's lastIndex/lastPosition hint.
func (w *journalWriter) flush() error {
	if w.lastIdx == 0 || w.flushed != zeebe.NullIndex && w.flushed == w.lastIdx {
		return nil // nothing new since the last flush
	}
	if w.lastIdx >= w.first {
		d := EncodeDescriptor(w.l, w.segID, int64(w.first), int32(w.segSize), w.lastIdx, w.lastPos)
		if _, err := w.f.WriteAt(d, 0); err != nil {
			return err
		}
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	if w.lastIdx != 0 {
		w.flushed = w.lastIdx
	}
	return nil
}

// compact deletes whole segments below index, as Zeebe does after a snapshot: a segment goes
// when the next one starts at or below index.
func (w *journalWriter) compact(index uint64) error {
	for len(w.segments) > 1 && w.segments[1].first <= index {
		if err := os.Remove(w.path(w.segments[0].fileID)); err != nil {
			return err
		}
		w.segments = w.segments[1:]
	}
	n := 0
	for n < len(w.locs) && w.locs[n].fileID < w.segments[0].fileID {
		n++
	}
	if n > 0 {
		w.locs = append([]entryLoc(nil), w.locs[n:]...)
		w.locBase += uint64(n)
	}
	return nil
}

func (w *journalWriter) close() error {
	if w.f == nil {
		return nil
	}
	err := w.flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}
