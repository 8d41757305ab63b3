package zeebe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Segment is what reading one segment file found.
type Segment struct {
	SegmentFile
	Size       int64
	Descriptor Descriptor
	// DescriptorErr is set when the descriptor could not be read; Prepared when it is all
	// zeros (a segment prepared ahead and never used).
	DescriptorErr error
	Prepared      bool
	// FirstIndex..LastIndex are the entries read; LastIndex is FirstIndex-1 when there are none.
	FirstIndex, LastIndex uint64
	// End is the offset where the next entry would go: the end-of-data marker or the torn entry.
	End int
	// LastOffset is the offset of the last entry read (0 when none).
	LastOffset int
	// Torn is set when scanning ended at an entry that is torn or corrupt.
	Torn *EntryError
	// InvalidIndex is set when scanning ended at an intact entry with the wrong index, which
	// Zeebe refuses to start on (§2.5 step 5).
	InvalidIndex *InvalidIndexError
}

// EntryRef is what the checks need of one entry.
type EntryRef struct {
	Index           uint64
	Term            uint64
	ASQN            int64
	HighestPosition int64
	Checksum        uint32
}

// Journal is a partition's journal as read from its segment files.
type Journal struct {
	Name     string
	Segments []Segment
	Entries  []EntryRef // in index order, across the segments that continue each other
	// BrokerVersion is the highest broker version found in the records.
	BrokerVersion Version
}

// ReadJournal reads and scans every segment of a partition folder. It checks each segment on its
// own; Check applies Zeebe's rules across them.
func ReadJournal(dir, name string) (*Journal, error) {
	files, err := ListSegments(dir, name)
	if err != nil {
		return nil, err
	}
	j := &Journal{Name: name}
	next := uint64(0) // the index the next segment should start at; 0 = unknown yet
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, err
		}
		s := Segment{SegmentFile: f, Size: int64(len(b))}
		s.Descriptor, s.DescriptorErr = ParseDescriptor(b)
		if errors.Is(s.DescriptorErr, ErrUninitialized) {
			s.Prepared, s.DescriptorErr = true, nil
		}
		if s.DescriptorErr == nil && !s.Prepared {
			s.FirstIndex = uint64(s.Descriptor.Index)
			entries, scanErr := ScanEntries(b, s.Descriptor, s.FirstIndex)
			s.LastIndex = s.FirstIndex + uint64(len(entries)) - 1
			s.End = s.Descriptor.Length
			if n := len(entries); n > 0 {
				s.End = entries[n-1].Offset + entries[n-1].Size
				s.LastOffset = entries[n-1].Offset
			}
			switch e := scanErr.(type) {
			case *EntryError:
				s.Torn, s.End = e, e.Offset
			case *InvalidIndexError:
				s.InvalidIndex, s.End = e, e.Offset
			}
			if next == 0 || s.FirstIndex == next {
				for _, e := range entries {
					j.Entries = append(j.Entries, EntryRef{e.Index, e.Term, e.ASQN, e.HighestPosition, e.Checksum})
					if e.BrokerVersion.AtLeast(j.BrokerVersion.Major, j.BrokerVersion.Minor, j.BrokerVersion.Patch) {
						j.BrokerVersion = e.BrokerVersion
					}
				}
			}
			next = s.LastIndex + 1
		}
		j.Segments = append(j.Segments, s)
	}
	return j, nil
}

// FirstIndex and LastIndex of the readable journal; 0, 0 when it is empty.
func (j *Journal) FirstIndex() uint64 {
	if len(j.Entries) == 0 {
		return 0
	}
	return j.Entries[0].Index
}

// LastIndex is the index of the last readable entry, 0 when the journal is empty.
func (j *Journal) LastIndex() uint64 {
	if len(j.Entries) == 0 {
		return 0
	}
	return j.Entries[len(j.Entries)-1].Index
}

// Entry returns the entry with the given index.
func (j *Journal) Entry(index uint64) (EntryRef, bool) {
	if len(j.Entries) == 0 || index < j.Entries[0].Index || index > j.LastIndex() {
		return EntryRef{}, false
	}
	return j.Entries[index-j.Entries[0].Index], true
}

// CorruptionError is a journal Zeebe refuses to start on.
type CorruptionError struct {
	File   string
	Offset int
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("Corrupted journal: %s at offset %d: %s", filepath.Base(e.File), e.Offset, e.Reason)
}

// Repair is what Zeebe does to a journal it accepts at startup: cut a torn tail, or delete a
// segment whose descriptor is unreadable or all zeros (and every later one) when no flushed
// entry is in them.
type Repair struct {
	// TruncateFile and TruncateAt: zero the frame byte at this offset of this segment.
	TruncateFile string
	TruncateAt   int
	// DeleteFrom lists segment files to delete. After a roll it holds at least the all-zero
	// segment prepared ahead (§2.5 step 7): Zeebe deletes it at every start, losing nothing.
	DeleteFrom []string
}

// OnlyPrepared tells whether the repair deletes nothing but all-zero segments prepared ahead,
// which is what every start after a roll does (§2.5 step 7): no entry is lost or cut.
func (r Repair) OnlyPrepared(j *Journal) bool {
	if r.TruncateFile != "" {
		return false
	}
	for _, path := range r.DeleteFrom {
		i := slices.IndexFunc(j.Segments, func(s Segment) bool { return s.Path == path })
		if i < 0 || !j.Segments[i].Prepared {
			return false
		}
	}
	return true
}

// Check applies Zeebe's startup rules (§2.5) given the flushed index from .meta (NullIndex when
// nothing was flushed). It returns the repair Zeebe would make, or the error it would fail with.
//
// An all-zero descriptor (a segment prepared ahead and never used) fails the descriptor check
// like any unreadable one: that segment and every later one are deleted when no flushed entry
// can be in them, else Zeebe refuses (§2.5 steps 4 and 7). An intact entry with the wrong index
// is a refusal wherever it is (§2.5 step 5).
func (j *Journal) Check(lastFlushed uint64) (Repair, error) {
	var r Repair
	var last uint64 // last index of the good segments so far
	flushed := func(upTo uint64) bool { return lastFlushed != NullIndex && lastFlushed > upTo }
	for i, s := range j.Segments {
		isLast := i == len(j.Segments)-1
		if s.Prepared || s.DescriptorErr != nil {
			why := "the segment descriptor is all zeros (a segment prepared ahead and never used)"
			if s.DescriptorErr != nil {
				why = s.DescriptorErr.Error()
			}
			if flushed(last) {
				return r, &CorruptionError{s.Path, 0, fmt.Sprintf("%s; entries up to index %d were flushed, expected them here", why, lastFlushed)}
			}
			for _, rest := range j.Segments[i:] {
				r.DeleteFrom = append(r.DeleteFrom, rest.Path)
			}
			return r, nil
		}
		if last != 0 && s.FirstIndex != last+1 {
			return r, &CorruptionError{s.Path, 0, fmt.Sprintf("expected the segment to start at index %d, but it starts at %d (a gap in the log)", last+1, s.FirstIndex)}
		}
		if s.InvalidIndex != nil {
			e := *s.InvalidIndex
			e.File = s.Path
			return r, &e
		}
		last = s.LastIndex
		if s.Torn != nil {
			lastSegment := isLast || (i == len(j.Segments)-2 && j.Segments[i+1].Prepared)
			if !lastSegment || flushed(s.LastIndex) {
				return r, &CorruptionError{s.Path, s.Torn.Offset, fmt.Sprintf("%s, at or before the flushed index %d", s.Torn.Reason, lastFlushed)}
			}
			r.TruncateFile, r.TruncateAt = s.Path, s.Torn.Offset
		}
	}
	if lastFlushed != NullIndex && last < lastFlushed {
		return r, &FlushedIndexError{Flushed: lastFlushed, Last: last}
	}
	return r, nil
}

// FlushedIndexError is Zeebe's refusal when .meta says entries were flushed that the journal
// does not hold.
type FlushedIndexError struct{ Flushed, Last uint64 }

func (e *FlushedIndexError) Error() string {
	return fmt.Sprintf("Expected to find records until index %d, but last index is %d", e.Flushed, e.Last)
}
