package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// ErrInUse is wrapped by every error that says the folder changed while it was archived.
var ErrInUse = errors.New("the folder changed while it was read: something is still writing to it")

// ErrUnsafe is wrapped by every refusal of an archive entry that could write outside the target
// or create something a data folder never holds.
var ErrUnsafe = errors.New("unsafe archive entry")

// EntryType is the kind of an archive entry.
type EntryType string

// The kinds of entries an archive holds.
const (
	TypeDir      EntryType = "dir"
	TypeFile     EntryType = "file"
	TypeSymlink  EntryType = "symlink"
	TypeHardLink EntryType = "hardlink"
)

// Entry describes one archived path: what a manifest records and what a restore can check.
type Entry struct {
	// Path is slash-separated and relative to the archived folder; "." is the folder itself.
	Path string      `json:"path"`
	Type EntryType   `json:"type"`
	Mode fs.FileMode `json:"mode"` // permission bits plus setuid, setgid and sticky
	// ModTime is the modification time, to the nanosecond.
	ModTime time.Time `json:"mtime"`
	UID     int       `json:"uid"`
	GID     int       `json:"gid"`
	// Size is the content length of a file (0 for other types).
	Size int64 `json:"size,omitempty"`
	// Link is the target of a symbolic link, or, for a hard link, the path of the file it
	// shares its inode with (the first path of that inode in the archive).
	Link string `json:"link,omitempty"`
	// XXH64 is the hex XXH64 digest of a file's content: fast enough to compute at disk speed
	// on every backup, restore and verification, and strong enough to tell a damaged copy.
	// The archive as a whole is covered by SHA-256.
	XXH64 string `json:"xxh64,omitempty"`
}

// Summary is what writing or extracting an archive saw.
type Summary struct {
	Compression Compression `json:"compression"`
	// SHA256 is the hex digest of the archive's bytes as stored (compressed); set by Write.
	SHA256 string `json:"sha256,omitempty"`
	// Size is the number of archive bytes written or read.
	Size      int64 `json:"size"`
	Files     int   `json:"files"`
	Dirs      int   `json:"dirs"`
	Symlinks  int   `json:"symlinks"`
	HardLinks int   `json:"hardLinks"`
	// Bytes is the total content of the regular files (hard links counted once).
	Bytes   int64   `json:"bytes"`
	Entries []Entry `json:"entries,omitempty"`
}

func (s *Summary) count(e Entry) {
	switch e.Type {
	case TypeDir:
		s.Dirs++
	case TypeFile:
		s.Files++
		s.Bytes += e.Size
	case TypeSymlink:
		s.Symlinks++
	case TypeHardLink:
		s.HardLinks++
	}
	s.Entries = append(s.Entries, e)
}

// Progress is reported while an archive is written or extracted.
type Progress struct {
	Path  string // the entry being worked on
	Files int64  // entries done
	Bytes int64  // content bytes done
}

// Special permission bits, as tar stores them.
const (
	tarSetuid = 0o4000
	tarSetgid = 0o2000
	tarSticky = 0o1000
)

// tarMode converts a file mode to the mode field of a tar header.
func tarMode(m fs.FileMode) int64 {
	v := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= tarSetuid
	}
	if m&fs.ModeSetgid != 0 {
		v |= tarSetgid
	}
	if m&fs.ModeSticky != 0 {
		v |= tarSticky
	}
	return v
}

// fileMode converts the mode field of a tar header to permission and special bits.
func fileMode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode).Perm()
	if hdr.Mode&tarSetuid != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&tarSetgid != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&tarSticky != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Mismatch compares the entries an archive should hold (want, e.g. its index) with those it
// holds (got), in archive order, by path, type, size, link target and digest; modes, times and
// owners are not compared. It returns "" when they agree, else the first difference in words,
// naming want's side wantName and got's gotName: "entry "a": the index says file of 3 bytes
// (xxh64 …), the archive holds "a", file of 4 bytes (xxh64 …)", or, when one list is a prefix
// of the other, how many entries each has.
func Mismatch(want, got []Entry, wantName, gotName string) string {
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		if w.Path != g.Path || w.Type != g.Type || w.XXH64 != g.XXH64 || w.Size != g.Size || w.Link != g.Link {
			return fmt.Sprintf("entry %q: %s says %s of %d bytes (xxh64 %s), %s holds %q, %s of %d bytes (xxh64 %s)",
				w.Path, wantName, w.Type, w.Size, w.XXH64, gotName, g.Path, g.Type, g.Size, g.XXH64)
		}
	}
	if len(want) != len(got) {
		return fmt.Sprintf("%s lists %d entries, %s holds %d", wantName, len(want), gotName, len(got))
	}
	return ""
}
