package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

var _ storage.Remnants = (*Store)(nil)

// Remnants implements storage.Remnants: the ".tmp-*" files below folder.
func (s *Store) Remnants(ctx context.Context, folder string) ([]string, error) {
	names, err := s.remnants(ctx, folder)
	if err != nil {
		return nil, fmt.Errorf("remnants in %q: %w", folder, err)
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(s.location, filepath.FromSlash(n))
	}
	return out, nil
}

// RemoveRemnants implements storage.Remnants.
func (s *Store) RemoveRemnants(ctx context.Context, folder string) error {
	names, err := s.remnants(ctx, folder)
	if err != nil {
		return fmt.Errorf("remove remnants in %q: %w", folder, err)
	}
	var errs []error
	for _, n := range names {
		if err := s.root.Remove(n); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", filepath.Join(s.location, n), err))
			continue
		}
		s.removeEmptyParents(n)
	}
	return errors.Join(errs...)
}

// remnants walks folder without following links and returns the root-relative names of the
// temporary files in it.
func (s *Store) remnants(ctx context.Context, folder string) ([]string, error) {
	if err := storage.ValidPrefix(folder); err != nil {
		return nil, err
	}
	if folder == "" {
		return s.topRemnants(ctx)
	}
	if !strings.HasSuffix(folder, "/") {
		return nil, fmt.Errorf("%w: folder %q does not end with a slash", storage.ErrInvalidKey, folder)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := path.Clean(folder)
	if fi, err := s.root.Lstat(start); err != nil || !fi.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	err := fs.WalkDir(s.root.FS(), start, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() && strings.HasPrefix(d.Name(), storage.ReservedPrefix) {
			out = append(out, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// topRemnants returns the temporary files at the top of the repository, not below it.
func (s *Store) topRemnants(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(s.root.FS(), ".")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), storage.ReservedPrefix) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
