package faulty_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/faulty"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/storagetest"
)

// Without faults the wrapper is transparent.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return faulty.New(mem.New()) })
}

func TestNthPutFailsAfterBytes(t *testing.T) {
	root := t.TempDir()
	inner, err := local.New(root)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	s := faulty.New(inner)
	s.Add(faulty.Fault{Op: faulty.OpPut, Key: "*/archive", Nth: 2, AfterBytes: 1000})
	ctx := t.Context()
	data := bytes.Repeat([]byte("x"), 5000)

	for i, key := range []string{"b1/archive", "b2/other", "b2/archive", "b3/archive"} {
		src := bytes.NewReader(data)
		_, err := s.Put(ctx, key, src)
		if key == "b2/archive" { // the second matching Put
			if !errors.Is(err, faulty.ErrInjected) {
				t.Fatalf("Put #%d (%s) error = %v, want ErrInjected", i+1, key, err)
			}
			if read := len(data) - src.Len(); read != 1000 {
				t.Errorf("the failing Put read %d bytes of its source, want 1000", read)
			}
			if _, err := inner.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the failed Put left %s in the wrapped store: %v", key, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Put #%d (%s): %v", i+1, key, err)
		}
	}
	if got := s.Calls(faulty.OpPut); got != 4 {
		t.Errorf("Calls(put) = %d, want 4", got)
	}
}

func TestImmediateFailures(t *testing.T) {
	errDisk := errors.New("disk on fire")
	s := faulty.New(mem.New())
	ctx := t.Context()
	if _, err := s.Put(ctx, "k", bytes.NewReader([]byte("data"))); err != nil {
		t.Fatal(err)
	}
	s.Add(faulty.Fault{Op: faulty.OpGet, Key: "k"})
	s.Add(faulty.Fault{Op: faulty.OpStat, Err: errDisk})
	s.Add(faulty.Fault{Op: faulty.OpDelete, Nth: 1})
	s.Add(faulty.Fault{Op: faulty.OpList})
	s.Add(faulty.Fault{Op: faulty.OpPutIfAbsent, Err: errDisk})

	for range 2 { // Nth 0 hits every call
		if _, err := s.Get(ctx, "k"); !errors.Is(err, faulty.ErrInjected) {
			t.Errorf("Get(k) error = %v, want ErrInjected", err)
		}
	}
	if _, err := s.Get(ctx, "other"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get(other) error = %v, want the wrapped store's fs.ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "k"); !errors.Is(err, errDisk) {
		t.Errorf("Stat error = %v, want the fault's error", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, faulty.ErrInjected) {
		t.Errorf("List error = %v, want ErrInjected", err)
	}
	if _, err := s.PutIfAbsent(ctx, "lock", bytes.NewReader(nil)); !errors.Is(err, errDisk) {
		t.Errorf("PutIfAbsent error = %v, want the fault's error", err)
	}
	if err := s.Delete(ctx, "k"); !errors.Is(err, faulty.ErrInjected) {
		t.Errorf("first Delete error = %v, want ErrInjected", err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	s.Clear()
	if _, err := s.List(ctx, ""); err != nil {
		t.Errorf("List after Clear: %v", err)
	}
}

func TestGetFailsAfterBytes(t *testing.T) {
	s := faulty.New(mem.New())
	data := bytes.Repeat([]byte("y"), 4096)
	if _, err := s.Put(t.Context(), "blob", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	s.Add(faulty.Fault{Op: faulty.OpGet, AfterBytes: 100})
	rc, err := s.Get(t.Context(), "blob")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if !errors.Is(err, faulty.ErrInjected) || !bytes.Equal(got, data[:100]) {
		t.Fatalf("read %d bytes, error %v; want 100 bytes, then ErrInjected", len(got), err)
	}
}

func TestBlockedPut(t *testing.T) {
	for _, afterBytes := range []int64{0, 10} {
		inner := mem.New()
		s := faulty.New(inner)
		hit := make(chan struct{})
		s.Add(faulty.Fault{Op: faulty.OpPut, Block: true, AfterBytes: afterBytes, OnHit: func(faulty.Op, string) { close(hit) }})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := s.Put(ctx, "slow", bytes.NewReader(make([]byte, 100)))
			done <- err
		}()
		<-hit
		select {
		case err := <-done:
			t.Fatalf("AfterBytes %d: blocked Put returned before its context was cancelled: %v", afterBytes, err)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("AfterBytes %d: blocked Put error = %v, want context.Canceled", afterBytes, err)
		}
		if _, err := inner.Stat(t.Context(), "slow"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("AfterBytes %d: blocked Put left a blob: %v", afterBytes, err)
		}
	}
}

func TestBadPatternPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Add with a bad pattern did not panic")
		}
	}()
	faulty.New(mem.New()).Add(faulty.Fault{Op: faulty.OpGet, Key: "["})
}
