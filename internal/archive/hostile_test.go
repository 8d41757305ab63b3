package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// entry is one tar entry of a hand-made archive.
type entry struct {
	name, link string
	typ        byte
	data       string
	size       int64 // when set, the header claims this size and no data follows
}

func file(name, data string) entry      { return entry{name: name, typ: tar.TypeReg, data: data} }
func dir(name string) entry             { return entry{name: name, typ: tar.TypeDir} }
func symlink(name, target string) entry { return entry{name: name, typ: tar.TypeSymlink, link: target} }
func hardlink(name, old string) entry   { return entry{name: name, typ: tar.TypeLink, link: old} }

// tarOf builds a plain tar stream. An entry with a claimed size ends the stream right after its
// header, as a hostile or broken archive would.
func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if e.typ == tar.TypeChar || e.typ == tar.TypeBlock {
			h.Devmajor, h.Devminor = 1, 3
		}
		if e.size > 0 {
			h.Size = e.size
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sandbox is a folder holding the extraction target and, beside it, a folder that must never be
// touched.
type sandbox struct {
	parent, target, outside string
	before                  testtree.Snapshot
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	s := &sandbox{parent: t.TempDir()}
	s.target = filepath.Join(s.parent, "target")
	s.outside = filepath.Join(s.parent, "outside")
	if err := testtree.Build(s.outside, []testtree.Node{{Path: "canary", Data: []byte("must not change")}}); err != nil {
		t.Fatal(err)
	}
	s.before = s.snapshot(t)
	return s
}

// snapshot records the sandbox; the parent's own time changes with the target's creation and
// removal and is left out.
func (s *sandbox) snapshot(t *testing.T) testtree.Snapshot {
	t.Helper()
	snap, err := testtree.Take(s.parent, testtree.Options{SkipRootTimes: true})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// untouched fails unless the sandbox is exactly as it was: the target absent, nothing outside
// it written.
func (s *sandbox) untouched(t *testing.T) {
	t.Helper()
	if d := testtree.Diff(s.before, s.snapshot(t), true); len(d) > 0 {
		t.Fatalf("the sandbox changed:\n%s", testtree.DiffString(d))
	}
}

func TestHostileArchivesAreRefusedAndLeaveNothing(t *testing.T) {
	cases := []struct {
		name    string
		archive func(s *sandbox) []byte
		opts    archive.ExtractOptions
		unsafe  bool   // the refusal wraps ErrUnsafe
		mention string // the error names this
	}{
		{"dot-dot", func(s *sandbox) []byte { return tarOf(t, file("../outside/canary", "overwritten")) }, archive.ExtractOptions{}, true, "../outside/canary"},
		{"dot-dot-nested", func(s *sandbox) []byte { return tarOf(t, dir("a/"), file("a/../../evil", "x")) }, archive.ExtractOptions{}, true, "a/../../evil"},
		{"absolute", func(s *sandbox) []byte { return tarOf(t, file(filepath.Join(s.parent, "evil"), "x")) }, archive.ExtractOptions{}, true, "absolute"},
		{"symlink-out-absolute", func(s *sandbox) []byte { return tarOf(t, symlink("l", s.outside)) }, archive.ExtractOptions{}, true, "points outside"},
		{"symlink-out-relative", func(s *sandbox) []byte { return tarOf(t, symlink("l", "../outside")) }, archive.ExtractOptions{}, true, "points outside"},
		{"write-through-symlink-inside", func(s *sandbox) []byte { return tarOf(t, symlink("l", "."), file("l/evil", "x")) }, archive.ExtractOptions{}, true, "is a symbolic link"},
		{"write-through-external-symlink", func(s *sandbox) []byte {
			return tarOf(t, symlink("l", s.outside), file("l/canary", "overwritten"))
		}, archive.ExtractOptions{AllowExternalSymlinks: true}, true, "is a symbolic link"},
		{"symlink-chain-out", func(s *sandbox) []byte { return tarOf(t, symlink("b", "."), symlink("a", "b/..")) }, archive.ExtractOptions{}, true, "resolves outside"},
		{"symlink-over-file", func(s *sandbox) []byte { return tarOf(t, file("x", "a"), symlink("x", "y")) }, archive.ExtractOptions{}, true, "appears twice"},
		{"hardlink-dot-dot", func(s *sandbox) []byte { return tarOf(t, hardlink("h", "../outside/canary")) }, archive.ExtractOptions{}, true, "../outside/canary"},
		{"hardlink-absolute", func(s *sandbox) []byte { return tarOf(t, hardlink("h", filepath.Join(s.outside, "canary"))) }, archive.ExtractOptions{}, true, "absolute"},
		{"hardlink-to-nothing", func(s *sandbox) []byte { return tarOf(t, hardlink("h", "canary")) }, archive.ExtractOptions{}, true, "not a file extracted before"},
		{"hardlink-to-symlink", func(s *sandbox) []byte {
			return tarOf(t, symlink("l", s.outside), hardlink("h", "l"))
		}, archive.ExtractOptions{AllowExternalSymlinks: true}, true, "not a file extracted before"},
		{"char-device", func(s *sandbox) []byte { return tarOf(t, entry{name: "null", typ: tar.TypeChar}) }, archive.ExtractOptions{}, true, "device"},
		{"block-device", func(s *sandbox) []byte { return tarOf(t, entry{name: "sda", typ: tar.TypeBlock}) }, archive.ExtractOptions{}, true, "device"},
		{"fifo", func(s *sandbox) []byte { return tarOf(t, entry{name: "pipe", typ: tar.TypeFifo}) }, archive.ExtractOptions{}, true, "named pipe"},
		{"huge-size", func(s *sandbox) []byte {
			return tarOf(t, file("ok", "fine"), entry{name: "huge", typ: tar.TypeReg, size: 1 << 50})
		}, archive.ExtractOptions{}, true, "huge"},
		{"claims-more-than-it-holds", func(s *sandbox) []byte {
			return tarOf(t, entry{name: "claims-10GiB", typ: tar.TypeReg, size: 10 << 30})
		}, archive.ExtractOptions{}, false, "truncated"},
		{"replaces-target", func(s *sandbox) []byte { return tarOf(t, file(".", "x")) }, archive.ExtractOptions{}, true, "target folder itself"},
		{"truncated-in-file", func(s *sandbox) []byte {
			b := tarOf(t, dir("d/"), file("d/big", strings.Repeat("z", 10000)))
			return b[:1536+2048]
		}, archive.ExtractOptions{}, false, "truncated"},
		{"garbage", func(s *sandbox) []byte { return bytes.Repeat([]byte("not a tar archive "), 100) }, archive.ExtractOptions{}, false, "damaged"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSandbox(t)
			_, err := archive.Extract(context.Background(), bytes.NewReader(c.archive(s)), s.target, c.opts)
			if err == nil {
				t.Fatal("extraction succeeded")
			}
			if c.unsafe != errors.Is(err, archive.ErrUnsafe) {
				t.Errorf("error %q: wraps ErrUnsafe = %v, want %v", err, errors.Is(err, archive.ErrUnsafe), c.unsafe)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %q", err, c.mention)
			}
			s.untouched(t)
		})
	}
}

// An existing empty target stays, empty, after a refused archive.
func TestRefusalLeavesAnExistingTargetEmpty(t *testing.T) {
	s := newSandbox(t)
	if err := os.Mkdir(s.target, 0o755); err != nil {
		t.Fatal(err)
	}
	s.before = s.snapshot(t)
	b := tarOf(t, dir("a/"), dir("a/b/"), file("a/b/f", "x"), file("top", "y"), file("../escape", "z"))
	if _, err := archive.Extract(context.Background(), bytes.NewReader(b), s.target, archive.ExtractOptions{}); !errors.Is(err, archive.ErrUnsafe) {
		t.Fatalf("want a refusal, got %v", err)
	}
	s.untouched(t)
}

func TestTargetMustBeEmptyOrAbsent(t *testing.T) {
	s := newSandbox(t)
	b := tarOf(t, file("f", "x"))
	if _, err := archive.Extract(context.Background(), bytes.NewReader(b), s.outside, archive.ExtractOptions{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("extraction into a non-empty folder: %v", err)
	}
	if _, err := archive.Extract(context.Background(), bytes.NewReader(b), filepath.Join(s.outside, "canary"), archive.ExtractOptions{}); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Fatalf("extraction onto a file: %v", err)
	}
	s.untouched(t)
}

// Damaged and truncated compressed streams are refused, whatever the compression, and leave nothing.
func TestDamagedCompressedStreams(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	if err := testtree.Mixed(src, 6<<20, 3); err != nil {
		t.Fatal(err)
	}
	for _, c := range []archive.Compression{archive.Zstd, archive.Gzip} {
		name, _ := writeArchive(t, src, c)
		good, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		flipped := bytes.Clone(good)
		flipped[len(flipped)/2] ^= 0x40
		for what, b := range map[string][]byte{"truncated": good[:len(good)/2], "flipped": flipped, "tail-cut": good[:len(good)-3]} {
			t.Run(string(c)+"/"+what, func(t *testing.T) {
				s := newSandbox(t)
				_, err := archive.Extract(context.Background(), bytes.NewReader(b), s.target, archive.ExtractOptions{})
				if err == nil {
					t.Fatal("extraction succeeded")
				}
				if !strings.Contains(err.Error(), "damaged") && !strings.Contains(err.Error(), "truncated") {
					t.Errorf("error %q says neither damaged nor truncated", err)
				}
				s.untouched(t)
			})
		}
	}
}

func TestCancelledExtractionLeavesNothing(t *testing.T) {
	s := newSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	b := tarOf(t, dir("a/"), file("a/f", "x"), file("b", "y"))
	_, err := archive.Extract(ctx, bytes.NewReader(b), s.target, archive.ExtractOptions{Progress: func(archive.Progress) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	s.untouched(t)
}
