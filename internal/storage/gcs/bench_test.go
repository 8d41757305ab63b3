package gcs_test

import (
	"bufio"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// BenchmarkPut1GiB stores 1 GiB of random bytes (made while they are read, never held) in
// fake-gcs-server, with the default chunk size and with 256 MiB chunks, and reports the
// throughput, this process's CPU time per GiB and its peak resident memory (VmHWM, which
// includes the test binary itself; the server is another process).
//
//	go test ./internal/storage/gcs -run '^$' -bench Put1GiB -benchtime 1x
func BenchmarkPut1GiB(b *testing.B) {
	for _, chunk := range []string{"16MiB", "256MiB"} {
		b.Run("chunk="+chunk, func(b *testing.B) { benchmarkPut(b, chunk) })
	}
}

func benchmarkPut(b *testing.B, chunk string) {
	const size = 1 << 30
	srv := testserver.FakeGCS(b)
	b.Setenv(gcs.EmulatorVariable, srv.EmulatorHost)
	l, err := gcs.Parse("gs://" + srv.Bucket + "/bench")
	if err != nil {
		b.Fatal(err)
	}
	if l, err = gcs.WithOptions(l, map[string]string{"chunkSize": chunk}); err != nil {
		b.Fatal(err)
	}
	s, err := gcs.Open(b.Context(), l)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		src := &randomReader{rng: rand.NewChaCha8([32]byte{byte(i)}), left: size}
		if n, err := s.Put(b.Context(), "archive", src); err != nil || n != size {
			b.Fatalf("Put = %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/time.Since(start).Seconds()/(1<<20), "MiB/s")
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "client-CPU-s/GiB")
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
}

// cpuTime is the CPU time this process used so far (user and system).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// randomReader yields left pseudo-random bytes.
type randomReader struct {
	rng  *rand.ChaCha8
	left int64
}

func (r *randomReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	r.rng.Read(p)
	r.left -= int64(len(p))
	return len(p), nil
}

// peakRSS is this process's peak resident memory in bytes.
func peakRSS(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
