package s3_test

import (
	"context"
	"io"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// generator yields size bytes of a repeated random block, as fast as memory copies.
type generator struct {
	block []byte
	left  int64
	off   int
}

func newGenerator(size int64) *generator { return &generator{block: data(1<<20+13, 9), left: size} }

func (g *generator) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n := copy(p, g.block[g.off:])
	g.off = (g.off + n) % len(g.block)
	g.left -= int64(n)
	return n, nil
}

// peakMemory samples the memory the Go runtime holds from the system (mapped and not given
// back) while fn runs, and returns the most seen.
func peakMemory(fn func()) uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak uint64
	sample := func() {
		metrics.Read(samples)
		if held := samples[0].Value.Uint64() - samples[1].Value.Uint64(); held > peak {
			peak = held
		}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			sample()
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	sample()
	return peak
}

// A 1 GiB blob streamed from a generator with the default settings (16 MiB parts, 4 at once)
// keeps the process's memory under 200 MiB, whatever the blob's size: the parts' buffers are
// the store's, at most 5 of them.
func TestPeakMemoryOfAGiBPut(t *testing.T) {
	srv := server(t)
	s := open(t, srv, nil, nil)
	runtime.GC()
	const size = 1 << 30
	var n int64
	var err error
	start := time.Now()
	peak := peakMemory(func() { n, err = s.Put(t.Context(), "big", newGenerator(size)) })
	elapsed := time.Since(start)
	if err != nil || n != size {
		t.Fatalf("Put of 1 GiB = %d, %v", n, err)
	}
	t.Logf("1 GiB to MinIO in %s (%.0f MiB/s), peak memory %d MiB", elapsed.Round(time.Millisecond), size/elapsed.Seconds()/(1<<20), peak>>20)
	if peak > 200<<20 {
		t.Errorf("peak memory %d MiB during a 1 GiB Put, want under 200 MiB", peak>>20)
	}
	info, err := s.Stat(t.Context(), "big")
	if err != nil || info.Size != size {
		t.Errorf("Stat after the Put: %+v, %v", info, err)
	}
}

// BenchmarkPut stores 1 GiB per iteration from a generator in MinIO (default settings) and in
// a local folder on the same disk, and reports the throughput and peak memory of each:
// go test ./internal/storage/s3 -run '^$' -bench Put -benchtime 3x
func BenchmarkPut(b *testing.B) {
	const size = 1 << 30
	for _, name := range []string{"local", "minio"} {
		b.Run(name, func(b *testing.B) {
			var s storage.Store
			if name == "minio" {
				s = open(b, server(b), nil, nil)
			} else {
				l, err := local.New(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { l.Close() })
				s = l
			}
			b.SetBytes(size)
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakMemory(func() {
					if _, err := s.Put(context.Background(), "big", newGenerator(size)); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}
