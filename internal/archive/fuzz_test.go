package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

// FuzzExtract feeds arbitrary bytes to Extract and asserts the confinement guarantee: nothing
// is ever created or changed outside the target, and a failed extraction leaves no target.
// Its seed corpus is in testdata/fuzz/FuzzExtract; more seeds are added here.
func FuzzExtract(f *testing.F) {
	f.Add(tarOf(f, dir("a/"), file("a/f", "data"), symlink("a/l", "f"), hardlink("a/h", "a/f")))
	f.Add(tarOf(f, file("../escape", "x")))
	f.Add(tarOf(f, symlink("l", "."), file("l/x", "y")))
	f.Add(tarOf(f, symlink("l", "../outside"), file("l/canary", "y")))
	f.Add(tarOf(f, symlink("b", "."), symlink("a", "b/..")))
	f.Add(tarOf(f, hardlink("h", "../outside/canary")))
	f.Add(tarOf(f, dir("d/"), entry{name: "d/p", typ: tar.TypeFifo}))
	enc, _ := zstd.NewWriter(nil)
	f.Add(enc.EncodeAll(tarOf(f, file("z", "zstd inside")), nil))

	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		target := filepath.Join(parent, "target")
		outside := filepath.Join(parent, "outside")
		if err := os.MkdirAll(outside, 0o755); err != nil {
			t.Fatal(err)
		}
		canary := filepath.Join(outside, "canary")
		if err := os.WriteFile(canary, []byte("canary"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := archive.Extract(context.Background(), bytes.NewReader(data), target, archive.ExtractOptions{NoSameOwner: true})

		// Outside the target there is exactly the canary, unchanged.
		var seen []string
		walkErr := filepath.WalkDir(parent, func(p string, d fs.DirEntry, werr error) error {
			if werr != nil {
				return werr
			}
			if p == target {
				return filepath.SkipDir
			}
			seen = append(seen, strings.TrimPrefix(p, parent))
			return nil
		})
		if walkErr != nil {
			t.Fatal(walkErr)
		}
		if strings.Join(seen, ",") != ",/outside,/outside/canary" {
			t.Fatalf("outside the target: %v (extract error: %v)", seen, err)
		}
		if b, rerr := os.ReadFile(canary); rerr != nil || string(b) != "canary" {
			t.Fatalf("the canary changed: %q, %v", b, rerr)
		}
		if err != nil {
			if _, serr := os.Lstat(target); !errors.Is(serr, fs.ErrNotExist) {
				t.Fatalf("extraction failed (%v) but left the target behind", err)
			}
		}
		// Whatever was extracted can be removed without leaving the sandbox.
		makeRemovable(target)
	})
}

// makeRemovable gives the owner full access to every folder below root, so that t.TempDir's
// clean-up can remove trees extracted with read-only folders.
func makeRemovable(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
}
