package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// testConcurrentPuts stores 64 blobs from 32 goroutines, half of them in one shared folder.
func testConcurrentPuts(t *testing.T, s storage.Store) {
	const workers = 32
	var keys []string
	for i := range workers {
		keys = append(keys, fmt.Sprintf("shared/%02d", i), fmt.Sprintf("own%02d/deep/blob", i))
	}
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() {
			if _, err := s.Put(t.Context(), key, bytes.NewReader(randomBytes(64<<10, uint64(i)))); err != nil {
				t.Errorf("Put(%q): %v", key, err)
			}
		})
	}
	wg.Wait()
	for i, key := range keys {
		wantContent(t, s, key, randomBytes(64<<10, uint64(i)))
	}
	slices.Sort(keys)
	wantKeys(t, s, "", keys...)
}

// testPutDeleteChurn has workers store and delete blobs in shared folders at the same time,
// which races folder creation against folder clean-up in file-system backends.
func testPutDeleteChurn(t *testing.T, s storage.Store) {
	const workers, rounds = 8, 40
	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			keys := []string{fmt.Sprintf("churn/%d", w), fmt.Sprintf("churn/deep/er/%d", w)}
			for r := range rounds {
				for _, key := range keys {
					if err := churn(ctx, s, key, fmt.Sprintf("%d/%d", w, r)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	wantKeys(t, s, "")
}

func churn(ctx context.Context, s storage.Store, key, content string) error {
	if _, err := s.Put(ctx, key, bytes.NewReader([]byte(content))); err != nil {
		return fmt.Errorf("Put(%q): %w", key, err)
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("Get(%q) after Put: %w", key, err)
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	rc.Close()
	if err != nil || buf.String() != content {
		return fmt.Errorf("Get(%q) = %q, %v; want %q", key, buf.String(), err, content)
	}
	if err := s.Delete(ctx, key); err != nil {
		return fmt.Errorf("Delete(%q): %w", key, err)
	}
	return nil
}

// testSpaceReporter checks the optional power where a store has it.
func testSpaceReporter(t *testing.T, s storage.Store) {
	sr, ok := s.(storage.SpaceReporter)
	if !ok {
		t.Logf("%T is no storage.SpaceReporter", s)
		return
	}
	free, err := sr.FreeSpace(t.Context())
	if err != nil {
		t.Fatalf("FreeSpace: %v", err)
	}
	if free <= 0 {
		t.Fatalf("FreeSpace = %d, want a positive number", free)
	}
}
