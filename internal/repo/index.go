package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// Index is a broker's archive index as stored (zeebe-broker-<n>-index.json): every entry of
// the archive with its digest, in archive order. It is a stored format (format.go); NewIndex
// and ArchiveEntries convert from and to the archive's entries, field by field.
type Index struct {
	// FormatVersion is IndexFormat; an index read in format 1 is converted and says so.
	FormatVersion int          `json:"formatVersion"`
	Entries       []IndexEntry `json:"entries"`
}

// IndexEntry is one archived path.
type IndexEntry struct {
	// Path is slash-separated and relative to the data folder; "." is the folder itself.
	Path string `json:"path"`
	// Type is "dir", "file", "symlink" or "hardlink".
	Type string `json:"type"`
	// Mode is the Unix permission bits with setuid (0o4000), setgid (0o2000) and sticky
	// (0o1000), as stat and tar write them.
	Mode    uint32    `json:"mode"`
	ModTime time.Time `json:"mtime"` // to the nanosecond
	UID     int       `json:"uid"`
	GID     int       `json:"gid"`
	// Size is a file's content length (0 for other types).
	Size int64 `json:"size,omitempty"`
	// Link is a symbolic link's target, or for a hard link the path of the first entry of its
	// inode.
	Link string `json:"link,omitempty"`
	// XXH64 is the hex XXH64 digest of a file's content.
	XXH64 string `json:"xxh64,omitempty"`
}

// indexEntryV1 is an entry of index format 1: a bare JSON array of these, the mode in Go's
// fs.FileMode bits (setuid 1<<23, setgid 1<<22, sticky 1<<20).
type indexEntryV1 struct {
	Path    string    `json:"path"`
	Type    string    `json:"type"`
	Mode    uint32    `json:"mode"`
	ModTime time.Time `json:"mtime"`
	UID     int       `json:"uid"`
	GID     int       `json:"gid"`
	Size    int64     `json:"size,omitempty"`
	Link    string    `json:"link,omitempty"`
	XXH64   string    `json:"xxh64,omitempty"`
}

// NewIndex is the index of an archive's entries, in the current format.
func NewIndex(entries []archive.Entry) *Index {
	x := &Index{FormatVersion: IndexFormat, Entries: make([]IndexEntry, 0, len(entries))}
	for _, e := range entries {
		x.Entries = append(x.Entries, IndexEntry{Path: e.Path, Type: string(e.Type), Mode: UnixMode(e.Mode), ModTime: e.ModTime,
			UID: e.UID, GID: e.GID, Size: e.Size, Link: e.Link, XXH64: e.XXH64})
	}
	return x
}

// ArchiveEntries are the index's entries as the archive package describes them.
func (x *Index) ArchiveEntries() []archive.Entry {
	out := make([]archive.Entry, 0, len(x.Entries))
	for _, e := range x.Entries {
		out = append(out, archive.Entry{Path: e.Path, Type: archive.EntryType(e.Type), Mode: FileMode(e.Mode), ModTime: e.ModTime,
			UID: e.UID, GID: e.GID, Size: e.Size, Link: e.Link, XXH64: e.XXH64})
	}
	return out
}

// UnixMode is m's permission bits with setuid, setgid and sticky in their Unix places; other
// bits of m (the file's type) are dropped.
func UnixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// FileMode is the fs.FileMode of a Unix mode's permission, setuid, setgid and sticky bits.
func FileMode(u uint32) fs.FileMode {
	m := fs.FileMode(u).Perm()
	if u&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if u&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// encodeIndex is how an index is stored: compact (an index can list millions of entries),
// with a final newline.
func encodeIndex(x *Index) ([]byte, error) {
	x.FormatVersion = IndexFormat
	if x.Entries == nil {
		x.Entries = []IndexEntry{}
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// PutIndex stores a broker's index in the current format and returns the hex SHA-256 of what
// it stored (the manifest's indexSha256).
func (r *Repo) PutIndex(ctx context.Context, id string, nodeID int, x *Index) (string, error) {
	b, err := encodeIndex(x)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", IndexName(nodeID), err)
	}
	if _, err := r.Put(ctx, id, IndexName(nodeID), bytes.NewReader(b)); err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Index reads a broker's archive index, of any format version this build reads.
func (r *Repo) Index(ctx context.Context, id string, nodeID int) (*Index, error) {
	key := Key(id, IndexName(nodeID))
	data, err := r.read(ctx, key, limits.MaxIndexBytes, "index")
	if err != nil {
		return nil, err
	}
	return r.decodeIndex(key, data)
}

// decodeIndex reads index format 1 (a bare array, or null for none) or 2 (an object).
func (r *Repo) decodeIndex(key string, data []byte) (*Index, error) {
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		var v1 []indexEntryV1
		if err := decode(key, data, limits.MaxIndexBytes, "index", &v1); err != nil {
			return nil, err
		}
		x := &Index{FormatVersion: 1, Entries: make([]IndexEntry, 0, len(v1))}
		for _, e := range v1 {
			x.Entries = append(x.Entries, IndexEntry{Path: e.Path, Type: e.Type, Mode: UnixMode(fs.FileMode(e.Mode)), ModTime: e.ModTime,
				UID: e.UID, GID: e.GID, Size: e.Size, Link: e.Link, XXH64: e.XXH64})
		}
		return x, nil
	}
	// Format 1 is an array: an object is format 2 or newer.
	return decodeFormat[Index](r, key, data, limits.MaxIndexBytes, "index", 2, IndexFormat)
}
