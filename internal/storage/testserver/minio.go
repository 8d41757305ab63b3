package testserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// S3Server is a MinIO server on loopback with one bucket made for the test.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT (path-style addressing)
	Region    string
	AccessKey string
	SecretKey string // never log it; String leaves it out
	Bucket    string // exists, empty

	p *process
}

// MinIO starts a MinIO server for the test (see the package doc for what it keeps) and creates
// its bucket through the S3 API. Its root credentials are the test's access and secret key.
func MinIO(t testing.TB) *S3Server {
	t.Helper()
	bin := binary(t, "MINIO")
	root := t.TempDir()
	data := filepath.Join(root, "data")
	home := filepath.Join(root, "home")
	for _, d := range []string{data, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatalf("testserver: minio: %v", err)
		}
	}
	s := &S3Server{
		Region:    "us-east-1",
		AccessKey: "zbak" + randomHex(t, 8),
		SecretKey: randomHex(t, 20),
		Bucket:    "zb-test-" + randomHex(t, 6),
	}
	s.p = startProcess(t, spec{
		name: "minio",
		bin:  bin,
		args: func(port int) []string {
			return []string{"server", "--quiet",
				"--address", "127.0.0.1:" + strconv.Itoa(port),
				// The console is off (MINIO_BROWSER), and bound to loopback should that ever
				// change: by default it listens on every interface.
				"--console-address", "127.0.0.1:" + strconv.Itoa(consolePort(t)),
				data}
		},
		env: []string{
			"MINIO_ROOT_USER=" + s.AccessKey,
			"MINIO_ROOT_PASSWORD=" + s.SecretKey,
			"MINIO_SITE_REGION=" + s.Region,
			"MINIO_BROWSER=off",
			"MINIO_UPDATE=off",
			"MINIO_CI_CD=on",
		},
		home:    home,
		secrets: []string{s.SecretKey},
		ready: func(ctx context.Context, base string) error {
			// ready, unlike live, waits for the object layer: the S3 API is served.
			return wantStatus(ctx, base+"/minio/health/ready", http.StatusOK)
		},
	})
	s.Endpoint = s.p.base
	if err := s.createBucket(); err != nil {
		t.Fatalf("testserver: minio: %v; its last output:\n%s", err, s.p.output())
	}
	return s
}

// consolePort is a free port for MinIO's (disabled) console.
func consolePort(t testing.TB) int {
	port, err := freePort()
	if err != nil {
		t.Fatalf("testserver: minio console: %v", err)
	}
	return port
}

// createBucket makes s.Bucket with a signed PUT, retried while the server is still starting
// (it answers "live" a moment before it serves the S3 API).
func (s *S3Server) createBucket() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	url := s.Endpoint + "/" + s.Bucket
	for {
		h, err := signV4(http.MethodPut, url, s.Region, s.AccessKey, s.SecretKey, time.Now())
		if err != nil {
			return err
		}
		a, err := do(ctx, http.MethodPut, url, h)
		if err == nil && a.status == http.StatusOK {
			return nil
		}
		if err == nil && a.status < 500 {
			return fmt.Errorf("create bucket %s: %d %.300s", s.Bucket, a.status, a.body)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create bucket %s: server not ready within %s: %d %.300s %v", s.Bucket, startTimeout, a.status, a.body, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Env is the environment an AWS SDK or CLI reads to reach this server as the test's user.
func (s *S3Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		"AWS_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
	}
}

// String describes the server without its secret key.
func (s *S3Server) String() string {
	return fmt.Sprintf("minio at %s (region %s, bucket %s, access key %s)", s.Endpoint, s.Region, s.Bucket, s.AccessKey)
}

// Kill stops the server at once with SIGKILL, as a crash would. Safe from any goroutine.
func (s *S3Server) Kill() { s.p.kill() }

// Restart starts the server again (after Kill, or stopping it first) on the same port with the
// same data, and waits until it answers. Call it from the test's goroutine.
func (s *S3Server) Restart() {
	s.p.t.Helper()
	if err := s.p.restart(); err != nil {
		s.p.t.Fatalf("testserver: restart: %v", err)
	}
}

// wantStatus checks that an unauthenticated GET of url answers want.
func wantStatus(ctx context.Context, url string, want int) error {
	a, err := get(ctx, url)
	if err != nil {
		return err
	}
	if a.status != want {
		return fmt.Errorf("GET %s: %d, want %d: %.200s", url, a.status, want, a.body)
	}
	return nil
}

// randomHex returns n random bytes in hex.
func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testserver: random bytes: %v", err)
	}
	return hex.EncodeToString(b)
}
