package archive_test

import (
	"bytes"
	"context"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

// recorder observes files: their sizes and checksums, and hard links.
type recorder struct {
	mu    sync.Mutex
	files map[string][2]uint32 // size, crc
	links map[string]string
}

func newRecorder() *recorder {
	return &recorder{files: map[string][2]uint32{}, links: map[string]string{}}
}

type recFile struct {
	r    *recorder
	path string
	size int64
	crc  uint32
	n    int64
}

func (f *recFile) Write(p []byte) (int, error) {
	f.crc = crc32.Update(f.crc, crc32.IEEETable, p)
	f.n += int64(len(p))
	return len(p), nil
}

func (f *recFile) Close() error {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	f.r.files[f.path] = [2]uint32{uint32(f.n), f.crc}
	return nil
}

func (r *recorder) File(path string, size int64) io.WriteCloser {
	return &recFile{r: r, path: path, size: size}
}

func (r *recorder) Link(path, target string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.links[path] = target
}

// Write, Extract and Read show the observer the same files, contents and links, and those are
// the tree's.
func TestObserversSeeEveryFileOnce(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	buildDataTree(t, src)
	want := newRecorder()
	filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(src, p)
			want.files[filepath.ToSlash(rel)] = [2]uint32{uint32(len(b)), crc32.ChecksumIEEE(b)}
		}
		return nil
	})

	written := newRecorder()
	var buf bytes.Buffer
	if _, err := archive.Write(context.Background(), &buf, src, archive.WriteOptions{Observe: written}); err != nil {
		t.Fatal(err)
	}
	extracted := newRecorder()
	if _, err := archive.Extract(context.Background(), bytes.NewReader(buf.Bytes()), filepath.Join(t.TempDir(), "x"), archive.ExtractOptions{Observe: extracted, SourceRoot: src}); err != nil {
		t.Fatal(err)
	}
	read := newRecorder()
	sum, err := archive.Read(context.Background(), bytes.NewReader(buf.Bytes()), read, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]*recorder{"write": written, "extract": extracted, "read": read} {
		all := map[string][2]uint32{}
		for p, f := range got.files {
			all[p] = f
		}
		for p, target := range got.links {
			all[p] = got.files[target]
		}
		if !reflect.DeepEqual(all, want.files) {
			t.Errorf("%s: observed %v\nwant %v", name, all, want.files)
		}
		if len(got.links) != 3 {
			t.Errorf("%s: observed %d hard links, want 3: %v", name, len(got.links), got.links)
		}
	}
	if sum.Files+sum.HardLinks != len(want.files) {
		t.Errorf("Read summary: %d files and %d links for %d paths", sum.Files, sum.HardLinks, len(want.files))
	}
}

func TestReadRefusesWhatExtractRefuses(t *testing.T) {
	for _, b := range [][]byte{
		tarOf(t, file("../escape", "x")),
		tarOf(t, hardlink("h", "nothing")),
		tarOf(t, entry{name: "big", typ: 0x30, size: 1 << 50}),
	} {
		if _, err := archive.Read(context.Background(), bytes.NewReader(b), nil, 0); err == nil {
			t.Errorf("Read accepted a hostile archive")
		}
	}
	b := tarOf(t, dir("d/"), file("d/f", "0123456789"))
	if _, err := archive.Read(context.Background(), bytes.NewReader(b[:600]), nil, 0); err == nil {
		t.Error("Read accepted a truncated archive")
	}
}
