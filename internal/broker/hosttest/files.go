package hosttest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

func (s suite) files(t *testing.T) {
	cases := []namedCase{
		{"WriteFileCreatesAndReplaces", writeFileReplaces},
		{"WriteFileIsAtomic", writeFileAtomic},
		{"WriteFileFailureLeavesNoTemporaryFile", writeFileFailure},
		{"WriteFileOwnerOfTheProcess", func(e *env) {
			dir := e.stat(e.dir)
			writeFileOwner(e, broker.Owner{UID: dir.UID, GID: dir.GID})
		}},
		{"CreateExclusive", createExclusive},
		{"Stat", stat},
		{"ReadFile", readFile},
		{"Rename", rename},
		{"RemoveAll", removeAll},
		{"ReadDir", readDir},
		{"Mkdir", mkdir},
		{"RealPath", realPath},
		{"MountPoint", mountPoint},
		{"UsageCountsHardLinksOnce", usage},
		{"FreeSpace", func(e *env) {
			if free, err := e.h.FreeSpace(e.ctx, e.dir); err != nil || free <= 0 {
				e.t.Errorf("FreeSpace of the scratch folder: %d, %v; want more than 0", free, err)
			}
			_, err := e.h.FreeSpace(e.ctx, e.p("absent"))
			e.absent("FreeSpace of an absent path", e.p("absent"), err)
		}},
	}
	if s.opts.privileged {
		cases = append(cases,
			namedCase{"WriteFileOwnerAsRoot", func(e *env) { writeFileOwner(e, broker.Owner{UID: 65534, GID: 65534}) }},
			namedCase{"MountPointOfMounts", mounts},
		)
	}
	s.cases(t, cases)
}

func writeFileReplaces(e *env) {
	dir := e.p("conf")
	e.mkdir("conf")
	p := e.p("conf", "application.yaml")
	for _, w := range []struct {
		data string
		perm fs.FileMode
	}{{"first", 0o640}, {"second, longer", 0o600}, {"3", 0o755}} {
		if err := e.h.WriteFile(e.ctx, p, []byte(w.data), w.perm, nil); err != nil {
			e.t.Fatalf("WriteFile %s: %v", p, err)
		}
		got, err := e.h.ReadFile(e.ctx, p)
		if err != nil || string(got) != w.data {
			e.t.Errorf("after writing %q: read %q, %v", w.data, got, err)
		}
		if fi := e.stat(p); fi.Mode != w.perm || fi.Size != int64(len(w.data)) {
			e.t.Errorf("after writing %q with mode %v: mode %v, size %d", w.data, w.perm, fi.Mode, fi.Size)
		}
		if names, err := e.h.ReadDir(e.ctx, dir); err != nil || !slices.Equal(names, []string{"application.yaml"}) {
			e.t.Errorf("the folder holds %q (%v); want only the file, no temporary file", names, err)
		}
	}
}

// A reader never sees a mix of the old and the new content.
func writeFileAtomic(e *env) {
	p := e.p("lock")
	const size = 256 << 10
	fill := func(b byte) []byte { return bytes.Repeat([]byte{b}, size) }
	e.write("lock", fill('a'), 0o644)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen []string
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := e.h.ReadFile(e.ctx, p)
			if err != nil {
				seen = append(seen, err.Error())
			} else if len(b) != size || (!bytes.Equal(b, fill('a')) && !bytes.Equal(b, fill('b'))) {
				seen = append(seen, fmt.Sprintf("%d bytes, not one version", len(b)))
			}
		}
	})
	for i := range 10 {
		if err := e.h.WriteFile(e.ctx, p, fill("ab"[i%2]), 0o644, nil); err != nil {
			e.t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(seen) > 0 {
		e.t.Errorf("a reader during WriteFile saw %d times something else than the old or the new file, first: %s", len(seen), seen[0])
	}
}

func writeFileFailure(e *env) {
	e.mkdir("conf")
	e.mkdir("conf/taken")
	e.write("conf/taken/keep", []byte("x"), 0o644)
	if err := e.h.WriteFile(e.ctx, e.p("conf", "taken"), []byte("data"), 0o644, nil); err == nil {
		e.t.Fatal("WriteFile over a folder that is not empty succeeded")
	}
	if names, err := e.h.ReadDir(e.ctx, e.p("conf")); err != nil || !slices.Equal(names, []string{"taken"}) {
		e.t.Errorf("after a failed WriteFile the folder holds %q (%v); want no temporary file (%s...)", names, err, broker.TempPrefix("taken"))
	}
	err := e.h.WriteFile(e.ctx, e.p("absent", "f"), []byte("data"), 0o644, nil)
	e.absent("WriteFile into an absent folder", e.p("absent", "f"), err)
}

func writeFileOwner(e *env, owner broker.Owner) {
	p := e.p("owned")
	e.write("owned", []byte("old"), 0o644)
	if err := e.h.WriteFile(e.ctx, p, []byte("new"), 0o640, &owner); err != nil {
		e.t.Fatal(err)
	}
	if fi := e.stat(p); fi.UID != owner.UID || fi.GID != owner.GID || fi.Mode != 0o640 {
		e.t.Errorf("WriteFile with owner %d:%d, mode 0640: owner %d:%d, mode %v", owner.UID, owner.GID, fi.UID, fi.GID, fi.Mode)
	}
}

func createExclusive(e *env) {
	p := e.p("data.lock")
	if err := e.h.CreateExclusive(e.ctx, p, []byte("holder 1")); err != nil {
		e.t.Fatal(err)
	}
	if fi := e.stat(p); fi.Mode != 0o600 {
		e.t.Errorf("a lock has mode %v; want 0600", fi.Mode)
	}
	err := e.h.CreateExclusive(e.ctx, p, []byte("holder 2"))
	if !errors.Is(err, fs.ErrExist) {
		e.t.Errorf("CreateExclusive of an existing file: %v; want an error that wraps fs.ErrExist", err)
	}
	if got, err := e.h.ReadFile(e.ctx, p); err != nil || string(got) != "holder 1" {
		e.t.Errorf("the lock holds %q (%v) after a second CreateExclusive; want the first holder", got, err)
	}
	e.absent("CreateExclusive in an absent folder", e.p("absent", "lock"), e.h.CreateExclusive(e.ctx, e.p("absent", "lock"), nil))
}

func stat(e *env) {
	e.mkdir("d")
	e.write("d/f", []byte("12345"), 0o640)
	e.sh("ln -s f d/link && ln -s missing d/dangling && ln -s . d/self")
	f, d := e.stat(e.p("d", "f")), e.stat(e.p("d"))
	if f.Path != e.p("d", "f") || f.IsDir || f.Size != 5 || f.Mode != 0o640 || f.Target != "" || f.ModTime.IsZero() {
		e.t.Errorf("Stat of a file of 5 bytes, mode 0640: %+v", f)
	}
	if !d.IsDir || !d.Mode.IsDir() || d.Target != "" {
		e.t.Errorf("Stat of a folder: %+v", d)
	}
	if f.Dev == 0 || f.Dev != d.Dev {
		e.t.Errorf("a file and its folder on one filesystem: Dev %d and %d", f.Dev, d.Dev)
	}
	for name, target := range map[string]string{"link": "f", "dangling": "missing", "self": "."} {
		l := e.stat(e.p("d", name))
		if l.Mode&fs.ModeSymlink == 0 || l.IsDir || l.Target != target {
			e.t.Errorf("Stat of a symbolic link to %q: %+v; want the link itself, not what it points to", target, l)
		}
	}
	_, err := e.h.Stat(e.ctx, e.p("absent"))
	e.absent("Stat of an absent path", e.p("absent"), err)
}

func readFile(e *env) {
	e.write("f", []byte("content"), 0o600)
	if got, err := e.h.ReadFile(e.ctx, e.p("f")); err != nil || string(got) != "content" {
		e.t.Errorf("ReadFile: %q, %v", got, err)
	}
	_, err := e.h.ReadFile(e.ctx, e.p("absent"))
	e.absent("ReadFile of an absent path", e.p("absent"), err)
	// A folder is told by EISDIR, and the error names it.
	e.mkdir("folder")
	if got, err := e.h.ReadFile(e.ctx, e.p("folder")); !errors.Is(err, syscall.EISDIR) || !strings.Contains(err.Error(), e.p("folder")) {
		e.t.Errorf("ReadFile of a folder: %q, %v; want an error that wraps syscall.EISDIR and names %s", got, err, e.p("folder"))
	}
	// A sparse file one byte over the limit.
	e.sh("dd if=/dev/zero of=big bs=1 count=0 seek=" + strconv.Itoa(limits.MaxHostFileBytes+1) + " 2>/dev/null")
	big := e.p("big")
	if _, err := e.h.ReadFile(e.ctx, big); !errors.Is(err, limits.ErrExceeded) || !strings.Contains(err.Error(), big) {
		e.t.Errorf("ReadFile of a file over limits.MaxHostFileBytes: %v; want an error that wraps limits.ErrExceeded and names the file", err)
	}
}

func rename(e *env) {
	e.write("a", []byte("A"), 0o644)
	e.write("b", []byte("B"), 0o644)
	if err := e.h.Rename(e.ctx, e.p("a"), e.p("b")); err != nil {
		e.t.Fatal(err)
	}
	if got, err := e.h.ReadFile(e.ctx, e.p("b")); err != nil || string(got) != "A" {
		e.t.Errorf("after renaming a over b, b holds %q (%v)", got, err)
	}
	_, err := e.h.Stat(e.ctx, e.p("a"))
	e.absent("Stat of a renamed file", e.p("a"), err)
	e.mkdir("d")
	e.write("d/f", []byte("F"), 0o644)
	if err := e.h.Rename(e.ctx, e.p("d"), e.p("moved")); err != nil {
		e.t.Fatal(err)
	}
	if got, err := e.h.ReadFile(e.ctx, e.p("moved", "f")); err != nil || string(got) != "F" {
		e.t.Errorf("after renaming a folder, its file holds %q (%v)", got, err)
	}
	e.absent("Rename of an absent path", e.p("absent"), e.h.Rename(e.ctx, e.p("absent"), e.p("c")))
}

func removeAll(e *env) {
	e.mkdir("tree")
	e.mkdir("tree/sub")
	e.write("tree/sub/f", []byte("x"), 0o400)
	e.sh("ln -s /  tree/root-link && chmod 0500 tree/sub")
	if err := e.h.RemoveAll(e.ctx, e.p("tree")); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.h.Stat(e.ctx, e.p("tree"))
	e.absent("Stat of a removed tree", e.p("tree"), err)
	if err := e.h.RemoveAll(e.ctx, e.p("absent")); err != nil {
		e.t.Errorf("RemoveAll of an absent path: %v; want nil", err)
	}
}

func readDir(e *env) {
	e.mkdir("d")
	if names, err := e.h.ReadDir(e.ctx, e.p("d")); err != nil || len(names) != 0 {
		e.t.Errorf("ReadDir of an empty folder: %q, %v", names, err)
	}
	for _, n := range []string{"b", "a1", "C", "a", ".hidden"} {
		e.write("d/"+n, nil, 0o644)
	}
	e.mkdir("d/sub")
	want := []string{".hidden", "C", "a", "a1", "b", "sub"}
	if names, err := e.h.ReadDir(e.ctx, e.p("d")); err != nil || !slices.Equal(names, want) {
		e.t.Errorf("ReadDir: %q, %v; want %q", names, err, want)
	}
	_, err := e.h.ReadDir(e.ctx, e.p("absent"))
	e.absent("ReadDir of an absent path", e.p("absent"), err)
}

func mkdir(e *env) {
	if err := e.h.Mkdir(e.ctx, e.p("d"), 0o700); err != nil {
		e.t.Fatal(err)
	}
	if fi := e.stat(e.p("d")); !fi.IsDir || fi.Mode.Perm() != 0o700 {
		e.t.Errorf("Mkdir with mode 0700: %+v", fi)
	}
	e.write("f", nil, 0o644)
	for _, p := range []string{e.p("d"), e.p("f")} {
		if err := e.h.Mkdir(e.ctx, p, 0o755); !errors.Is(err, fs.ErrExist) {
			e.t.Errorf("Mkdir of %s, which exists: %v; want an error that wraps fs.ErrExist", p, err)
		}
	}
	e.absent("Mkdir in an absent folder", e.p("absent", "d"), e.h.Mkdir(e.ctx, e.p("absent", "d"), 0o755))
}

func realPath(e *env) {
	e.mkdir("real")
	e.write("real/f", nil, 0o644)
	e.sh("ln -s real link1 && ln -s " + q(e.p("link1")) + " link2 && ln -s missing dangling")
	real := e.realPath(e.p("real"))
	if again := e.realPath(real); again != real {
		e.t.Errorf("RealPath of a resolved path %s is %s", real, again)
	}
	for _, p := range []string{e.p("link1"), e.p("link2")} {
		if got := e.realPath(p); got != real {
			e.t.Errorf("RealPath(%s) = %s; want %s", p, got, real)
		}
	}
	if got, want := e.realPath(e.p("link2", "f")), real+"/f"; got != want {
		e.t.Errorf("RealPath through two links: %s; want %s", got, want)
	}
	_, err := e.h.RealPath(e.ctx, e.p("absent"))
	e.absent("RealPath of an absent path", e.p("absent"), err)
	_, err = e.h.RealPath(e.ctx, e.p("dangling"))
	e.absent("RealPath of a dangling link", e.dir, err)
}

func mountPoint(e *env) {
	e.mkdir("plain")
	if got, err := e.h.MountPoint(e.ctx, e.p("plain")); err != nil || got {
		e.t.Errorf("MountPoint of a plain folder: %v, %v; want false", got, err)
	}
	if got, err := e.h.MountPoint(e.ctx, "/"); err != nil || !got {
		e.t.Errorf("MountPoint(/) = %v, %v; want true", got, err)
	}
	_, err := e.h.MountPoint(e.ctx, e.p("absent"))
	e.absent("MountPoint of an absent path", e.p("absent"), err)
}

func usage(e *env) {
	e.mkdir("u")
	e.mkdir("u/sub")
	const size = 1 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	e.write("u/f", data, 0o644)
	measure := func() int64 {
		n, err := e.h.Usage(e.ctx, e.p("u"))
		if err != nil {
			e.t.Fatalf("Usage: %v", err)
		}
		return n
	}
	one := measure()
	if one < size {
		e.t.Fatalf("Usage of a folder with a file of %d bytes: %d", size, one)
	}
	e.sh("ln u/f u/sub/hard")
	if linked := measure(); linked-one >= size/2 {
		e.t.Errorf("a hard link raised Usage from %d to %d; want it counted once", one, linked)
	}
	e.write("u/sub/copy", data, 0o644)
	if copied := measure(); copied-one < size {
		e.t.Errorf("a second file of %d bytes raised Usage from %d to %d only", size, one, copied)
	}
	_, err := e.h.Usage(e.ctx, e.p("absent"))
	e.absent("Usage of an absent path", e.p("absent"), err)
}
