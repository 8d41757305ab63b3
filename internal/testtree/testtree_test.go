package testtree_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// The comparison is what every copy test relies on: each kind of difference must show.
func TestDiffSeesEveryKindOfDifference(t *testing.T) {
	nodes := []testtree.Node{
		{Path: "f", Data: []byte("content")},
		{Path: "g", Kind: testtree.HardLink, Target: "f"},
		{Path: "l", Kind: testtree.Symlink, Target: "f"},
		{Path: "d", Kind: testtree.Dir, Mode: 0o750},
	}
	changes := map[string]func(root string) error{
		"content":         func(r string) error { return os.WriteFile(filepath.Join(r, "f"), []byte("CONTENT"), 0o644) },
		"mode":            func(r string) error { return os.Chmod(filepath.Join(r, "d"), 0o755) },
		"mtime":           func(r string) error { return os.Chtimes(filepath.Join(r, "f"), time.Now(), time.Now()) },
		"hard link split": func(r string) error { return copyOver(filepath.Join(r, "f"), filepath.Join(r, "g")) },
		"symlink target": func(r string) error {
			os.Remove(filepath.Join(r, "l"))
			return os.Symlink("g", filepath.Join(r, "l"))
		},
		"extra file":   func(r string) error { return os.WriteFile(filepath.Join(r, "d", "new"), nil, 0o644) },
		"missing file": func(r string) error { return os.Remove(filepath.Join(r, "l")) },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
			for _, root := range []string{a, b} {
				if err := testtree.Build(root, nodes); err != nil {
					t.Fatal(err)
				}
				os.Chtimes(root, testtree.DefaultTime, testtree.DefaultTime)
			}
			sa, _ := testtree.Take(a, testtree.Options{SkipRootTimes: true})
			sb, _ := testtree.Take(b, testtree.Options{SkipRootTimes: true})
			if d := testtree.Diff(sa, sb, true); len(d) > 0 {
				t.Fatalf("identical builds differ:\n%s", testtree.DiffString(d))
			}
			if err := change(b); err != nil {
				t.Fatal(err)
			}
			sb, _ = testtree.Take(b, testtree.Options{SkipRootTimes: true})
			if d := testtree.Diff(sa, sb, true); len(d) == 0 {
				t.Fatalf("a %s change went unseen", name)
			}
		})
	}
}

// copyOver replaces dst, a hard link of src, with an independent copy of the same bytes.
func copyOver(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	os.Remove(dst)
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return err
	}
	return os.Chtimes(dst, testtree.DefaultTime, testtree.DefaultTime)
}
