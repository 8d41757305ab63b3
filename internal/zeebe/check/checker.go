package check

import (
	"context"
	"fmt"
	"io"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Options tell the checker what the broker and its cluster should be.
type Options struct {
	// NodeID is the broker's node id, -1 when unknown: then lock files are only checked for
	// consistency, and the node id is taken from them.
	NodeID int
	// Shape is the cluster's, when known (from the configuration or a manifest), for the
	// members checks of .conf and .topology.meta; zero fields are unknown.
	zeebe.Shape
}

// Checker is an archive.Observer: feed it a data folder's files in archive order (a sorted
// walk, folders before their contents) and call Finish. Content may arrive in chunks of any
// size. It keeps per file only what the checks need: a segment's entry references, a CRC32C
// and size, the content of small files; its buffer grows to the largest journal entry. It is
// not safe for concurrent use.
type Checker struct {
	opts  Options
	files map[string]*fileRec
	order []*fileRec
	spare []byte // the entry buffer, handed from one segment to the next
	bytes int64
}

var _ archive.Observer = (*Checker)(nil)

// New returns a checker for one broker's data folder.
func New(opts Options) *Checker {
	return &Checker{opts: opts, files: map[string]*fileRec{}}
}

func (c *Checker) add(r *fileRec) {
	if old, ok := c.files[r.path]; ok {
		*old = *r // a path seen twice: the later content counts
		return
	}
	c.files[r.path] = r
	c.order = append(c.order, r)
}

// File implements archive.Observer.
func (c *Checker) File(path string, size int64) io.WriteCloser {
	l := classify(path)
	r := &fileRec{path: path, loc: l, size: size}
	c.add(r)
	r = c.files[path]
	c.bytes += max(size, 0)
	if l.kind == kSegment {
		r.seg = newSegScan(size)
		return c.newSegWriter(r.seg)
	}
	w := &sumWriter{r: r, keep: wantsContent(l), sst: l.kind == kSnapFile && isSST(l.name)}
	r.summed = l.partition > 0 && wantsCRC(l)
	if !w.keep && !w.sst && !r.summed {
		return nil
	}
	return w
}

// Link implements archive.Observer: path has the content of target, seen before.
func (c *Checker) Link(path, target string) {
	l := classify(path)
	r := &fileRec{path: path, loc: l, link: target}
	if t, ok := c.files[target]; ok {
		r.size, r.received, r.crc, r.summed, r.content, r.tooLarge = t.size, t.received, t.crc, t.summed, t.content, t.tooLarge
		r.seg, r.migratedBy = t.seg, t.migratedBy
	}
	if l.kind == kSegment && r.seg == nil {
		r.seg = &segScan{size: r.size, asqnBad: -1, descErr: fmt.Errorf("a hard link to %s, which was not read as a segment", target)}
	}
	c.add(r)
}

// Inspect checks a data folder on disk.
func Inspect(ctx context.Context, dir string, opts Options) (*Report, error) {
	c := New(opts)
	if _, err := archive.Write(ctx, io.Discard, dir, archive.WriteOptions{Compression: archive.None, Observe: c}); err != nil {
		return nil, fmt.Errorf("check %s: %w", dir, err)
	}
	return c.Finish(), nil
}
