package mem_test

import (
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return mem.New() })
}

// TestFileFolderConflict checks that mem refuses what the local backend cannot store, so
// unit tests catch such keys.
func TestFileFolderConflict(t *testing.T) {
	s := mem.New()
	ctx := t.Context()
	for _, pair := range [][2]string{{"a", "a/b"}, {"c/d/e", "c/d"}, {"f/g/h", "f"}} {
		if _, err := s.Put(ctx, pair[0], strings.NewReader("first")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, pair[1], strings.NewReader("second")); err == nil {
			t.Errorf("Put(%q) after Put(%q) succeeded", pair[1], pair[0])
		}
		if _, err := s.PutIfAbsent(ctx, pair[1], strings.NewReader("second")); err == nil {
			t.Errorf("PutIfAbsent(%q) after Put(%q) succeeded", pair[1], pair[0])
		}
	}
	// Siblings that share a name prefix are no conflict.
	for _, key := range []string{"a-b", "ab", "c/d-e", "c/dd"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x")); err != nil {
			t.Errorf("Put(%q): %v", key, err)
		}
	}
}
