package testserver

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// GCSServer is a fake-gcs-server on loopback (plain HTTP, no authentication) with one bucket
// made for the test.
type GCSServer struct {
	// EmulatorHost is the value for STORAGE_EMULATOR_HOST: 127.0.0.1:PORT.
	EmulatorHost string
	Endpoint     string // http://127.0.0.1:PORT
	Bucket       string // exists, empty

	p *process
}

// FakeGCS starts a fake-gcs-server for the test (see the package doc for what it keeps). Its
// bucket is pre-created through the -data folder layout (one folder per bucket), and its objects
// are kept on disk (-backend filesystem), so they survive Restart.
func FakeGCS(t testing.TB) *GCSServer {
	t.Helper()
	return fakeGCS(t, "filesystem")
}

// FakeGCSInMemory is FakeGCS with the objects in the server's memory (-backend memory), which
// Restart loses (the bucket is made again). Unlike the filesystem backend, it has no folders,
// like Cloud Storage: there, deleting "a/b" leaves a folder "a", so that no object "a" can be
// stored afterwards, and "a" and "a/b" cannot both exist.
func FakeGCSInMemory(t testing.TB) *GCSServer {
	t.Helper()
	return fakeGCS(t, "memory")
}

// fakeGCS starts a fake-gcs-server with the backend named ("filesystem" or "memory").
func fakeGCS(t testing.TB, backend string) *GCSServer {
	t.Helper()
	bin := binary(t, "FAKE_GCS_SERVER")
	root := t.TempDir()
	s := &GCSServer{Bucket: "zb-test-" + randomHex(t, 6)}
	seed := filepath.Join(root, "seed")
	store := filepath.Join(root, "storage")
	home := filepath.Join(root, "home")
	for _, d := range []string{filepath.Join(seed, s.Bucket), store, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("testserver: fake-gcs-server: %v", err)
		}
	}
	s.p = startProcess(t, spec{
		name: "fake-gcs-server",
		bin:  bin,
		args: func(port int) []string {
			hostPort := "127.0.0.1:" + strconv.Itoa(port)
			return []string{
				"-scheme", "http", "-host", "127.0.0.1", "-port", strconv.Itoa(port),
				"-public-host", hostPort, "-external-url", "http://" + hostPort,
				"-backend", backend, "-filesystem-root", store, "-data", seed,
				"-log-level", "warn",
			}
		},
		home: home,
		ready: func(ctx context.Context, base string) error {
			return wantStatus(ctx, base+"/_internal/healthcheck", http.StatusOK)
		},
	})
	s.Endpoint = s.p.base
	s.EmulatorHost = s.p.base[len("http://"):]
	if err := s.checkBucket(); err != nil {
		t.Fatalf("testserver: fake-gcs-server: %v; its last output:\n%s", err, s.p.output())
	}
	return s
}

// checkBucket checks that the server serves s.Bucket.
func (s *GCSServer) checkBucket() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := wantStatus(ctx, s.Endpoint+"/storage/v1/b/"+s.Bucket, http.StatusOK); err != nil {
		return fmt.Errorf("bucket %s (from the -data folder) is not served: %w", s.Bucket, err)
	}
	return nil
}

// Env is the environment a Google Cloud Storage SDK reads to use this server.
func (s *GCSServer) Env() []string {
	return []string{"STORAGE_EMULATOR_HOST=" + s.EmulatorHost}
}

// String describes the server.
func (s *GCSServer) String() string {
	return fmt.Sprintf("fake-gcs-server at %s (bucket %s)", s.Endpoint, s.Bucket)
}

// Kill stops the server at once with SIGKILL, as a crash would. Safe from any goroutine.
func (s *GCSServer) Kill() { s.p.kill() }

// Restart starts the server again (after Kill, or stopping it first) on the same port with the
// same data, and waits until it serves the bucket. Call it from the test's goroutine.
func (s *GCSServer) Restart() {
	s.p.t.Helper()
	if err := s.p.restart(); err != nil {
		s.p.t.Fatalf("testserver: restart: %v", err)
	}
	if err := s.checkBucket(); err != nil {
		s.p.t.Fatalf("testserver: fake-gcs-server after restart: %v; its last output:\n%s", err, s.p.output())
	}
}
