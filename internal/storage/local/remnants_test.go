package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Put killed before its rename leaves a ".tmp-*" file that List hides; Remnants finds it and
// RemoveRemnants removes it and the folder it leaves empty, and nothing else.
func TestRemnantsOfAKilledPut(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s := newStore(t, root)
	if _, err := s.Put(ctx, "keep/a", strings.NewReader("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "b/blob", strings.NewReader("b")); err != nil {
		t.Fatal(err)
	}
	// What a killed Put leaves: its temporary file, in a folder of its own and beside a blob.
	for _, dir := range []string{"b", "c"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, ".tmp-KILLED"), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if infos, err := s.List(ctx, "c/"); err != nil || len(infos) != 0 {
		t.Fatalf("List shows a temporary file: %v %v", infos, err)
	}
	for dir, want := range map[string]string{"c/": filepath.Join(root, "c", ".tmp-KILLED"), "b/": filepath.Join(root, "b", ".tmp-KILLED"), "keep/": ""} {
		got, err := s.Remnants(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
			t.Errorf("Remnants(%q) = %v, want %q", dir, got, want)
		}
	}
	if got, err := s.Remnants(ctx, "absent/"); err != nil || len(got) != 0 {
		t.Errorf("Remnants of an absent folder: %v %v", got, err)
	}
	for _, dir := range []string{"b/", "c/"} {
		if err := s.RemoveRemnants(ctx, dir); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "c")); !os.IsNotExist(err) {
		t.Errorf("the folder that held only a remnant is left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "b", ".tmp-KILLED")); !os.IsNotExist(err) {
		t.Errorf("the remnant beside a blob is left: %v", err)
	}
	for _, key := range []string{"b/blob", "keep/a"} {
		if _, err := s.Stat(ctx, key); err != nil {
			t.Errorf("RemoveRemnants touched blob %s: %v", key, err)
		}
	}
	if _, err := s.Remnants(ctx, "b"); err == nil {
		t.Error("a folder without its trailing slash is accepted")
	}
}

// The top level ("") is the top-level temporary files alone (a killed write of the lock), never
// those inside folders, which belong to their own writers.
func TestTopLevelRemnants(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s := newStore(t, root)
	if _, err := s.Put(ctx, "lock.json", strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{".tmp-LOCK", filepath.Join("zeebe-backup-x", ".tmp-ARCHIVE")} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Remnants(ctx, "")
	if err != nil || len(got) != 1 || got[0] != filepath.Join(root, ".tmp-LOCK") {
		t.Fatalf("Remnants(\"\") = %v, %v; want only the top-level one", got, err)
	}
	if err := s.RemoveRemnants(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".tmp-LOCK")); !os.IsNotExist(err) {
		t.Errorf("the top-level remnant is left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "zeebe-backup-x", ".tmp-ARCHIVE")); err != nil {
		t.Errorf("a folder's remnant was removed: %v", err)
	}
	if _, err := s.Stat(ctx, "lock.json"); err != nil {
		t.Errorf("the lock was touched: %v", err)
	}
}
