package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

type putFunc func(ctx context.Context, key string, r io.Reader) (int64, error)

// puts returns Put and PutIfAbsent of s by name, for tests that check both.
func puts(s storage.Store) map[string]putFunc {
	return map[string]putFunc{"Put": s.Put, "PutIfAbsent": s.PutIfAbsent}
}

// putCase is one Put method of a store on one key: fresh, or one that already holds a blob.
type putCase struct {
	name  string
	put   putFunc
	key   string
	fresh bool
}

// putCases are Put and PutIfAbsent of s on the fresh key and on over, which is put with old
// first.
func putCases(t *testing.T, s storage.Store, fresh, over string, old []byte) []putCase {
	put(t, s, over, old)
	var out []putCase
	for name, fn := range puts(s) {
		out = append(out, putCase{name, fn, fresh, true}, putCase{name, fn, over, false})
	}
	return out
}

func testFailingSource(t *testing.T, s storage.Store) {
	for name, putFn := range puts(s) {
		for _, size := range []int{0, 1000, 3 << 20} {
			_, err := putFn(t.Context(), "failed/blob", &failingReader{data: randomBytes(size, 4)})
			if !errors.Is(err, errSource) {
				t.Fatalf("%s with a source failing after %d bytes: error = %v, want one wrapping the source's error", name, size, err)
			}
			wantAbsent(t, s, "failed/blob")
			wantKeys(t, s, "")
		}
	}
	// A failed Put leaves a lock free for PutIfAbsent.
	if _, err := s.PutIfAbsent(t.Context(), "failed/blob", bytes.NewReader([]byte("ok"))); err != nil {
		t.Fatalf("PutIfAbsent after failed Puts: %v", err)
	}
	// A failed overwrite leaves the previous blob.
	old := randomBytes(10_000, 5)
	put(t, s, "kept", old)
	if _, err := s.Put(t.Context(), "kept", &failingReader{data: randomBytes(20_000, 6)}); !errors.Is(err, errSource) {
		t.Fatalf("overwrite with a failing source: error = %v, want one wrapping the source's error", err)
	}
	wantContent(t, s, "kept", old)
	wantKeys(t, s, "", "failed/blob", "kept")
}

func testCancelledContext(t *testing.T, s storage.Store) {
	put(t, s, "existing", []byte("data"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, putFn := range puts(s) {
		if _, err := putFn(ctx, "new", bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error = %v, want one wrapping context.Canceled", name, err)
		}
	}
	if _, err := s.Put(ctx, "existing", bytes.NewReader([]byte("changed"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put over a blob with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	if rc, err := s.Get(ctx, "existing"); !errors.Is(err, context.Canceled) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("Get with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	if _, err := s.Stat(ctx, "existing"); !errors.Is(err, context.Canceled) {
		t.Errorf("Stat with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	if err := s.Delete(ctx, "existing"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a cancelled context: error = %v, want one wrapping context.Canceled", err)
	}
	wantAbsent(t, s, "new")
	wantContent(t, s, "existing", []byte("data"))
	wantKeys(t, s, "", "existing")
}

// testCancelledMidway cancels the context while Put reads its source, which goes on
// delivering: the Put must fail and leave nothing.
func testCancelledMidway(t *testing.T, s storage.Store) {
	old := []byte("previous")
	for _, c := range putCases(t, s, "fresh/blob", "over", old) {
		ctx, cancel := context.WithCancel(t.Context())
		src := &hookReader{data: randomBytes(4<<20, 7), hookAt: 1 << 20, hook: cancel}
		_, err := c.put(ctx, c.key, src)
		cancel()
		switch {
		case c.name == "PutIfAbsent" && !c.fresh && errors.Is(err, storage.ErrExists):
			// a backend may refuse before reading
		case src.hook != nil:
			t.Fatalf("%s(%q) returned before reading 1 MiB: %v", c.name, c.key, err)
		case !errors.Is(err, context.Canceled):
			t.Fatalf("%s(%q) cancelled midway: error = %v, want one wrapping context.Canceled", c.name, c.key, err)
		}
		wantAbsent(t, s, "fresh/blob")
		wantContent(t, s, "over", old)
		wantKeys(t, s, "", "over")
	}
}

// testNothingPartialVisible holds Put halfway through its source and looks at the key.
func testNothingPartialVisible(t *testing.T, s storage.Store) {
	old := []byte("old content")
	for _, c := range putCases(t, s, "visible/fresh", "visible/over", old) {
		if c.name == "PutIfAbsent" && !c.fresh {
			continue // refused: nothing to see
		}
		data := randomBytes(2<<20, 8)
		reached, unblock := make(chan struct{}), make(chan struct{})
		release := sync.OnceFunc(func() { close(unblock) })
		defer release()
		src := &hookReader{data: data, hookAt: 1 << 20, hook: func() { close(reached); <-unblock }}
		done := make(chan error, 1)
		go func() {
			_, err := c.put(t.Context(), c.key, src)
			done <- err
		}()
		select {
		case <-reached:
		case err := <-done:
			t.Fatalf("%s(%q) returned before reading its source: %v", c.name, c.key, err)
		}
		if c.fresh {
			wantAbsent(t, s, c.key)
		} else {
			wantContent(t, s, c.key, old)
		}
		wantKeys(t, s, "", "visible/over")
		release()
		if err := <-done; err != nil {
			t.Fatalf("%s(%q): %v", c.name, c.key, err)
		}
		wantContent(t, s, c.key, data)
		if err := s.Delete(t.Context(), "visible/fresh"); err != nil {
			t.Fatal(err)
		}
		put(t, s, "visible/over", old)
	}
}

// testAtomicOverwrite reads a key while it is overwritten again and again: every read sees
// one whole version.
func testAtomicOverwrite(t *testing.T, s storage.Store) {
	a, b := bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 300<<10)
	put(t, s, "flip", a)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(stop)
		for i := range 20 {
			data := a
			if i%2 == 0 {
				data = b
			}
			if _, err := s.Put(t.Context(), "flip", bytes.NewReader(data)); err != nil {
				t.Errorf("Put: %v", err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				rc, err := s.Get(t.Context(), "flip")
				if err != nil {
					t.Errorf("Get during overwrites: %v", err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Errorf("Get during overwrites: read: %v", err)
					return
				}
				if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					t.Errorf("Get during overwrites = %s, want one whole version", describe(got))
					return
				}
			}
		})
	}
	wg.Wait()
}
