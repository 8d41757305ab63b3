package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// The stored formats this build writes: each stored JSON file says its format in
// formatVersion. A reader accepts every earlier version and converts it; a newer one is
// refused with a *FormatError. docs/repository-format.md describes every version; testdata
// holds a golden file of each current format and a file of every earlier shape written.
//
// A version changes when a reader of the previous one would misread the file: a renamed,
// removed or retyped field, a field whose meaning changed, a new field an older reader must
// not ignore, or a changed encoding. A new optional field that older readers may ignore keeps
// the version (the golden files change, the version does not).
const (
	// ManifestFormat 2: the backup's indexes are in IndexFormat 2. Format 1 (every manifest
	// written before) has the same fields; its indexes are in index format 1.
	ManifestFormat = 2
	// IndexFormat 2: an object {"formatVersion": 2, "entries": [...]}, modes in Unix bits.
	// Format 1 (no version field) is a bare array, modes in Go's fs.FileMode bits.
	IndexFormat = 2
	// LockFormat 1: the lock with its operation record. A lock without formatVersion (written
	// before the field existed) is format 1.
	LockFormat = 1
)

// ErrNewerFormat is wrapped when a stored file has a format newer than this build reads.
var ErrNewerFormat = errors.New("the file was written by a newer zeebe-backup")

// FormatError names a stored file whose format is newer than this build reads.
type FormatError struct {
	File    string // where it is, e.g. /var/backups/zeebe/zeebe-backup-x/manifest.json
	What    string // "manifest", "index" or "lock"
	Version int    // the file's formatVersion
	Newest  int    // the newest version this build reads
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s is a %s of format version %d; this zeebe-backup reads %s formats up to %d: upgrade zeebe-backup",
		e.File, e.What, e.Version, e.What, e.Newest)
}

func (e *FormatError) Unwrap() error { return ErrNewerFormat }

// fileLocation names a stored file for messages, e.g. /var/backups/zeebe/lock.json.
func (r *Repo) fileLocation(key string) string {
	return strings.TrimSuffix(r.Location(), "/") + "/" + key
}

// versionOf is the formatVersion of a stored JSON object, 0 when it has none; it is read
// first, so that a newer format is refused as such before its fields are decoded.
func versionOf(key string, data []byte, max int64, what string) (int, error) {
	var probe struct {
		FormatVersion int `json:"formatVersion"`
	}
	err := decode(key, data, max, what, &probe)
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return 0, &shapeError{key: key, what: what, err: typ}
	}
	return probe.FormatVersion, err
}

// shapeError is a stored file that is not an object with a whole-number formatVersion.
type shapeError struct {
	key, what string
	err       *json.UnmarshalTypeError
}

func (e *shapeError) Error() string {
	if e.err.Field == "" {
		return fmt.Sprintf("%s: the %s is a JSON %s, not an object: zeebe-backup did not write it", e.key, e.what, e.err.Value)
	}
	return fmt.Sprintf("%s: its formatVersion is a JSON %s, not a whole number: zeebe-backup did not write this %s", e.key, e.err.Value, e.what)
}

func (e *shapeError) Unwrap() error { return e.err }

// checkVersion refuses a version outside oldest..newest: a newer one with a *FormatError, an
// older one as not written by zeebe-backup (no release wrote it).
func (r *Repo) checkVersion(key, what string, version, oldest, newest int) error {
	switch {
	case version > newest:
		return &FormatError{File: r.fileLocation(key), What: what, Version: version, Newest: newest}
	case version == 0 && oldest > 0:
		return fmt.Errorf("%s has no formatVersion: zeebe-backup did not write this %s", r.fileLocation(key), what)
	case version < oldest:
		return fmt.Errorf("%s has formatVersion %d, which no zeebe-backup wrote in this form: zeebe-backup did not write this %s", r.fileLocation(key), version, what)
	}
	return nil
}

// decodeFormat decodes the stored object at key, of format oldest..newest, into a new T: its
// version is read and checked first (checkVersion), then its fields are decoded.
func decodeFormat[T any](r *Repo, key string, data []byte, max int64, what string, oldest, newest int) (*T, error) {
	version, err := versionOf(key, data, max, what)
	if err != nil {
		return nil, err
	}
	if err := r.checkVersion(key, what, version, oldest, newest); err != nil {
		return nil, err
	}
	var v T
	if err := decode(key, data, max, what, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// encodeJSON is how manifests and locks are stored: indented, with a final newline.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// putJSON stores v as encodeJSON makes it.
func (r *Repo) putJSON(ctx context.Context, key string, v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	_, err = r.s.Put(ctx, key, bytes.NewReader(b))
	return err
}

// read reads the file at key, refusing more than max bytes; what names it in messages.
func (r *Repo) read(ctx context.Context, key string, max int64, what string) ([]byte, error) {
	rc, err := r.s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := limits.ReadAll(ctx, rc, max, what)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

// decode decodes data into v within max bytes and the depth limit; errors name key.
func decode(key string, data []byte, max int64, what string, v any) error {
	if err := limits.DecodeJSON(data, max, what, v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}
