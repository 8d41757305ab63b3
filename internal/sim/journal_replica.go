package sim

import (
	"errors"
	"fmt"
	"os"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// What replication needs of a journal beyond appending: the term at an index, the bytes of a
// range of entries, and the truncation of a divergent tail.

// firstIndex is the first index the journal still holds; the next index when it holds none.
func (w *journalWriter) firstIndex() uint64 {
	if len(w.locs) == 0 {
		return w.next
	}
	return w.locBase
}

// loc returns where the entry with the given index is.
func (w *journalWriter) loc(index uint64) (entryLoc, bool) {
	if index < w.locBase || index-w.locBase >= uint64(len(w.locs)) {
		return entryLoc{}, false
	}
	return w.locs[index-w.locBase], true
}

// read returns the framed entries from index from on, at most max of them and, beyond the
// first, at most about maxBytes: the bytes as they are in the segments.
func (w *journalWriter) read(from uint64, max int, maxBytes int64) ([]byte, error) {
	if w.f == nil {
		return nil, errors.New("the journal is closed")
	}
	var picked []entryLoc
	var total int64
	for i := range max {
		l, ok := w.loc(from + uint64(i))
		if !ok || i > 0 && total+l.size > maxBytes {
			break
		}
		picked = append(picked, l)
		total += l.size
	}
	out := make([]byte, 0, total)
	for len(picked) > 0 {
		// Entries that follow each other in one file are one read.
		n := 1
		for n < len(picked) && picked[n].fileID == picked[0].fileID && picked[n].offset == picked[n-1].offset+picked[n-1].size {
			n++
		}
		last := picked[n-1]
		buf := make([]byte, last.offset+last.size-picked[0].offset)
		if err := w.readAt(picked[0].fileID, buf, picked[0].offset); err != nil {
			return nil, err
		}
		out = append(out, buf...)
		picked = picked[n:]
	}
	return out, nil
}

func (w *journalWriter) readAt(fileID int64, buf []byte, off int64) error {
	f := w.f
	if fileID != w.fileID {
		var err error
		if f, err = os.Open(w.path(fileID)); err != nil {
			return err
		}
		defer f.Close()
	}
	_, err := f.ReadAt(buf, off)
	return err
}

// cut removes every entry after index keep as Zeebe's journal does (deleteAfter): the frame byte
// of the first entry removed is zeroed, the segment's descriptor hint rewritten, and the later
// segment files deleted. The writer is closed; the caller reopens the journal.
func (w *journalWriter) cut(keep uint64) error {
	at, ok := w.loc(keep + 1)
	if !ok {
		return fmt.Errorf("cannot truncate after index %d: the journal holds %d to %d", keep, w.firstIndex(), w.lastIdx)
	}
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	f, err := os.OpenFile(w.path(at.fileID), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	head := make([]byte, 64)
	if _, err := f.ReadAt(head, 0); err != nil {
		f.Close()
		return err
	}
	_, err = f.WriteAt([]byte{0}, at.offset)
	if d, derr := zeebe.ParseDescriptor(head); err == nil && derr == nil {
		var lastIdx uint64
		var lastPos uint32
		if prev, ok := w.loc(keep); ok && prev.fileID == at.fileID {
			lastIdx, lastPos = keep, uint32(prev.offset)
		}
		if nd := EncodeDescriptor(w.l, d.ID, d.Index, d.MaxSegmentSize, lastIdx, lastPos); len(nd) == d.Length {
			_, err = f.WriteAt(nd, 0)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	files, err := zeebe.ListSegments(w.dir, w.name)
	if err != nil {
		return err
	}
	for _, s := range files {
		if s.FileID > at.fileID {
			if err := os.Remove(s.Path); err != nil {
				return err
			}
		}
	}
	return syncDir(w.dir)
}
