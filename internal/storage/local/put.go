package local

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// maxAttempts bounds the retries of creating a temporary file whose folder a concurrent
// Delete or failed Put removed in between.
const maxAttempts = 100

// Put stores the whole of r under key: temporary file, fsync, rename, fsync folders.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := s.put(ctx, key, r, false)
	if err != nil {
		return 0, fmt.Errorf("put %q: %w", key, err)
	}
	return n, nil
}

// PutIfAbsent is Put that commits with link(2), failing with an error wrapping
// storage.ErrExists if key exists.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := s.put(ctx, key, r, true)
	if err != nil {
		return 0, fmt.Errorf("put-if-absent %q: %w", key, err)
	}
	return n, nil
}

func (s *Store) put(ctx context.Context, key string, r io.Reader, exclusive bool) (n int64, err error) {
	if err := check(ctx, key); err != nil {
		return 0, err
	}
	dir := path.Dir(key)
	if err := s.linkInPath(key); err != nil {
		return 0, err
	}
	f, tmp, err := s.createTemp(dir)
	if err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !committed {
			s.root.Remove(tmp)
			s.removeEmptyParents(tmp)
		}
	}()

	n, err = io.Copy(f, ctxio.Reader(ctx, r))
	if err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	err = f.Close()
	f = nil
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}

	if exclusive {
		if err := s.root.Link(tmp, key); err != nil {
			return 0, s.linkError(key, err)
		}
		committed = true
		if err := s.root.Remove(tmp); err != nil {
			return 0, fmt.Errorf("blob stored, but: %w", err)
		}
	} else {
		if err := s.root.Rename(tmp, key); err != nil {
			return 0, err
		}
		committed = true
	}
	if err := s.syncFolders(dir); err != nil {
		return 0, fmt.Errorf("blob stored, but not durably: %w", err)
	}
	return n, nil
}

// createTemp creates the folder dir as needed and a new temporary file in it.
func (s *Store) createTemp(dir string) (*os.File, string, error) {
	for attempt := 1; ; attempt++ {
		if err := s.root.MkdirAll(dir, folderMode); err != nil {
			if attempt < maxAttempts && s.raced(dir, err) {
				continue
			}
			return nil, "", fmt.Errorf("create folder %q: %w", dir, err)
		}
		if err := s.linkInPath(path.Join(dir, "x")); err != nil {
			return nil, "", err // planted while the folders were made
		}
		tmp := path.Join(dir, storage.ReservedPrefix+rand.Text())
		f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
		if (errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist)) && attempt < maxAttempts {
			continue // the folder was removed since MkdirAll, or the name was taken
		}
		if err != nil {
			return nil, "", err
		}
		return f, tmp, nil
	}
}

// raced reports whether MkdirAll(dir) failed with err only because a concurrent Delete or
// failed Put removed a folder while it worked: a parent vanished (ENOENT), or dir vanished
// between mkdir failing with EEXIST and the check that it is a folder.
func (s *Store) raced(dir string, err error) bool {
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if !errors.Is(err, fs.ErrExist) {
		return false
	}
	fi, statErr := s.root.Lstat(dir)
	return statErr != nil || fi.IsDir() // no file is in the way
}

// linkError turns a failed link onto key into an error wrapping storage.ErrExists if key is a
// blob.
func (s *Store) linkError(key string, err error) error {
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, statErr := s.lstatRegular(key); statErr != nil {
		return fmt.Errorf("%w (and it is not a blob)", err)
	}
	return storage.ErrExists
}

// syncFolders fsyncs dir and every folder above it up to the root, so that the new file's
// name and every folder created for it survive a crash.
func (s *Store) syncFolders(dir string) error {
	for {
		if err := s.syncFolder(dir); err != nil {
			return err
		}
		if dir == "." {
			return nil
		}
		dir = path.Dir(dir)
	}
}

func (s *Store) syncFolder(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil // some file systems cannot fsync folders and need not
	}
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}

// removeEmptyParents removes the folders above name that are empty, up to but not including
// the root. It stops at the first folder that is not empty or cannot be removed, and at
// anything that is not a folder (Remove would unlink a symbolic link).
func (s *Store) removeEmptyParents(name string) {
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if fi, err := s.root.Lstat(dir); err != nil || !fi.IsDir() {
			return
		}
		if err := s.root.Remove(dir); err != nil {
			return
		}
	}
}
