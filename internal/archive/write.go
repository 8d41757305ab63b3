package archive

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"github.com/cespare/xxhash/v2"
)

// WriteOptions tune [Write].
type WriteOptions struct {
	// Compression of the stream; the zero value means zstd.
	Compression Compression
	// Level is the compression level (zstd 1-22, gzip 1-9); 0 picks the fastest.
	Level int
	// Skip, when set, is asked about every path below the folder (slash-separated, relative);
	// true leaves the entry out, and with it a folder's contents.
	Skip func(rel string, d fs.DirEntry) bool
	// Progress, when set, is called after each entry and while large files are read.
	Progress func(Progress)
	// Observe, when set, sees every file's content as it is archived.
	Observe Observer
}

// readChunk is the unit in which file contents are read, hashed and handed to tar, and
// readAhead how many chunks of a file are read ahead of tar, overlapping disk reads with
// compression.
const (
	readChunk = 1 << 20
	readAhead = 4
)

// Write archives the folder root into w as one tar stream, compressed as opts say, and returns
// what it archived. It reads every file once. w is not closed.
func Write(ctx context.Context, w io.Writer, root string, opts WriteOptions) (*Summary, error) {
	if opts.Compression == "" {
		opts.Compression = Zstd
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("archive %s: not a folder", root)
	}
	out := &hashWriter{w: w, h: sha256.New()}
	cw, err := compressor(out, opts.Compression, opts.Level)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", root, err)
	}
	a := &archiver{
		ctx:   ctx,
		root:  root,
		opts:  opts,
		tw:    tar.NewWriter(cw),
		links: make(map[fileID]string),
		names: make(map[int]string),
		buf:   make([]byte, 1),
		free:  make(chan []byte, readAhead),
		sum:   &Summary{Compression: opts.Compression},
	}
	for range readAhead {
		a.free <- make([]byte, readChunk)
	}
	err = a.dir(".", fi)
	if err == nil {
		err = a.tw.Close()
	}
	// The compressor is closed even after an error, to stop its goroutines.
	if cerr := cw.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("archive %s: finish %s stream: %w", root, opts.Compression, cerr)
	}
	if err != nil {
		return nil, err
	}
	a.sum.SHA256 = hex.EncodeToString(out.h.Sum(nil))
	a.sum.Size = out.n
	return a.sum, nil
}

// hashWriter passes bytes on and hashes and counts them.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

type fileID struct{ dev, ino uint64 }

type archiver struct {
	ctx   context.Context
	root  string
	opts  WriteOptions
	tw    *tar.Writer
	links map[fileID]string // first archived path of each multiply-linked inode
	names map[int]string    // user and group names by id (uid and gid share it with a prefix sign)
	buf   []byte            // for the read past a file's end
	free  chan []byte       // the read-ahead buffers not in use
	sum   *Summary
	done  Progress
}

func (a *archiver) abs(rel string) string { return filepath.Join(a.root, filepath.FromSlash(rel)) }

// inUse builds the error for a change seen while archiving.
func (a *archiver) inUse(rel, what string) error {
	return fmt.Errorf("%s: %s: %w", a.abs(rel), what, ErrInUse)
}

func (a *archiver) dir(rel string, fi fs.FileInfo) error {
	if err := a.ctx.Err(); err != nil {
		return err
	}
	name := rel + "/"
	if rel == "." {
		name = "./"
	}
	if err := a.header(rel, name, fi, TypeDir, 0, ""); err != nil {
		return err
	}
	abs := a.abs(rel)
	before, err := os.ReadDir(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return a.inUse(rel, "folder vanished while it was archived")
		}
		return fmt.Errorf("read folder %s: %w", abs, err)
	}
	for _, d := range before {
		child := path.Join(rel, d.Name())
		if a.opts.Skip != nil && a.opts.Skip(child, d) {
			continue
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return a.inUse(child, "vanished while its folder was archived")
			}
			return fmt.Errorf("stat %s: %w", a.abs(child), err)
		}
		if err := a.entry(child, info); err != nil {
			return err
		}
	}
	// Entries that appeared or vanished while the folder's contents were archived.
	after, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("read folder %s: %w", abs, err)
	}
	if !slices.EqualFunc(before, after, func(x, y fs.DirEntry) bool { return x.Name() == y.Name() }) {
		return a.inUse(rel, "entries appeared or vanished while the folder was archived")
	}
	return nil
}

func (a *archiver) entry(rel string, fi fs.FileInfo) error {
	switch m := fi.Mode(); {
	case m.IsDir():
		return a.dir(rel, fi)
	case m.IsRegular():
		return a.file(rel, fi)
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(a.abs(rel))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return a.inUse(rel, "vanished while its folder was archived")
			}
			return fmt.Errorf("read link %s: %w", a.abs(rel), err)
		}
		return a.header(rel, rel, fi, TypeSymlink, 0, target)
	default:
		return fmt.Errorf("%s: %w: %s; a data folder holds only files, folders and links, remove it or move it elsewhere",
			a.abs(rel), ErrUnsupported, describeMode(m))
	}
}

// ErrUnsupported is wrapped when a folder holds something other than files, folders and links.
var ErrUnsupported = errors.New("cannot archive this kind of file")

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "an irregular file (" + m.String() + ")"
}

func (a *archiver) file(rel string, fi fs.FileInfo) error {
	st := fi.Sys().(*syscall.Stat_t)
	id := fileID{dev: uint64(st.Dev), ino: st.Ino}
	if st.Nlink > 1 {
		if first, ok := a.links[id]; ok {
			if a.opts.Observe != nil {
				a.opts.Observe.Link(rel, first)
			}
			return a.header(rel, rel, fi, TypeHardLink, 0, first)
		}
		a.links[id] = rel
	}
	abs := a.abs(rel)
	f, err := os.OpenFile(abs, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) {
			return a.inUse(rel, "replaced or removed while its folder was archived")
		}
		return fmt.Errorf("open %s: %w", abs, err)
	}
	defer f.Close()
	if err := a.unchanged(rel, f, fi); err != nil {
		return err
	}
	if err := a.header(rel, rel, fi, TypeFile, fi.Size(), ""); err != nil {
		return err
	}
	h := xxhash.New()
	o := observeFile(a.opts.Observe, rel, fi.Size())
	err = a.copyFile(rel, f, fi.Size(), h, o)
	o.close()
	if err != nil {
		return err
	}
	if k, _ := f.Read(a.buf[:1]); k > 0 {
		return a.inUse(rel, fmt.Sprintf("grew beyond %d bytes while it was read", fi.Size()))
	}
	if err := a.unchanged(rel, f, fi); err != nil {
		return err
	}
	e := &a.sum.Entries[len(a.sum.Entries)-1]
	e.XXH64 = hex.EncodeToString(h.Sum(nil))
	return nil
}

// unchanged checks that the open file f is still what the walk saw as fi.
func (a *archiver) unchanged(rel string, f *os.File, fi fs.FileInfo) error {
	now, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", a.abs(rel), err)
	}
	was, is := fi.Sys().(*syscall.Stat_t), now.Sys().(*syscall.Stat_t)
	switch {
	case was.Ino != is.Ino || was.Dev != is.Dev:
		return a.inUse(rel, "replaced while its folder was archived")
	case now.Size() != fi.Size():
		return a.inUse(rel, fmt.Sprintf("size changed from %d to %d bytes while it was read", fi.Size(), now.Size()))
	case !now.ModTime().Equal(fi.ModTime()):
		return a.inUse(rel, "modified while it was read")
	}
	return nil
}

// header writes the tar header of one entry and records the entry in the summary.
func (a *archiver) header(rel, name string, fi fs.FileInfo, typ EntryType, size int64, link string) error {
	st := fi.Sys().(*syscall.Stat_t)
	hdr := &tar.Header{
		Name:    name,
		Mode:    tarMode(fi.Mode()),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		Uname:   a.name(int(st.Uid), false),
		Gname:   a.name(int(st.Gid), true),
		Size:    size,
		ModTime: fi.ModTime(),
		Format:  tar.FormatPAX,
	}
	switch typ {
	case TypeDir:
		hdr.Typeflag = tar.TypeDir
	case TypeFile:
		hdr.Typeflag = tar.TypeReg
	case TypeSymlink:
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = link
	case TypeHardLink:
		hdr.Typeflag = tar.TypeLink
		hdr.Linkname = link
	}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("archive %s: %w", a.abs(rel), err)
	}
	a.sum.count(Entry{
		Path: rel, Type: typ, Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky),
		ModTime: fi.ModTime(), UID: hdr.Uid, GID: hdr.Gid, Size: size, Link: link,
	})
	a.done.Files++
	a.done.Path = rel
	if a.opts.Progress != nil {
		a.opts.Progress(a.done)
	}
	return nil
}

// name returns the user (or group) name of an id, as tar records it; "" when unknown.
func (a *archiver) name(id int, group bool) string {
	key := id
	if group {
		key = -id - 1
	}
	if n, ok := a.names[key]; ok {
		return n
	}
	var n string
	if group {
		if g, err := user.LookupGroupId(strconv.Itoa(id)); err == nil {
			n = g.Name
		}
	} else if u, err := user.LookupId(strconv.Itoa(id)); err == nil {
		n = u.Username
	}
	a.names[key] = n
	return n
}
