package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Store is a flat namespace of blobs addressed by keys: slash-separated relative paths such as
// "zeebe-backup-20261124T103000Z/manifest.json". Keys are validated ([ValidKey]). Methods are
// safe for concurrent use. The package documentation states the full contract.
type Store interface {
	// Put stores the whole of r under key, atomically: a concurrent or later Get sees either
	// the previous blob or the complete new one, never a part; a failed or cancelled Put leaves
	// no blob and no temporary residue visible to List. It returns the bytes stored. It
	// overwrites. The error of a failing r is wrapped.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// PutIfAbsent is Put that fails with an error wrapping ErrExists when the key exists (used
	// for locks); atomic and exclusive: of racing callers exactly one wins.
	PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens a blob. An absent key gives an error wrapping fs.ErrNotExist. The caller
	// closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes a blob; absent: an error wrapping fs.ErrNotExist.
	Stat(ctx context.Context, key string) (Info, error)
	// List returns every blob whose key starts with prefix ("" for all), sorted by key. The
	// prefix is a plain string prefix checked by ValidPrefix. No match is an empty result, not
	// an error.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes a blob; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Location names the store for messages, e.g. "/var/backups/zeebe" or "s3://bucket/prefix".
	Location() string
}

// Info describes a blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time // when the blob was stored, as the backend records it
}

// ErrExists is wrapped by the error of PutIfAbsent when the key already holds a blob.
var ErrExists = errors.New("already exists")

// SpaceReporter is the optional power of a store that knows how much it can still hold.
type SpaceReporter interface {
	// FreeSpace returns the bytes available for new blobs.
	FreeSpace(ctx context.Context) (int64, error)
}

// Remnants is the optional power of a store whose Put writes a temporary object first (named
// with [ReservedPrefix]): a process killed during a Put (SIGKILL, a crash, power loss) leaves
// it behind, and List never shows it. Only the owner of a folder may remove them.
type Remnants interface {
	// Remnants returns the temporary objects below folder (a prefix ending in "/"; "" is the
	// store's top level alone: the temporary objects of top-level keys such as a lock, not
	// those inside folders, which belong to their own writers), as full
	// locations for messages (e.g. /var/backups/zeebe/zeebe-backup-x/.tmp-ABC), sorted. A
	// folder that does not exist has none.
	Remnants(ctx context.Context, folder string) ([]string, error)
	// RemoveRemnants removes the temporary objects below folder and the folders left empty.
	// No Put into folder may be running: the caller holds the lock of the operation that
	// wrote there.
	RemoveRemnants(ctx context.Context, folder string) error
}

// Prober is the optional power of a store that can be unreachable or refuse its caller (an
// object store: a server that is down, credentials that are wrong or expired, a bucket that
// does not exist). Backup and restore call it first in their pre-flight, so that such a
// store is named as such before anything else is read and before any broker is stopped.
type Prober interface {
	// Probe reads the store's top (it writes nothing): it fails when the store cannot be
	// reached, refuses the credentials, does not exist or may not be listed, with an error
	// that says which and what to do. Whether the store may be written is checked by writing
	// (backup writes a probe file into the backup's folder).
	Probe(ctx context.Context) error
}
