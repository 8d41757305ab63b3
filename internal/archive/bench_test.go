package archive_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// benchTree builds the mixed data set once per benchmark; its size comes from ZB_BENCH_SIZE
// (bytes, default 1 GiB). scripts/bench-archive.sh runs the 1 GiB comparison with tar.
func benchTree(b *testing.B) (string, int64) {
	b.Helper()
	size := int64(1 << 30)
	if v := os.Getenv("ZB_BENCH_SIZE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("ZB_BENCH_SIZE=%q: %v", v, err)
		}
		size = n
	}
	src := filepath.Join(b.TempDir(), "data")
	if err := testtree.Mixed(src, size, 1); err != nil {
		b.Fatal(err)
	}
	return src, size
}

func BenchmarkWrite(b *testing.B) {
	src, size := benchTree(b)
	for _, c := range archive.Compressions {
		b.Run(string(c), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := archive.Write(context.Background(), io.Discard, src, archive.WriteOptions{Compression: c}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkExtract(b *testing.B) {
	src, size := benchTree(b)
	for _, c := range archive.Compressions {
		b.Run(string(c), func(b *testing.B) {
			var buf bytes.Buffer
			if _, err := archive.Write(context.Background(), &buf, src, archive.WriteOptions{Compression: c}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			for b.Loop() {
				b.StopTimer()
				dst := filepath.Join(b.TempDir(), "x")
				b.StartTimer()
				if _, err := archive.Extract(context.Background(), bytes.NewReader(buf.Bytes()), dst, archive.ExtractOptions{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				b.StartTimer()
			}
		})
	}
}
