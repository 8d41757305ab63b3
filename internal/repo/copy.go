package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// ErrExistsThere is wrapped when a copy's destination already holds something of the backup.
var ErrExistsThere = errors.New("the destination already holds the backup")

// Copied says what CopyTo copied.
type Copied struct {
	Manifest *Manifest
	Objects  int
	Bytes    int64
}

// CopyTo copies every object of backup id from r to dst, the manifest last, byte for byte; the
// caller holds dst's lock. Each object's SHA-256 is computed as it is read from r and
// compared with the manifest's (a damaged source is not copied). Before the manifest is
// written, check verifies what arrived against the manifest by reading it back from dst
// (sizes and SHA-256 of the configurations, archives and indexes), and every other object is
// read back and compared with what was read from r; the manifest itself is read back after
// it is written. On failure what was stored at dst is removed, so that the destination holds
// the complete backup or nothing of it. A destination that holds anything under the id is
// refused (ErrExistsThere). copying, when set, is called before each object with its name and
// size.
func (r *Repo) CopyTo(ctx context.Context, dst *Repo, id string, check func(context.Context, *Manifest) error, copying func(name string, size int64)) (*Copied, error) {
	key := Key(id, manifestName)
	m, err := r.Manifest(ctx, id)
	if err != nil {
		return nil, err
	}
	raw, err := r.read(ctx, key, limits.MaxManifestBytes, "manifest")
	if err != nil {
		return nil, err
	}
	if exists, err := dst.Exists(ctx, id); err != nil {
		return nil, fmt.Errorf("look for backup %s in %s: %w", id, dst.Location(), err)
	} else if exists {
		return nil, fmt.Errorf("%w: %s already holds files of backup %s; delete it there first ('zeebe-backup delete %s --repo %s'), or copy another backup", ErrExistsThere, dst.FolderLocation(id), id, id, dst.Location())
	}
	infos, err := r.s.List(ctx, Folder(id)+"/")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.FolderLocation(id), err)
	}
	want := manifestSums(m)
	res := &Copied{Manifest: m}
	read := map[string]string{} // SHA-256 of each object read from r, for those not in the manifest
	// Everything stored at dst under the id is this copy's: the lock is held, and it held nothing.
	err = func() error {
		for _, in := range infos {
			name := in.Key[len(Folder(id))+1:]
			if name == manifestName {
				continue
			}
			if copying != nil {
				copying(name, in.Size)
			}
			n, sum, err := r.copyObject(ctx, dst, in.Key)
			if err != nil {
				return fmt.Errorf("copy %s/%s to %s: %w", r.FolderLocation(id), name, dst.FolderLocation(id), err)
			}
			if w, ok := want[name]; ok && w != sum {
				return fmt.Errorf("%s/%s has SHA-256 %s, its manifest says %s: the backup is damaged in %s ('zeebe-backup verify %s' says more); it was not copied", r.FolderLocation(id), name, sum, w, r.Location(), id)
			}
			read[name] = sum
			res.Objects++
			res.Bytes += n
		}
		if err := check(ctx, m); err != nil {
			return fmt.Errorf("verify the copy of backup %s in %s: %w", id, dst.Location(), err)
		}
		for name, sum := range read {
			if _, ok := want[name]; ok {
				continue // check read it back
			}
			if got, err := dst.digest(ctx, Key(id, name)); err != nil || got != sum {
				return fmt.Errorf("verify the copy of backup %s: %s/%s reads back with SHA-256 %s (%v), %s was copied", id, dst.FolderLocation(id), name, got, err, sum)
			}
		}
		if _, err := dst.s.Put(ctx, key, bytes.NewReader(raw)); err != nil {
			return fmt.Errorf("write the manifest of backup %s to %s: %w", id, dst.FolderLocation(id), err)
		}
		back, err := dst.read(ctx, key, limits.MaxManifestBytes, "manifest")
		if err != nil || string(back) != string(raw) {
			return fmt.Errorf("verify the copy of backup %s: %s/%s does not read back as written (%v)", id, dst.FolderLocation(id), manifestName, err)
		}
		res.Objects++
		res.Bytes += int64(len(raw))
		return nil
	}()
	if err != nil {
		if rerr := dst.RemoveBackup(context.WithoutCancel(ctx), id); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove what the copy stored in %s: %w; 'zeebe-backup prune' removes it later", dst.FolderLocation(id), rerr))
		}
		return nil, err
	}
	return res, nil
}

// manifestSums are the SHA-256 the manifest records, by file name.
func manifestSums(m *Manifest) map[string]string {
	out := map[string]string{}
	for _, b := range m.Brokers {
		out[b.Config], out[b.Archive], out[b.Index] = b.ConfigSHA256, b.ArchiveSHA256, b.IndexSHA256
	}
	return out
}

// copyObject streams the object at key from r to dst, returning its size and SHA-256 as read.
func (r *Repo) copyObject(ctx context.Context, dst *Repo, key string) (int64, string, error) {
	rc, err := r.s.Get(ctx, key)
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := dst.s.Put(ctx, key, io.TeeReader(rc, h))
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// digest reads the object at key and returns its SHA-256.
func (r *Repo) digest(ctx context.Context, key string) (string, error) {
	rc, err := r.s.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
