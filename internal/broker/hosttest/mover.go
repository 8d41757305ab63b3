package hosttest

import (
	"bytes"
	"io/fs"
	"path"
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/broker"
)

func (s suite) mover(t *testing.T) {
	s.cases(t, []namedCase{
		{"ArchiveThenExtractKeepsTheTree", roundTrip},
		{"ExtractRefusesAFolderThatIsNotEmpty", extractRefuses},
		{"ArchiveOfAnAbsentFolder", func(e *env) {
			_, err := e.h.Archive(e.ctx, e.p("absent"), archive.WriteOptions{}, &bytes.Buffer{})
			e.absent("Archive of an absent path", e.p("absent"), err)
		}},
	})
}

// tree is what Stat tells of every path below a folder, by relative path, and the content of
// every file.
func (e *env) tree(root string) (map[string]broker.FileInfo, map[string][]byte) {
	e.t.Helper()
	infos, data := map[string]broker.FileInfo{}, map[string][]byte{}
	var walk func(rel string)
	walk = func(rel string) {
		p := path.Join(root, rel)
		fi := e.stat(p)
		fi.Path = ""
		infos[rel] = fi
		switch {
		case fi.IsDir:
			names, err := e.h.ReadDir(e.ctx, p)
			if err != nil {
				e.t.Fatalf("ReadDir %s: %v", p, err)
			}
			for _, n := range names {
				walk(path.Join(rel, n))
			}
		case fi.Mode.IsRegular():
			b, err := e.h.ReadFile(e.ctx, p)
			if err != nil {
				e.t.Fatalf("ReadFile %s: %v", p, err)
			}
			data[rel] = b
		}
	}
	walk(".")
	return infos, data
}

// buildTree makes below the scratch folder's src a tree with every kind of entry.
func (e *env) buildTree() {
	e.mkdir("src")
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte(i ^ i>>9)
	}
	e.write("src/big", big, 0o644)
	e.sh(`cd src && mkdir -p a/b priv && printf hello > a/f && chmod 640 a/f &&
printf '#!/bin/sh\necho hi\n' > run.sh && chmod 755 run.sh && printf spaced > 'a/with space' &&
ln a/f a/b/hard && ln -s f a/link && ln -s a/b dirlink && ln -s missing dangling &&
: > priv/empty && chmod 600 priv/empty && chmod 700 priv && chmod 750 a/b &&
touch -d '2021-05-06 07:08:09.123456789' a/f big a/b`)
}

func roundTrip(e *env) {
	e.buildTree()
	var buf bytes.Buffer
	if _, err := e.h.Archive(e.ctx, e.p("src"), archive.WriteOptions{}, &buf); err != nil {
		e.t.Fatalf("Archive: %v", err)
	}
	dst := e.p("dst") // absent: Extract creates it
	if _, err := e.h.Extract(e.ctx, &buf, dst, archive.ExtractOptions{}); err != nil {
		e.t.Fatalf("Extract: %v", err)
	}
	wantInfo, wantData := e.tree(e.p("src"))
	gotInfo, gotData := e.tree(dst)
	for rel, w := range wantInfo {
		g, ok := gotInfo[rel]
		if rel == "." {
			// The target folder is the extraction's: only its kind is the archive's.
			ok, g.Mode, g.ModTime, g.Size = ok && g.IsDir, w.Mode, w.ModTime, w.Size
		}
		if w.Mode&fs.ModeSymlink != 0 {
			// A symbolic link's own mode and time are not the archive's to keep.
			g.Mode, g.ModTime = w.Mode, w.ModTime
		}
		if w.IsDir {
			g.Size = w.Size // a folder's size is its filesystem's
		}
		g.Dev = w.Dev // where the tree is is not the archive's
		switch {
		case !ok:
			e.t.Errorf("%s was not extracted", rel)
		case g.IsDir != w.IsDir || g.Mode != w.Mode || g.Target != w.Target || g.Size != w.Size || !g.ModTime.Equal(w.ModTime):
			e.t.Errorf("%s: extracted as %+v; archived %+v", rel, g, w)
		case !bytes.Equal(gotData[rel], wantData[rel]):
			e.t.Errorf("%s: extracted %d bytes that differ from the %d archived", rel, len(gotData[rel]), len(wantData[rel]))
		}
	}
	for rel := range gotInfo {
		if _, ok := wantInfo[rel]; !ok {
			e.t.Errorf("%s was extracted but not archived", rel)
		}
	}
	// [ -ef ]: the same device and inode.
	e.sh(`cd dst && [ a/f -ef a/b/hard ] || { echo "a/f and a/b/hard are not one file: the hard link was lost"; exit 1; }
[ a/f -ef run.sh ] && { echo "[ -ef ] takes two files for one"; exit 1; }; true`)
}

func extractRefuses(e *env) {
	e.buildTree()
	var buf bytes.Buffer
	if _, err := e.h.Archive(e.ctx, e.p("src"), archive.WriteOptions{}, &buf); err != nil {
		e.t.Fatalf("Archive: %v", err)
	}
	e.mkdir("busy")
	e.write("busy/keep", []byte("kept"), 0o644)
	if _, err := e.h.Extract(e.ctx, bytes.NewReader(buf.Bytes()), e.p("busy"), archive.ExtractOptions{}); err == nil {
		e.t.Fatal("Extract into a folder that is not empty succeeded; it must never merge")
	}
	if names, err := e.h.ReadDir(e.ctx, e.p("busy")); err != nil || !slices.Equal(names, []string{"keep"}) {
		e.t.Errorf("after the refused Extract the folder holds %q (%v); want only what it held", names, err)
	}
	if got, err := e.h.ReadFile(e.ctx, e.p("busy", "keep")); err != nil || string(got) != "kept" {
		e.t.Errorf("after the refused Extract the file holds %q (%v)", got, err)
	}
	e.mkdir("empty")
	if _, err := e.h.Extract(e.ctx, &buf, e.p("empty"), archive.ExtractOptions{}); err != nil {
		e.t.Errorf("Extract into an empty folder: %v", err)
	}
}
