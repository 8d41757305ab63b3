package archive_test

import (
	"path/filepath"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

func TestRoundTripIsExact(t *testing.T) {
	for _, c := range archive.Compressions {
		t.Run(string(c), func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "data")
			want := buildDataTree(t, src)
			name, wsum := writeArchive(t, src, c)

			dst := filepath.Join(t.TempDir(), "restored")
			xsum, err := extractFile(t, name, dst, archive.ExtractOptions{SourceRoot: src})
			if err != nil {
				t.Fatal(err)
			}
			sameTree(t, want, dst)

			if xsum.Compression != c {
				t.Errorf("detected compression %s, want %s", xsum.Compression, c)
			}
			if wsum.Files != xsum.Files || wsum.HardLinks != xsum.HardLinks || wsum.Symlinks != xsum.Symlinks || wsum.Dirs != xsum.Dirs || wsum.Bytes != xsum.Bytes {
				t.Errorf("write saw %d files, %d hard links, %d links, %d dirs, %d bytes; extract saw %d, %d, %d, %d, %d",
					wsum.Files, wsum.HardLinks, wsum.Symlinks, wsum.Dirs, wsum.Bytes, xsum.Files, xsum.HardLinks, xsum.Symlinks, xsum.Dirs, xsum.Bytes)
			}
			if len(wsum.Entries) != len(xsum.Entries) {
				t.Fatalf("write listed %d entries, extract %d", len(wsum.Entries), len(xsum.Entries))
			}
			for i, we := range wsum.Entries {
				xe := xsum.Entries[i]
				if we.Path != xe.Path || we.Type != xe.Type || we.XXH64 != xe.XXH64 || we.Link != xe.Link || we.Mode != xe.Mode || !we.ModTime.Equal(xe.ModTime) {
					t.Errorf("entry %d: written %+v, extracted %+v", i, we, xe)
				}
			}
		})
	}
}

func TestSummaryDescribesTheTree(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	want := buildDataTree(t, src)
	_, sum := writeArchive(t, src, archive.Zstd)
	byPath := map[string]archive.Entry{}
	for _, e := range sum.Entries {
		byPath[e.Path] = e
	}
	for p, info := range want {
		e, ok := byPath[p]
		if !ok {
			t.Errorf("%s is missing from the summary", p)
			continue
		}
		switch info.Type {
		case "file":
			if info.LinkGroup != "" && info.LinkGroup != p {
				if e.Type != archive.TypeHardLink || e.Link != info.LinkGroup {
					t.Errorf("%s: want a hard link to %s, got %+v", p, info.LinkGroup, e)
				}
				continue
			}
			if e.Type != archive.TypeFile || e.Size != info.Size || len(e.XXH64) != 16 {
				t.Errorf("%s: want a file of %d bytes with a digest, got %+v", p, info.Size, e)
			}
		case "symlink":
			if e.Type != archive.TypeSymlink || e.Link != info.Target {
				t.Errorf("%s: want a link to %s, got %+v", p, info.Target, e)
			}
		case "dir":
			if e.Type != archive.TypeDir {
				t.Errorf("%s: want a folder, got %+v", p, e)
			}
		}
		if e.ModTime.UnixNano() != info.ModTime && info.Type != "symlink" && e.Type != archive.TypeHardLink {
			t.Errorf("%s: mtime %v, want %d", p, e.ModTime, info.ModTime)
		}
	}
	if len(sum.SHA256) != 64 || sum.Size == 0 {
		t.Errorf("archive digest %q, size %d", sum.SHA256, sum.Size)
	}
	if len(sum.Entries) != len(want) {
		t.Errorf("summary lists %d entries, the tree has %d", len(sum.Entries), len(want))
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	buildDataTree(t, src)
	_, a := writeArchive(t, src, archive.None)
	_, b := writeArchive(t, src, archive.None)
	if a.SHA256 != b.SHA256 {
		t.Fatalf("two archives of the same tree differ: %s and %s", a.SHA256, b.SHA256)
	}
}

func TestMixedTreeRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	if err := testtree.Mixed(src, 24<<20, 7); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, src)
	for _, c := range archive.Compressions {
		name, _ := writeArchive(t, src, c)
		dst := filepath.Join(t.TempDir(), "restored")
		if _, err := extractFile(t, name, dst, archive.ExtractOptions{}); err != nil {
			t.Fatal(err)
		}
		sameTree(t, want, dst)
		assertNotSparse(t, dst)
	}
}
