package faulty

import (
	"context"
	"fmt"
	"io"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Location returns the wrapped store's location.
func (s *wrapper) Location() string { return s.inner.Location() }

// Put passes through or fails as a fault says.
func (s *wrapper) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, OpPut, key, r, s.inner.Put)
}

// PutIfAbsent passes through or fails as a fault says.
func (s *wrapper) PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, OpPutIfAbsent, key, r, s.inner.PutIfAbsent)
}

type putFunc func(context.Context, string, io.Reader) (int64, error)

func (s *wrapper) put(ctx context.Context, op Op, key string, r io.Reader, put putFunc) (int64, error) {
	f := s.hit(op, key)
	switch {
	case f == nil:
		return put(ctx, key, r)
	case f.AfterBytes > 0:
		return put(ctx, key, &faultReader{r: r, left: f.AfterBytes, ctx: ctx, f: f})
	default:
		return 0, fmt.Errorf("%s %q: %w", op, key, f.act(ctx))
	}
}

// Get passes through or fails as a fault says.
func (s *wrapper) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	f := s.hit(OpGet, key)
	switch {
	case f == nil:
		return s.inner.Get(ctx, key)
	case f.AfterBytes > 0:
		rc, err := s.inner.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{&faultReader{r: rc, left: f.AfterBytes, ctx: ctx, f: f}, rc}, nil
	default:
		return nil, fmt.Errorf("get %q: %w", key, f.act(ctx))
	}
}

// Stat passes through or fails as a fault says.
func (s *wrapper) Stat(ctx context.Context, key string) (storage.Info, error) {
	if f := s.hit(OpStat, key); f != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, f.act(ctx))
	}
	return s.inner.Stat(ctx, key)
}

// List passes through or fails as a fault says.
func (s *wrapper) List(ctx context.Context, prefix string) ([]storage.Info, error) {
	if f := s.hit(OpList, prefix); f != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, f.act(ctx))
	}
	return s.inner.List(ctx, prefix)
}

// Delete passes through or fails as a fault says.
func (s *wrapper) Delete(ctx context.Context, key string) error {
	if f := s.hit(OpDelete, key); f != nil {
		return fmt.Errorf("delete %q: %w", key, f.act(ctx))
	}
	return s.inner.Delete(ctx, key)
}

// faultReader passes left bytes through and then lets its fault act.
type faultReader struct {
	r    io.Reader
	left int64
	ctx  context.Context
	f    *Fault
}

func (fr *faultReader) Read(p []byte) (int, error) {
	if fr.left <= 0 {
		return 0, fr.f.act(fr.ctx)
	}
	if int64(len(p)) > fr.left {
		p = p[:fr.left]
	}
	n, err := fr.r.Read(p)
	fr.left -= int64(n)
	return n, err
}
