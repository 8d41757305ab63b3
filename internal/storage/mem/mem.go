package mem

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Store is an in-memory blob store. The zero value is not usable; call [New].
type Store struct {
	mu    sync.Mutex
	blobs map[string]blob
}

type blob struct {
	data    []byte // never modified after publishing
	modTime time.Time
}

var _ storage.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{blobs: make(map[string]blob)}
}

// Location returns "mem".
func (s *Store) Location() string { return "mem" }

// Put stores the whole of r under key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent is Put that fails with an error wrapping storage.ErrExists if key exists.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "put-if-absent", key, r, true)
}

func (s *Store) put(ctx context.Context, op, key string, r io.Reader, exclusive bool) (int64, error) {
	if err := check(ctx, key); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(ctxio.Reader(ctx, r)); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	data := slices.Clip(buf.Bytes())

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blobs[key]; ok && exclusive {
		return 0, fmt.Errorf("%s %q: %w", op, key, storage.ErrExists)
	}
	if err := s.conflict(key); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	s.blobs[key] = blob{data: data, modTime: time.Now()}
	return int64(len(data)), nil
}

// conflict reports whether key would be both a blob and the folder of another blob, which
// file systems cannot store. The caller holds s.mu.
func (s *Store) conflict(key string) error {
	for i := range len(key) {
		if key[i] == '/' {
			if _, ok := s.blobs[key[:i]]; ok {
				return fmt.Errorf("%q is a blob, not a folder", key[:i])
			}
		}
	}
	for k := range s.blobs {
		if strings.HasPrefix(k, key+"/") {
			return fmt.Errorf("a folder of blobs such as %q", k)
		}
	}
	return nil
}

// Get opens a blob.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	b, err := s.lookup(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

// Stat describes a blob.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	b, err := s.lookup(ctx, key)
	if err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	return storage.Info{Key: key, Size: int64(len(b.data)), ModTime: b.modTime}, nil
}

func (s *Store) lookup(ctx context.Context, key string) (blob, error) {
	if err := check(ctx, key); err != nil {
		return blob{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[key]
	if !ok {
		return blob{}, fs.ErrNotExist
	}
	return b, nil
}

// List returns the blobs whose keys start with prefix, sorted by key.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.Info, error) {
	if err := storage.ValidPrefix(prefix); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	s.mu.Lock()
	infos := []storage.Info{}
	for k, b := range s.blobs {
		if strings.HasPrefix(k, prefix) {
			infos = append(infos, storage.Info{Key: k, Size: int64(len(b.data)), ModTime: b.modTime})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(infos, func(a, b storage.Info) int { return strings.Compare(a.Key, b.Key) })
	return infos, nil
}

// Delete removes a blob; an absent key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := check(ctx, key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blobs, key)
	return nil
}

func check(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	return ctx.Err()
}
