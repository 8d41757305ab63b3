package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ExtractOptions tune [Extract].
type ExtractOptions struct {
	// StripComponents drops this many leading folders from every name, as GNU tar's
	// --strip-components does; for archives made by hand with "tar caf x.tar.gz data/".
	// A leading "./" does not count. Entries with fewer folders are skipped.
	StripComponents int
	// NoSameOwner leaves files owned by the extracting user even when running as root.
	// Without it, root restores the numeric owner and group of every entry.
	NoSameOwner bool
	// MaxFileSize refuses entries that claim more bytes; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// SourceRoot is the absolute path of the folder the extracted tree is used from, when it is
	// not the target (a restore extracts into a staging folder, then moves the tree into the
	// data folder): an absolute symbolic link below it points inside the tree and is accepted.
	// It must come from where the tree goes, never from the archive or its manifest.
	SourceRoot string
	// AllowExternalSymlinks accepts symbolic links that point outside the target, as a
	// deployment may have (a runtime folder on another disk). They are created, never followed.
	AllowExternalSymlinks bool
	// Progress, when set, is called after each entry and while large files are written.
	Progress func(Progress)
	// Observe, when set, sees every file's content as it is extracted.
	Observe Observer
}

// DefaultMaxFileSize is the largest file an archive entry may claim unless told otherwise.
const DefaultMaxFileSize = 1 << 40

// allocStep is how far ahead of the data written the space of a file is reserved, and
// writebackStep how much data is written before it is handed to the disk.
const (
	allocStep     = 64 << 20
	writebackStep = 8 << 20
)

// Extract reads an archive (zstd, gzip or plain tar, detected) from r into target, which must be
// absent or an empty folder. On error, everything it created is removed again.
func Extract(ctx context.Context, r io.Reader, target string, opts ExtractOptions) (sum *Summary, err error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.StripComponents < 0 {
		return nil, fmt.Errorf("extract: strip components must be 0 or more, not %d", opts.StripComponents)
	}
	absTarget, err := filepath.Abs(target)
	if err != nil {
		return nil, fmt.Errorf("extract into %s: %w", target, err)
	}
	found, err := prepareTarget(absTarget)
	if err != nil {
		return nil, err
	}
	createdTarget := found == nil
	root, err := os.OpenRoot(absTarget)
	if err != nil {
		if createdTarget {
			os.Remove(absTarget)
		}
		return nil, fmt.Errorf("extract into %s: %w", absTarget, err)
	}
	x := &extractor{
		ctx:    ctx,
		target: absTarget,
		root:   root,
		opts:   opts,
		owner:  os.Geteuid() == 0 && !opts.NoSameOwner,
		nodes:  make(map[string]nodeKind),
		top:    make(map[string]bool),
		buf:    make([]byte, readChunk),
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("extract into %s: %w", absTarget, err)
			x.cleanup(found)
		}
		root.Close()
	}()
	counter := &countingReader{r: r}
	dec, comp, release, err := decompressor(counter)
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	defer release()
	x.sum = &Summary{Compression: comp}
	if err := x.run(tar.NewReader(dec)); err != nil {
		return nil, err
	}
	// Read to the end so that the compression's own checksum is verified.
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return nil, fmt.Errorf("archive is damaged after its last entry: %w", err)
	}
	if err := x.finish(); err != nil {
		return nil, err
	}
	x.sum.Size = counter.n
	return x.sum, nil
}

// prepareTarget checks that target is absent or an empty folder, and creates it when absent.
// It returns what it found: nil when it created the folder.
func prepareTarget(target string) (found fs.FileInfo, err error) {
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(target, 0o700); err != nil {
			return nil, fmt.Errorf("extract: create target folder: %w", err)
		}
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("extract: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("extract into %s: it exists and is not a folder; give an empty or absent folder", target)
	}
	d, err := os.Open(target)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("extract: read %s: %w", target, err)
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("extract into %s: the folder is not empty (it holds %q); extraction never merges into existing data, give an empty or absent folder", target, names[0])
	}
	return fi, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type nodeKind uint8

const (
	kindDir nodeKind = iota + 1
	kindFile
	kindSymlink
)

type dirMeta struct {
	name     string
	mode     fs.FileMode
	mtime    time.Time
	uid, gid int
}

type extractor struct {
	ctx    context.Context
	target string
	root   *os.Root
	opts   ExtractOptions
	owner  bool
	nodes  map[string]nodeKind // every path this extraction created
	top    map[string]bool     // the top-level names it created, for clean-up
	dirs   []dirMeta           // folder metadata, applied once their contents are written
	links  []string            // relative symbolic links, checked once all entries exist
	buf    []byte
	sum    *Summary
	done   Progress
}

func (x *extractor) run(tr *tar.Reader) error {
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return x.readError(err)
		}
		if err := x.entry(tr, hdr); err != nil {
			return err
		}
	}
}

func (x *extractor) readError(err error) error {
	after := "at its start"
	if x.done.Path != "" {
		after = "after entry " + x.done.Path
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("archive is truncated %s: %w", after, err)
	}
	return fmt.Errorf("archive is damaged %s: %w", after, err)
}

// unsafe builds the refusal of one entry.
func unsafe(entry, format string, args ...any) error {
	return fmt.Errorf("entry %q: %w: %s", entry, ErrUnsafe, fmt.Sprintf(format, args...))
}

// localName turns an archive name into a path below the target: "." for the target itself and
// "" for an entry that StripComponents removes.
func (x *extractor) localName(name string) (string, error) {
	if name == "" {
		return "", unsafe(name, "empty name")
	}
	if strings.ContainsRune(name, 0) {
		return "", unsafe(name, "name holds a NUL byte")
	}
	if strings.HasPrefix(name, "/") {
		return "", unsafe(name, "absolute path")
	}
	var parts []string
	for p := range strings.SplitSeq(name, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", unsafe(name, `".." in the name could reach outside the target`)
		}
		parts = append(parts, p)
	}
	switch strip := x.opts.StripComponents; {
	case len(parts) < strip:
		return "", nil
	case len(parts) == strip:
		return ".", nil
	default:
		parts = parts[strip:]
	}
	rel := strings.Join(parts, "/")
	if !filepath.IsLocal(rel) {
		return "", unsafe(name, "not a local path")
	}
	return rel, nil
}

func (x *extractor) entry(tr *tar.Reader, hdr *tar.Header) error {
	name, err := x.localName(hdr.Name)
	if err != nil || name == "" {
		return err
	}
	if name == "." {
		if hdr.Typeflag != tar.TypeDir {
			return unsafe(hdr.Name, "would replace the target folder itself")
		}
		x.dirs = append(x.dirs, x.meta(".", hdr))
		x.progress(Entry{Path: ".", Type: TypeDir, Mode: fileMode(hdr), ModTime: hdr.ModTime, UID: hdr.Uid, GID: hdr.Gid})
		return nil
	}
	if err := x.parents(hdr.Name, name); err != nil {
		return err
	}
	if kind, exists := x.nodes[name]; exists && (kind != kindDir || hdr.Typeflag != tar.TypeDir) {
		return unsafe(hdr.Name, "appears twice in the archive")
	}
	e := Entry{Path: name, Mode: fileMode(hdr), ModTime: hdr.ModTime, UID: hdr.Uid, GID: hdr.Gid}
	switch hdr.Typeflag {
	case tar.TypeDir:
		e.Type = TypeDir
		err = x.mkdir(name, hdr)
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		e.Type, e.Size = TypeFile, hdr.Size
		e.XXH64, err = x.file(tr, name, hdr)
	case tar.TypeSymlink:
		e.Type, e.Link = TypeSymlink, hdr.Linkname
		err = x.symlink(name, hdr)
	case tar.TypeLink:
		e.Type = TypeHardLink
		e.Link, err = x.hardLink(name, hdr)
	case tar.TypeChar, tar.TypeBlock:
		return unsafe(hdr.Name, "device files are never extracted")
	case tar.TypeFifo:
		return unsafe(hdr.Name, "named pipes are never extracted")
	default:
		return unsafe(hdr.Name, "unsupported entry type %q", hdr.Typeflag)
	}
	if err != nil {
		return err
	}
	x.progress(e)
	return nil
}

func (x *extractor) progress(e Entry) {
	x.sum.count(e)
	x.done.Files++
	x.done.Path = e.Path
	if x.opts.Progress != nil {
		x.opts.Progress(x.done)
	}
}

func (x *extractor) meta(name string, hdr *tar.Header) dirMeta {
	return dirMeta{name: name, mode: fileMode(hdr), mtime: hdr.ModTime, uid: hdr.Uid, gid: hdr.Gid}
}

// created records a new path, and its top-level name for clean-up.
func (x *extractor) created(name string, kind nodeKind) {
	x.nodes[name] = kind
	top, _, _ := strings.Cut(name, "/")
	x.top[top] = true
}

// parents makes sure every folder above name exists, was made by this extraction, and is a
// folder: never a symbolic link, so no entry is ever written through one.
func (x *extractor) parents(entry, name string) error {
	var missing []string
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		switch x.nodes[dir] {
		case kindDir:
			dir = "." // all above exist too
		case kindSymlink:
			return unsafe(entry, "its parent %q is a symbolic link; nothing is written through a link", dir)
		case kindFile:
			return unsafe(entry, "its parent %q is a file", dir)
		default:
			missing = append(missing, dir)
			continue
		}
		break
	}
	for _, dir := range slices.Backward(missing) {
		if err := x.root.Mkdir(dir, 0o700); err != nil {
			return fmt.Errorf("create folder %s: %w", dir, err)
		}
		x.created(dir, kindDir)
		x.dirs = append(x.dirs, dirMeta{name: dir, mode: 0o755, uid: -1, gid: -1})
	}
	return nil
}

func (x *extractor) mkdir(name string, hdr *tar.Header) error {
	if x.nodes[name] != kindDir {
		if err := x.root.Mkdir(name, 0o700); err != nil {
			return fmt.Errorf("create folder %s: %w", name, err)
		}
		x.created(name, kindDir)
	}
	x.dirs = append(x.dirs, x.meta(name, hdr))
	return nil
}
