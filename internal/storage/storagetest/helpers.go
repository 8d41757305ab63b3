package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// errSource is the error of the failing sources the suite gives Put.
var errSource = errors.New("storagetest: source failed")

// randomBytes returns n pseudo-random bytes that depend on seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 1})
	rng.Read(b)
	return b
}

func put(t *testing.T, s storage.Store, key string, data []byte) {
	t.Helper()
	n, err := s.Put(t.Context(), key, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if n != int64(len(data)) {
		t.Fatalf("Put(%q) returned %d bytes, want %d", key, n, len(data))
	}
}

func get(t *testing.T, s storage.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("Get(%q): close: %v", key, err)
	}
	return data
}

func wantContent(t *testing.T, s storage.Store, key string, want []byte) {
	t.Helper()
	if got := get(t, s, key); !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %s, want %s", key, describe(got), describe(want))
	}
}

func wantAbsent(t *testing.T, s storage.Store, key string) {
	t.Helper()
	if rc, err := s.Get(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			rc.Close()
		}
		t.Fatalf("Get(%q) error = %v, want one wrapping fs.ErrNotExist", key, err)
	}
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat(%q) error = %v, want one wrapping fs.ErrNotExist", key, err)
	}
}

func listKeys(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	infos, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	keys := []string{}
	for _, info := range infos {
		keys = append(keys, info.Key)
	}
	return keys
}

func wantKeys(t *testing.T, s storage.Store, prefix string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := listKeys(t, s, prefix); !slices.Equal(got, want) {
		t.Fatalf("List(%q) = %q, want %q", prefix, got, want)
	}
}

func describe(b []byte) string {
	if len(b) <= 32 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes starting %q", len(b), b[:16])
}

// failingReader yields data and then fails with errSource instead of io.EOF.
type failingReader struct {
	data []byte
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errSource
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// hookReader yields data; when hookAt bytes have been read it calls hook once first.
type hookReader struct {
	data   []byte
	read   int
	hookAt int
	hook   func()
}

func (r *hookReader) Read(p []byte) (int, error) {
	if r.hook != nil && r.read >= r.hookAt {
		r.hook()
		r.hook = nil
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if r.hook != nil && r.read+len(p) > r.hookAt {
		p = p[:r.hookAt-r.read]
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	r.read += n
	return n, nil
}
