package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

const (
	fileMode   = 0o600
	folderMode = 0o700
)

// Store is a blob store in a local folder. Its methods are safe for concurrent use.
type Store struct {
	root     *os.Root
	location string
}

var (
	_ storage.Store         = (*Store)(nil)
	_ storage.SpaceReporter = (*Store)(nil)
)

// New opens the store in the folder root, creating it (and its parents) if absent. root must
// be a folder or a symbolic link to one.
func New(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open local store %s: %w", root, err)
	}
	if err := os.MkdirAll(abs, folderMode); err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	return &Store{root: r, location: abs}, nil
}

// Location returns the absolute path of the root folder.
func (s *Store) Location() string { return s.location }

// Close releases the root folder. The store must not be used afterwards.
func (s *Store) Close() error { return s.root.Close() }

// Get opens the blob's file.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := check(ctx, key); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	if _, err := s.lstatRegular(key); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = notBlob(key)
		}
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return f, nil
}

// Stat describes a blob.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := check(ctx, key); err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	fi, err := s.lstatRegular(key)
	if err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	return storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes a blob and the folders above it that became empty.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := check(ctx, key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	if _, err := s.lstatRegular(key); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	s.removeEmptyParents(key)
	return nil
}

// lstatRegular returns the file info of key, or an error wrapping fs.ErrNotExist if key is
// absent or not a regular file.
func (s *Store) lstatRegular(key string) (fs.FileInfo, error) {
	if err := s.linkInPath(key); err != nil {
		return nil, fmt.Errorf("%w: %w", err, fs.ErrNotExist)
	}
	fi, err := s.root.Lstat(key)
	if errors.Is(err, syscall.ENOTDIR) {
		// A parent is a file: the key is absent.
		return nil, fmt.Errorf("%w: %w", err, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notBlob(key)
	}
	return fi, nil
}

func notBlob(key string) error {
	return &fs.PathError{Op: "open", Path: key, Err: fmt.Errorf("not a regular file: %w", fs.ErrNotExist)}
}

func check(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	return ctx.Err()
}

// errLink is the error of a key whose path crosses a symbolic link inside the root.
var errLink = errors.New("is a symbolic link, which the store never follows (it would make one key another's): remove it from the repository")

// linkInPath fails when a folder on the way to key is a symbolic link: the store never follows
// a link inside its root (os.Root alone would follow one that stays inside), so no key can be
// made another's by a link planted in the repository. Absent folders are no problem.
func (s *Store) linkInPath(key string) error {
	var dirs []string
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		dirs = append(dirs, dir)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		fi, err := s.root.Lstat(dirs[i])
		if err != nil {
			return nil // absent or not reachable: the operation itself reports it
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "open", Path: filepath.Join(s.location, filepath.FromSlash(dirs[i])), Err: errLink}
		}
	}
	return nil
}
