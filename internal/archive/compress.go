package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// Compression is the stream stage between tar and the archive's bytes.
type Compression string

// The compressions an archive can have.
const (
	Zstd Compression = "zstd" // the default: fast, and as fast to read
	Gzip Compression = "gzip" // written in parallel, readable by plain gzip -d
	None Compression = "none" // a plain tar stream
)

// Compressions lists the supported compressions, default first.
var Compressions = []Compression{Zstd, Gzip, None}

// Ext is the archive file name suffix for c: ".tar.zst", ".tar.gz" or ".tar".
func (c Compression) Ext() string {
	switch c {
	case Zstd:
		return ".tar.zst"
	case Gzip:
		return ".tar.gz"
	default:
		return ".tar"
	}
}

// ParseCompression reads a compression name as a user writes it.
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zstd", "zst", "":
		return Zstd, nil
	case "gzip", "gz":
		return Gzip, nil
	case "none", "tar":
		return None, nil
	}
	return "", fmt.Errorf("unknown compression %q: use zstd, gzip or none", s)
}

// CompressionForName chooses the compression from an archive's file name.
func CompressionForName(name string) (Compression, error) {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".tar.zst"), strings.HasSuffix(lower, ".tzst"):
		return Zstd, nil
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return Gzip, nil
	case strings.HasSuffix(lower, ".tar"):
		return None, nil
	}
	return "", fmt.Errorf("archive name %q: cannot tell the compression; end it in .tar.zst, .tar.gz or .tar", name)
}

var (
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	gzipMagic = []byte{0x1f, 0x8b}
)

// detect tells the compression of a stream from its first bytes.
func detect(head []byte) Compression {
	switch {
	case bytes.HasPrefix(head, zstdMagic):
		return Zstd
	case bytes.HasPrefix(head, gzipMagic):
		return Gzip
	}
	return None
}

// maxZstdWindow bounds the memory a zstd stream may ask for when read. zstd --ultra -22 and
// --long=27 stay within it; our own archives use a few MiB.
const maxZstdWindow = 128 << 20

// zstdChunk is the size of the independently compressed pieces of a zstd stream: large enough
// that the ratio does not suffer, small enough to keep every core busy and memory bounded.
const zstdChunk = 2 << 20

// compressor wraps w in the compression stage. Closing it flushes the stage but does not close w.
func compressor(w io.Writer, c Compression, level int) (io.WriteCloser, error) {
	switch c {
	case Zstd:
		lvl := zstd.SpeedFastest
		if level > 0 {
			lvl = zstd.EncoderLevelFromZstd(level)
		}
		// EncodeAll is safe for concurrent use: each call takes an encoder of its own.
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			return nil, err
		}
		encode := func(dst, src []byte) []byte { return enc.EncodeAll(src, dst) }
		return newParallelWriter(w, runtime.GOMAXPROCS(0), zstdChunk, encode), nil
	case Gzip:
		if level == 0 {
			level = pgzip.BestSpeed
		}
		gz, err := pgzip.NewWriterLevel(w, level)
		if err != nil {
			return nil, err
		}
		if err := gz.SetConcurrency(1<<20, 2*runtime.GOMAXPROCS(0)); err != nil {
			return nil, err
		}
		return gz, nil
	case None:
		return nopWriteCloser{w}, nil
	}
	return nil, fmt.Errorf("unknown compression %q", c)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// decompressor detects the compression of r and returns the tar stream inside it. The returned
// close function releases the decoder's goroutines.
func decompressor(r io.Reader) (io.Reader, Compression, func(), error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", nil, err
	}
	c := detect(head)
	switch c {
	case Zstd:
		d, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderConcurrency(2))
		if err != nil {
			return nil, c, nil, err
		}
		return d, c, d.Close, nil
	case Gzip:
		gz, err := pgzip.NewReaderN(br, 1<<20, 4)
		if err != nil {
			return nil, c, nil, fmt.Errorf("gzip header: %w", err)
		}
		return gz, c, func() { gz.Close() }, nil
	}
	return br, c, func() {}, nil
}
