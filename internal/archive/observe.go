package archive

import (
	"archive/tar"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/cespare/xxhash/v2"
)

// Observer sees every file of a folder or archive as Write, Extract or Read passes over it, so
// that checks of the content (Zeebe's journal and snapshots) take no second pass over the data.
// Paths are slash-separated and relative to the archived folder, as in Entry.Path.
type Observer interface {
	// File is called for each regular file; its content is then written to the returned writer
	// in order, and the writer closed. A nil writer means the observer is not interested. The
	// writer's errors are ignored: an observer records what it finds, it never stops the data.
	File(path string, size int64) io.WriteCloser
	// Link is called for each hard link: path has the content of target, an earlier path.
	Link(path, target string)
}

// observed wraps a file's observer writer; a nil one swallows everything.
type observed struct{ w io.WriteCloser }

func (o observed) write(p []byte) {
	if o.w != nil {
		o.w.Write(p)
	}
}

func (o observed) close() {
	if o.w != nil {
		o.w.Close()
	}
}

func observeFile(obs Observer, path string, size int64) observed {
	if obs == nil {
		return observed{}
	}
	return observed{obs.File(path, size)}
}

// Read walks an archive (zstd, gzip or plain tar, detected) without writing anything to disk,
// and shows every file to the observer. It checks what Extract would check of names and links,
// and fails on a damaged or truncated stream. The summary's entries carry every file's digest.
func Read(ctx context.Context, r io.Reader, obs Observer, strip int) (*Summary, error) {
	counter := &countingReader{r: r}
	dec, comp, release, err := decompressor(counter)
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	defer release()
	x := &extractor{ctx: ctx, opts: ExtractOptions{StripComponents: strip, MaxFileSize: DefaultMaxFileSize}, nodes: map[string]nodeKind{}, buf: make([]byte, readChunk)}
	x.sum = &Summary{Compression: comp}
	tr := tar.NewReader(dec)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, x.readError(err)
		}
		if err := x.readEntry(tr, hdr, obs); err != nil {
			return nil, err
		}
	}
	if _, err := io.Copy(io.Discard, dec); err != nil {
		return nil, fmt.Errorf("archive is damaged after its last entry: %w", err)
	}
	x.sum.Size = counter.n
	return x.sum, nil
}

// readEntry is Read's part of entry: names and links are checked as for an extraction, files
// are hashed and observed, nothing is written.
func (x *extractor) readEntry(tr *tar.Reader, hdr *tar.Header, obs Observer) error {
	name, err := x.localName(hdr.Name)
	if err != nil || name == "" {
		return err
	}
	e := Entry{Path: name, Mode: fileMode(hdr), ModTime: hdr.ModTime, UID: hdr.Uid, GID: hdr.Gid}
	switch hdr.Typeflag {
	case tar.TypeDir:
		e.Type = TypeDir
		x.nodes[name] = kindDir
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		if hdr.Size < 0 || hdr.Size > x.opts.MaxFileSize {
			return unsafe(hdr.Name, "claims %d bytes, more than the limit of %d", hdr.Size, x.opts.MaxFileSize)
		}
		e.Type, e.Size = TypeFile, hdr.Size
		o := observeFile(obs, name, hdr.Size)
		h := newContentHash()
		n, err := io.CopyBuffer(io.MultiWriter(h, writerFunc(func(p []byte) (int, error) { o.write(p); return len(p), nil })), tr, x.buf)
		o.close()
		if err != nil || n != hdr.Size {
			return fmt.Errorf("archive is truncated or damaged in entry %q: %w", hdr.Name, errors.Join(err, io.ErrUnexpectedEOF))
		}
		x.done.Bytes += n
		e.XXH64 = h.hex()
		x.nodes[name] = kindFile
	case tar.TypeSymlink:
		e.Type, e.Link = TypeSymlink, hdr.Linkname
		x.nodes[name] = kindSymlink
	case tar.TypeLink:
		old, err := x.localName(hdr.Linkname)
		if err != nil {
			return unsafe(hdr.Name, "hard link target: %v", err)
		}
		if x.nodes[old] != kindFile {
			return unsafe(hdr.Name, "hard link to %q, which is not a file before it", hdr.Linkname)
		}
		e.Type, e.Link = TypeHardLink, old
		x.nodes[name] = kindFile
		if obs != nil {
			obs.Link(name, old)
		}
	default:
		return unsafe(hdr.Name, "unsupported entry type %q", hdr.Typeflag)
	}
	x.progress(e)
	return nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// contentHash is the per-file digest of entries (XXH64).
type contentHash struct{ d *xxhash.Digest }

func newContentHash() contentHash { return contentHash{xxhash.New()} }

func (c contentHash) Write(p []byte) (int, error) { return c.d.Write(p) }

func (c contentHash) hex() string { return hex.EncodeToString(c.d.Sum(nil)) }
