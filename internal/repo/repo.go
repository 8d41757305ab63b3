// Package repo is the layout of backups in a repository (a storage.Store): one folder per
// backup in the documented layout, with the manifest written last, and the repository lock that
// also records the operation in progress.
//
//	zeebe-backup-<id>/
//	  zeebe-broker-0-config.yml
//	  zeebe-broker-0-data.tar.zst      (or .tar.gz)
//	  zeebe-broker-0-index.json        every entry of the archive with its digest
//	  ...
//	  manifest.json                    written last: the backup exists only once it does
//	lock.json                          held while a backup, restore or recovery runs
//
// Invariants:
//  1. A backup is listed only when its manifest exists and parses; archives without a manifest
//     are an incomplete backup, never shown as one.
//  2. The lock is taken with an exclusive create; it names its holder (host, process, command,
//     time) and carries the operation record that `recover` finishes.
//  3. The manifest, the index and the lock are stored formats of their own (format.go), each
//     with a formatVersion: their types hold no type of another package of this module, golden
//     files pin their encoding, every earlier version reads and a newer one is refused
//     (docs/repository-format.md).
package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Repo is a repository of backups.
type Repo struct {
	s    storage.Store
	wait LockWait // how Acquire and CheckUnlocked wait for a held lock (WithLockWait)
}

// Open wraps a store.
func Open(s storage.Store) *Repo { return &Repo{s: s} }

// Store is the underlying store.
func (r *Repo) Store() storage.Store { return r.s }

// Location names the repository for messages.
func (r *Repo) Location() string { return r.s.Location() }

// Probe checks, where the store can tell (storage.Prober: an object store), that it can be
// reached with the credentials it has and its bucket exists; other stores pass. Backup and
// restore call it first in their pre-flight.
func (r *Repo) Probe(ctx context.Context) error {
	if p, ok := r.s.(storage.Prober); ok {
		if err := p.Probe(ctx); err != nil {
			return fmt.Errorf("the repository %s cannot be used: %w", r.Location(), err)
		}
	}
	return nil
}

const (
	folderPrefix = "zeebe-backup-"
	manifestName = "manifest.json"
	lockKey      = "lock.json"
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateID checks a backup id given by the user.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("backup id %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// NewID is the default id of a backup taken at t: a UTC timestamp.
func NewID(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Folder is the folder of a backup in the repository.
func Folder(id string) string { return folderPrefix + id }

// Key names a file of a backup.
func Key(id, name string) string { return Folder(id) + "/" + name }

// ArchiveName is the data archive of a broker, e.g. zeebe-broker-0-data.tar.zst.
func ArchiveName(nodeID int, c archive.Compression) string {
	return fmt.Sprintf("zeebe-broker-%d-data%s", nodeID, c.Ext())
}

// ConfigName is the saved configuration of a broker.
func ConfigName(nodeID int) string { return fmt.Sprintf("zeebe-broker-%d-config.yml", nodeID) }

// IndexName lists every entry of a broker's archive with its digest.
func IndexName(nodeID int) string { return fmt.Sprintf("zeebe-broker-%d-index.json", nodeID) }

// ErrNotFound is wrapped when a backup does not exist (or is incomplete).
var ErrNotFound = errors.New("no such backup")

// ErrDamaged is wrapped when a backup's manifest is not its own: list shows it as unreadable,
// show, verify and restore refuse it.
var ErrDamaged = errors.New("the backup is damaged")

// Exists tells whether anything of a backup is stored, complete or not, including the
// temporary files of a run that was killed while it stored them.
func (r *Repo) Exists(ctx context.Context, id string) (bool, error) {
	infos, err := r.s.List(ctx, Folder(id)+"/")
	if err != nil || len(infos) > 0 {
		return len(infos) > 0, err
	}
	remnants, err := r.Remnants(ctx, id)
	return len(remnants) > 0, err
}

// Remnants returns the temporary files a killed run left in a backup's folder, as locations
// for messages (none when the store has no temporary files).
func (r *Repo) Remnants(ctx context.Context, id string) ([]string, error) {
	rs, ok := r.s.(storage.Remnants)
	if !ok {
		return nil, nil
	}
	return rs.Remnants(ctx, Folder(id)+"/")
}

// FolderLocation names a backup's folder for messages, e.g. /var/backups/zeebe/zeebe-backup-x.
func (r *Repo) FolderLocation(id string) string {
	return strings.TrimSuffix(r.Location(), "/") + "/" + Folder(id)
}

// RemoveBackup removes everything of a backup: its files (the manifest first) and the
// temporary files of a killed run. Only the operation that owns the folder calls it
// (Operation.Folder), so that no Put into it is running.
func (r *Repo) RemoveBackup(ctx context.Context, id string) error {
	if err := r.DeleteFiles(ctx, id); err != nil {
		return err
	}
	if rs, ok := r.s.(storage.Remnants); ok {
		return rs.RemoveRemnants(ctx, Folder(id)+"/")
	}
	return nil
}

// Put stores one file of a backup.
func (r *Repo) Put(ctx context.Context, id, name string, rd io.Reader) (int64, error) {
	return r.s.Put(ctx, Key(id, name), rd)
}

// Get opens one file of a backup.
func (r *Repo) Get(ctx context.Context, id, name string) (io.ReadCloser, error) {
	return r.s.Get(ctx, Key(id, name))
}

// Commit writes the manifest of a backup in the current format (ManifestFormat), last: from
// now on the backup exists.
func (r *Repo) Commit(ctx context.Context, m *Manifest) error {
	m.FormatVersion = ManifestFormat
	return r.putJSON(ctx, Key(m.ID, manifestName), m)
}

// Manifest reads a committed backup's manifest, of any format version this build reads; the
// manifest keeps the version it was written in (show prints it as stored).
func (r *Repo) Manifest(ctx context.Context, id string) (*Manifest, error) {
	key := Key(id, manifestName)
	data, err := r.read(ctx, key, limits.MaxManifestBytes, "manifest")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w %q in %s (see 'zeebe-backup list')", ErrNotFound, id, r.Location())
		}
		return nil, err
	}
	m, err := r.decodeManifest(key, data)
	if err != nil {
		return nil, err
	}
	if m.ID != id {
		// Its files are named for its folder's id, and the id names folders beside the data
		// (staging, previous): a manifest naming another is not this folder's (copied, moved
		// or edited), and would have show and restore speak of one backup while reading
		// another's files.
		return nil, fmt.Errorf("%w: %s/%s is the manifest of backup %q, not of %q: a manifest is only valid in its own folder (it was copied or edited, or the folder renamed); "+
			"restore from another backup, and move this folder out of the repository once you have looked at it", ErrDamaged, r.FolderLocation(id), manifestName, limits.Excerpt(m.ID, 80), id)
	}
	return m, nil
}

// decodeManifest reads a manifest of format 1 or 2. Both have the same fields (format 2 only
// says that the backup's indexes are in index format 2, which Index reads either way).
func (r *Repo) decodeManifest(key string, data []byte) (*Manifest, error) {
	return decodeFormat[Manifest](r, key, data, limits.MaxManifestBytes, "manifest", 1, ManifestFormat)
}

// Listing is one backup as list shows it.
type Listing struct {
	Manifest *Manifest
	Err      error // a manifest that does not parse
}

// List returns the committed backups, oldest first; incomplete ones are left out.
func (r *Repo) List(ctx context.Context) ([]Listing, error) {
	infos, err := r.s.List(ctx, folderPrefix)
	if err != nil {
		return nil, err
	}
	var out []Listing
	for _, in := range infos {
		folder, name, ok := strings.Cut(in.Key, "/")
		if !ok || name != manifestName || !strings.HasPrefix(folder, folderPrefix) {
			continue
		}
		id := strings.TrimPrefix(folder, folderPrefix)
		m, err := r.Manifest(ctx, id)
		out = append(out, Listing{Manifest: m, Err: err})
		if err != nil {
			out[len(out)-1].Manifest = &Manifest{ID: id}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Manifest, out[j].Manifest
		if !a.Times.StopRequested.Equal(b.Times.StopRequested) {
			return a.Times.StopRequested.Before(b.Times.StopRequested)
		}
		return a.ID < b.ID
	})
	return out, nil
}

// DeleteFiles removes every file of a backup (complete or not), the manifest first so that the
// backup stops existing before its archives go.
func (r *Repo) DeleteFiles(ctx context.Context, id string) error {
	if err := r.s.Delete(ctx, Key(id, manifestName)); err != nil {
		return err
	}
	infos, err := r.s.List(ctx, Folder(id)+"/")
	if err != nil {
		return err
	}
	var errs []error
	for _, in := range infos {
		errs = append(errs, r.s.Delete(ctx, in.Key))
	}
	return errors.Join(errs...)
}
