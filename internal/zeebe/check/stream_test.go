package check_test

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// feed walks a data folder as archive.Write does (sorted, folders before their contents) and
// writes each file to the checker in chunks of the sizes next returns.
func feed(t *testing.T, c *check.Checker, dir string, next func() int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w := c.File(rel(t, dir, p), int64(len(b)))
		if w == nil {
			return nil
		}
		for len(b) > 0 {
			n := min(max(next(), 1), len(b))
			w.Write(b[:n])
			b = b[n:]
		}
		return w.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The checker's results do not depend on how the content is cut into writes: entries split
// across writes, down to single bytes, give the same report as whole files.
func TestChunkingDoesNotMatter(t *testing.T) {
	dir := copyData(t, simData(t, simSpec{Version: "8.8.2"})[0])
	files, entries := dataSegments(t, dir)
	flip(t, files[0], int64(entries[0][3].Offset+40)) // a torn entry too
	whole := check.New(oneBroker)
	feed(t, whole, dir, func() int { return 1 << 30 })
	want := whole.Finish()
	if len(want.Errors()) != 1 {
		t.Fatalf("want one error, got%s", describe(want.Findings))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, next := range map[string]func() int{
		"1 byte":   func() int { return 1 },
		"3 bytes":  func() int { return 3 },
		"21 bytes": func() int { return 21 },
		"4 KiB":    func() int { return 4096 },
		"random":   func() int { return rng.IntN(3000) },
	} {
		c := check.New(oneBroker)
		feed(t, c, dir, next)
		got := c.Finish()
		if !reflect.DeepEqual(got.Partitions, want.Partitions) || !reflect.DeepEqual(got.Findings, want.Findings) {
			t.Errorf("%s: report differs from whole files:%s\nwant:%s", name, describe(got.Findings), describe(want.Findings))
		}
	}
}
