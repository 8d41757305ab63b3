package archive

import (
	"archive/tar"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/cespare/xxhash/v2"
	"io"
	"os"
	"time"
)

func (x *extractor) file(tr *tar.Reader, name string, hdr *tar.Header) (digest string, err error) {
	if hdr.Size < 0 || hdr.Size > x.opts.MaxFileSize {
		return "", unsafe(hdr.Name, "claims %d bytes, more than the limit of %d", hdr.Size, x.opts.MaxFileSize)
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	x.created(name, kindFile)
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", name, cerr)
		}
	}()
	digest, err = x.content(tr, f, name, hdr)
	if err != nil {
		return "", err
	}
	if x.owner {
		if err := f.Chown(hdr.Uid, hdr.Gid); err != nil {
			return "", fmt.Errorf("set owner of %s: %w", name, err)
		}
	}
	// After chown, which clears setuid and setgid.
	if err := f.Chmod(fileMode(hdr)); err != nil {
		return "", fmt.Errorf("set mode of %s: %w", name, err)
	}
	if err := x.root.Chtimes(name, accessTime(hdr), hdr.ModTime); err != nil {
		return "", fmt.Errorf("set times of %s: %w", name, err)
	}
	return digest, nil
}

// content writes the data of a file entry into f and returns its digest.
//
// Space is reserved a step ahead of the data, never all at once, so that a header that claims a
// huge size cannot fill the disk before its data proves it. Where the reservation worked, runs
// of zeros (the preallocated tails of journal segments) are not written: the reserved blocks
// already read as zeros and are allocated, so the file is not sparse. Written data is handed to
// the disk as it goes, so that the final sync has little left to wait for.
func (x *extractor) content(tr *tar.Reader, f *os.File, name string, hdr *tar.Header) (string, error) {
	h := xxhash.New()
	o := observeFile(x.opts.Observe, name, hdr.Size)
	defer o.close()
	var n, allocated, flushed int64
	reserved := false
	for n < hdr.Size {
		if err := x.ctx.Err(); err != nil {
			return "", err
		}
		if n == allocated {
			step := min(hdr.Size-n, allocStep)
			ok, err := allocate(f, n, step)
			if err != nil {
				return "", fmt.Errorf("allocate %d bytes for %s: %w", hdr.Size, name, err)
			}
			reserved = ok
			allocated += step
		}
		k, rerr := tr.Read(x.buf[:min(int64(len(x.buf)), allocated-n)])
		if k > 0 {
			b := x.buf[:k]
			h.Write(b)
			o.write(b)
			if !reserved || !isZero(b) {
				if _, err := f.WriteAt(b, n); err != nil {
					return "", fmt.Errorf("write %s: %w", name, err)
				}
			}
			n += int64(k)
			x.done.Bytes += int64(k)
			if n-flushed >= writebackStep {
				startWriteback(f, flushed, n-flushed)
				flushed = n
			}
			if x.opts.Progress != nil && k == len(x.buf) {
				x.opts.Progress(x.done)
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) && n == hdr.Size {
				break
			}
			if errors.Is(rerr, io.EOF) {
				rerr = io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("archive is truncated or damaged in entry %q: %w", hdr.Name, rerr)
		}
	}
	if n > flushed {
		startWriteback(f, flushed, n-flushed)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var zeros = make([]byte, readChunk)

func isZero(b []byte) bool { return bytes.Equal(b, zeros[:len(b)]) }

func accessTime(hdr *tar.Header) time.Time {
	if hdr.AccessTime.IsZero() {
		return hdr.ModTime
	}
	return hdr.AccessTime
}
