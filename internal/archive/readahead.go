package archive

import (
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

type chunk struct {
	b   []byte
	err error
}

// copyFile streams the first size bytes of f into the tar writer and h, reading up to
// readAhead chunks ahead in a second goroutine. A file shorter than size is an in-use error.
func (a *archiver) copyFile(rel string, f *os.File, size int64, h hash.Hash, o observed) error {
	out := make(chan chunk, readAhead)
	stop := make(chan struct{})
	go func() {
		defer close(out)
		for n := int64(0); n < size; {
			var b []byte
			select {
			case b = <-a.free:
			case <-stop:
				return
			}
			k, err := io.ReadFull(f, b[:min(int64(len(b)), size-n)])
			n += int64(k)
			out <- chunk{b[:k], err} // never blocks: at most readAhead chunks are out
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for c := range out {
			a.free <- c.b[:cap(c.b)]
		}
	}()
	var n int64
	for c := range out {
		if c.err != nil {
			a.free <- c.b[:cap(c.b)]
			if errors.Is(c.err, io.EOF) || errors.Is(c.err, io.ErrUnexpectedEOF) {
				return a.inUse(rel, fmt.Sprintf("shrank from %d to %d bytes while it was read", size, n+int64(len(c.b))))
			}
			return fmt.Errorf("read %s: %w", a.abs(rel), c.err)
		}
		h.Write(c.b)
		o.write(c.b)
		_, err := a.tw.Write(c.b)
		a.free <- c.b[:cap(c.b)]
		if err != nil {
			return fmt.Errorf("archive %s: %w", a.abs(rel), err)
		}
		n += int64(len(c.b))
		a.done.Bytes += int64(len(c.b))
		if err := a.ctx.Err(); err != nil {
			return err
		}
		if a.opts.Progress != nil {
			a.opts.Progress(a.done)
		}
	}
	return nil
}
