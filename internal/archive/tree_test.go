package archive_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// dataTree declares a tree with everything a data folder can hold, and the corners that break
// copies: hard-link groups across folders (a RocksDB checkpoint shared by runtime/ and a
// snapshot), relative, absolute and dangling symbolic links, long, non-ASCII and spaced names,
// special modes, nanosecond times, empty files and folders, deep nesting, zero-filled tails.
func dataTree(t *testing.T, root string) []testtree.Node {
	t.Helper()
	long := strings.Repeat("long-segment-name-", 8) + "x.log" // 149 bytes
	deep := "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/file"
	sst := bytes.Repeat([]byte{0x5a, 0x13, 0x77, 0xe1}, 300_000)
	segment := append(bytes.Repeat([]byte("record;"), 20_000), make([]byte, 3<<20)...)
	t1 := time.Date(2023, 11, 5, 1, 2, 3, 123456789, time.UTC)
	owner := 0
	if os.Geteuid() == 0 {
		owner = 1234
	}
	return []testtree.Node{
		{Path: "raft-partition/partitions/1/raft-partition-partition-1-1.log", Data: segment, Mode: 0o640},
		{Path: "raft-partition/partitions/1/.raft-partition-partition-1.lock", Data: []byte("0")},
		{Path: "raft-partition/partitions/1/snapshots/10-1-20-20/000042.sst", Data: sst, ModTime: t1},
		{Path: "raft-partition/partitions/1/snapshots/10-1-20-20/CURRENT", Data: []byte("MANIFEST-000005\n")},
		{Path: "raft-partition/partitions/1/snapshots/10-1-20-20.checksum", Data: []byte("; sfv\n000042.sst 1A2B3C4D\n")},
		{Path: "raft-partition/partitions/1/runtime/000042.sst", Kind: testtree.HardLink, Target: "raft-partition/partitions/1/snapshots/10-1-20-20/000042.sst"},
		{Path: "raft-partition/partitions/1/runtime/000042-again.sst", Kind: testtree.HardLink, Target: "raft-partition/partitions/1/snapshots/10-1-20-20/000042.sst"},
		{Path: "raft-partition/partitions/1/runtime/CURRENT", Data: []byte("MANIFEST-000005\n")},
		{Path: "raft-partition/partitions/1/pending", Kind: testtree.Dir},
		{Path: "empty-file", Data: nil, Mode: 0o600},
		{Path: "empty/dir/inside", Kind: testtree.Dir, Mode: 0o700},
		{Path: deep, Data: []byte("deep")},
		{Path: "names/" + long, Data: []byte("long name")},
		{Path: "names/ünïcødé-分区-🚀.log", Data: []byte("non-ASCII")},
		{Path: "names/with spaces and 'quotes'.txt", Data: []byte("spaces")},
		{Path: "modes/private", Data: []byte("0600"), Mode: 0o600},
		{Path: "modes/exec", Data: []byte("#!/bin/sh\n"), Mode: 0o750},
		{Path: "modes/setgid-dir", Kind: testtree.Dir, Mode: 0o750 | fs.ModeSetgid},
		{Path: "modes/setgid-dir/file", Data: []byte("in setgid"), UID: owner, GID: owner + 1},
		{Path: "modes/owned", Data: []byte("owned"), UID: owner, GID: owner + 1},
		{Path: "links/relative", Kind: testtree.Symlink, Target: "../raft-partition/partitions/1/snapshots"},
		{Path: "links/absolute-inside", Kind: testtree.Symlink, Target: filepath.Join(root, "names")},
		{Path: "links/dangling", Kind: testtree.Symlink, Target: "does-not-exist"},
		{Path: "links/sibling", Kind: testtree.Symlink, Target: "relative"},
		{Path: "links/hard-across-folders", Kind: testtree.HardLink, Target: "modes/private"},
	}
}

// buildDataTree builds dataTree below root and returns its snapshot.
func buildDataTree(t *testing.T, root string) testtree.Snapshot {
	t.Helper()
	if err := testtree.Build(root, dataTree(t, root)); err != nil {
		t.Fatal(err)
	}
	// Setgid is a mode bit Build sets through chmod; fix the root's time last.
	if err := os.Chtimes(root, testtree.DefaultTime, testtree.DefaultTime); err != nil {
		t.Fatal(err)
	}
	return snapshot(t, root)
}

func snapshot(t *testing.T, root string) testtree.Snapshot {
	t.Helper()
	s, err := testtree.Take(root, testtree.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sameTree fails the test when the tree at got differs from want, ownership included when
// running as root.
func sameTree(t *testing.T, want testtree.Snapshot, got string) {
	t.Helper()
	if d := testtree.Diff(want, snapshot(t, got), os.Geteuid() == 0); len(d) > 0 {
		t.Fatalf("tree %s differs from the original:\n%s", got, testtree.DiffString(d))
	}
}

// writeArchive archives src into a file named for c and returns its path and summary.
func writeArchive(t *testing.T, src string, c archive.Compression) (string, *archive.Summary) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "archive"+c.Ext())
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := archive.Write(context.Background(), f, src, archive.WriteOptions{Compression: c})
	if err != nil {
		t.Fatalf("write %s archive: %v", c, err)
	}
	return name, sum
}

func extractFile(t *testing.T, name, target string, opts archive.ExtractOptions) (*archive.Summary, error) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return archive.Extract(context.Background(), f, target, opts)
}
