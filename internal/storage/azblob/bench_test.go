package azblob_test

import (
	"crypto/rand"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// repeating yields size bytes of one random MiB over and over, without work per byte.
type repeating struct {
	block []byte
	left  int64
}

func newRepeating(size int64) *repeating {
	r := &repeating{block: make([]byte, 1<<20), left: size}
	rand.Read(r.block)
	return r
}

func (r *repeating) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.left)], r.block[(r.left%int64(len(r.block))):])
	if n == 0 {
		n = copy(p[:min(int64(len(p)), r.left)], r.block)
	}
	r.left -= int64(n)
	return n, nil
}

// BenchmarkPut1GiB stores 1 GiB with the default options (16 MiB blocks, 4 at once) in Azurite
// and reads it back, reporting the throughput of each and the process's peak resident memory
// (VmHWM, which includes the test binary itself). Run it with
// go test -run '^$' -bench Put1GiB -benchtime 1x ./internal/storage/azblob/.
func BenchmarkPut1GiB(b *testing.B) {
	const size = 1 << 30
	srv := startAzurite(b)
	s := open(b, "azblob://"+srv.newContainer(b), nil, srv.env(), nil)
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		key := "bench/" + strconv.Itoa(i)
		n, err := s.Put(b.Context(), key, newRepeating(size))
		if err != nil || n != size {
			b.Fatalf("Put = %d, %v", n, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(peakRSS(b), "peak-MiB")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
}

// peakRSS is the process's peak resident memory in MiB (Linux).
func peakRSS(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
