package local_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// tree lists everything below root as slash paths, folders with a trailing slash.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		paths = append(paths, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func wantTree(t *testing.T, root string, want ...string) {
	t.Helper()
	if got := tree(t, root); !slices.Equal(got, want) {
		t.Fatalf("folder holds %q, want %q", got, want)
	}
}

type failingReader struct{ left int }

var errSource = errors.New("source failed")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, errSource
	}
	n := min(len(p), r.left)
	clear(p[:n])
	r.left -= n
	return n, nil
}

// cancellingReader cancels its context after n bytes and keeps delivering as much again.
type cancellingReader struct {
	n, read int
	cancel  context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		r.cancel()
	}
	if r.read >= 2*r.n {
		return 0, io.EOF
	}
	p = p[:min(len(p), 2*r.n-r.read)]
	clear(p)
	r.read += len(p)
	return len(p), nil
}

func TestNoResidueAfterFailedPut(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	ctx := t.Context()
	if _, err := s.Put(ctx, "kept/blob", bytes.NewReader([]byte("kept"))); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"kept/failed", "new/deep/failed", "kept/blob"} {
		if _, err := s.Put(ctx, key, &failingReader{left: 3 << 20}); !errors.Is(err, errSource) {
			t.Fatalf("Put(%q) error = %v, want the source's", key, err)
		}
		if _, err := s.PutIfAbsent(ctx, key+"-lock", &failingReader{left: 1000}); !errors.Is(err, errSource) {
			t.Fatalf("PutIfAbsent(%q) error = %v, want the source's", key, err)
		}
		cctx, cancel := context.WithCancel(ctx)
		if _, err := s.Put(cctx, key, &cancellingReader{n: 1 << 20, cancel: cancel}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Put(%q) error = %v, want context.Canceled", key, err)
		}
		cancel()
		wantTree(t, root, "kept/", "kept/blob")
	}
	// The loser of PutIfAbsent and the winner leave no temporary name either.
	if _, err := s.PutIfAbsent(ctx, "kept/blob", bytes.NewReader([]byte("other"))); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("PutIfAbsent over a blob: error = %v, want storage.ErrExists", err)
	}
	if _, err := s.PutIfAbsent(ctx, "lock", bytes.NewReader([]byte("mine"))); err != nil {
		t.Fatal(err)
	}
	wantTree(t, root, "kept/", "kept/blob", "lock")
}

func TestDeleteRemovesEmptyFolders(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	for _, key := range []string{"a/b/c/d", "a/x"} {
		if _, err := s.Put(t.Context(), key, bytes.NewReader(nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(t.Context(), "a/b/c/d"); err != nil {
		t.Fatal(err)
	}
	wantTree(t, root, "a/", "a/x")
	if err := s.Delete(t.Context(), "a/x"); err != nil {
		t.Fatal(err)
	}
	wantTree(t, root)
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("root folder: %v", err)
	}
}

func TestModes(t *testing.T) {
	root := filepath.Join(t.TempDir(), "not", "yet")
	s := newStore(t, root)
	if s.Location() != root {
		t.Errorf("Location() = %q, want %q", s.Location(), root)
	}
	if _, err := s.Put(t.Context(), "folder/blob", bytes.NewReader([]byte("secret"))); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{"": fs.ModeDir | 0o700, "folder": fs.ModeDir | 0o700, "folder/blob": 0o600} {
		fi, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("mode of %q = %v, want %v", name, fi.Mode(), want)
		}
	}
	rc, err := s.Get(t.Context(), "folder/blob")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, ok := rc.(*os.File); !ok {
		t.Errorf("Get returned %T, want *os.File", rc)
	}
}

func TestNewRefusesFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := local.New(file); err == nil {
		s.Close()
		t.Fatal("New on a file succeeded")
	}
}

func TestListSkipsResidue(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	if _, err := s.Put(t.Context(), "a/real", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	// What a crash between create and rename leaves, and things no Put makes.
	for _, name := range []string{".tmp-crashed", "a/.tmp-crashed", ".tmp-dir/blob"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("real", filepath.Join(root, "a", "link")); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"", "a", "a/", ".", ".tmp"} {
		infos, err := s.List(t.Context(), prefix)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, info := range infos {
			keys = append(keys, info.Key)
		}
		want := []string{"a/real"}
		if strings.HasPrefix(prefix, ".") {
			want = nil
		}
		if !slices.Equal(keys, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, keys, want)
		}
	}
	if _, err := s.Stat(t.Context(), "a/link"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a symbolic link: error = %v, want fs.ErrNotExist", err)
	}
}

// endlessReader cancels its context after n bytes and then delivers until it has given
// limit bytes more.
type endlessReader struct {
	n, read, limit int
	cancel         context.CancelFunc
}

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		r.cancel()
		if r.read-r.n >= r.limit {
			return 0, errors.New("Put read on long after its context was cancelled")
		}
	}
	clear(p)
	r.read += len(p)
	return len(p), nil
}

// TestCancelStopsReading checks that a cancelled Put stops copying at once instead of
// writing the rest of a (possibly huge) source first.
func TestCancelStopsReading(t *testing.T) {
	root := t.TempDir()
	s := newStore(t, root)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := &endlessReader{n: 1 << 20, limit: 1 << 20, cancel: cancel}
	if _, err := s.Put(ctx, "big", src); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put error = %v, want context.Canceled", err)
	}
	wantTree(t, root)
}
