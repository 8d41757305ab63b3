package archive_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// changingTree is a folder with a file "big" of several read chunks and a few small ones.
func changingTree(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "data")
	big := make([]byte, 3<<20+5)
	if err := testtree.Build(src, []testtree.Node{
		{Path: "a", Data: []byte("a")},
		{Path: "big", Data: big},
		{Path: "c", Data: []byte("c")},
		{Path: "sub/d", Data: []byte("d")},
	}); err != nil {
		t.Fatal(err)
	}
	return src
}

// Each case changes the folder at one moment of the walk, the way a broker still running would,
// and the archive must abort with ErrInUse naming the path.
func TestChangesWhileArchivingAbort(t *testing.T) {
	cases := []struct {
		name    string
		mention string
		// skip and progress are hooks into the walk; they change the tree at a chosen moment.
		skip     func(src, rel string) bool
		progress func(src string, p archive.Progress)
	}{
		{name: "file appears", mention: filepath.Join("data", "."), skip: func(src, rel string) bool {
			if rel == "c" {
				os.WriteFile(filepath.Join(src, "new-segment.log"), []byte("x"), 0o644)
			}
			return false
		}},
		{name: "file vanishes", mention: "c", skip: func(src, rel string) bool {
			if rel == "big" {
				os.Remove(filepath.Join(src, "c"))
			}
			return false
		}},
		{name: "file grows", mention: "big", progress: func(src string, p archive.Progress) {
			if p.Path == "big" && p.Bytes > 0 && p.Bytes < 2<<20 {
				appendTo(t, filepath.Join(src, "big"), "more")
			}
		}},
		{name: "file shrinks", mention: "big", progress: func(src string, p archive.Progress) {
			if p.Path == "big" && p.Bytes > 0 && p.Bytes < 2<<20 {
				os.Truncate(filepath.Join(src, "big"), 1<<20)
			}
		}},
		{name: "file rewritten in place", mention: "big", progress: func(src string, p archive.Progress) {
			if p.Path == "big" && p.Bytes > 0 && p.Bytes < 2<<20 {
				f, _ := os.OpenFile(filepath.Join(src, "big"), os.O_WRONLY, 0)
				f.WriteAt([]byte("changed"), 3<<20)
				f.Close()
			}
		}},
		{name: "folder gains an entry", mention: "sub", skip: func(src, rel string) bool {
			if rel == "sub/d" {
				os.WriteFile(filepath.Join(src, "sub", "e"), []byte("e"), 0o644)
			}
			return false
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := changingTree(t)
			opts := archive.WriteOptions{}
			if c.skip != nil {
				opts.Skip = func(rel string, _ fs.DirEntry) bool { return c.skip(src, rel) }
			}
			if c.progress != nil {
				opts.Progress = func(p archive.Progress) { c.progress(src, p) }
			}
			_, err := archive.Write(context.Background(), io.Discard, src, opts)
			if !errors.Is(err, archive.ErrInUse) {
				t.Fatalf("want ErrInUse, got %v", err)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not name %q", err, c.mention)
			}
		})
	}
}

func appendTo(t *testing.T, name, s string) {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	f.WriteString(s)
	f.Close()
}

func TestSpecialFilesAreRefusedByName(t *testing.T) {
	t.Run("fifo", func(t *testing.T) {
		src := changingTree(t)
		if err := syscall.Mkfifo(filepath.Join(src, "sub", "pipe"), 0o600); err != nil {
			t.Fatal(err)
		}
		assertUnsupported(t, src, "sub/pipe", "named pipe")
	})
	t.Run("socket", func(t *testing.T) {
		src := changingTree(t)
		l, err := net.Listen("unix", filepath.Join(src, "sock"))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		assertUnsupported(t, src, "sock", "socket")
	})
	if os.Geteuid() == 0 {
		t.Run("device", func(t *testing.T) {
			src := changingTree(t)
			if err := syscall.Mknod(filepath.Join(src, "null"), syscall.S_IFCHR|0o600, 1<<8|3); err != nil {
				t.Fatal(err)
			}
			assertUnsupported(t, src, "null", "character device")
		})
	}
}

func assertUnsupported(t *testing.T, src, rel, what string) {
	t.Helper()
	_, err := archive.Write(context.Background(), io.Discard, src, archive.WriteOptions{})
	if !errors.Is(err, archive.ErrUnsupported) {
		t.Fatalf("want ErrUnsupported, got %v", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(src, rel)) || !strings.Contains(err.Error(), what) {
		t.Errorf("error %q does not name %s as %s", err, rel, what)
	}
}

func TestSkipLeavesOutAFolder(t *testing.T) {
	src := changingTree(t)
	_, sum := writeArchiveSkipping(t, src, "sub")
	for _, e := range sum.Entries {
		if strings.HasPrefix(e.Path, "sub") {
			t.Errorf("%s was archived although skipped", e.Path)
		}
	}
}

func writeArchiveSkipping(t *testing.T, src, skip string) (string, *archive.Summary) {
	t.Helper()
	sum, err := archive.Write(context.Background(), io.Discard, src, archive.WriteOptions{
		Skip: func(rel string, _ fs.DirEntry) bool { return rel == skip },
	})
	if err != nil {
		t.Fatal(err)
	}
	return "", sum
}
