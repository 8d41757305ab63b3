package testserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// onLoopback fails the test unless rawURL's host is 127.0.0.1 with a port.
func onLoopback(t *testing.T, rawURL string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		t.Fatalf("endpoint %q is not 127.0.0.1:PORT (%v)", rawURL, err)
	}
}

// request sends one request with the given headers and returns its status.
func request(t *testing.T, method, rawURL string, h http.Header) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := do(ctx, method, rawURL, h)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	return a.status, a.body
}

// refused checks that nothing answers at rawURL any more.
func refused(t *testing.T, rawURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if a, err := get(ctx, rawURL); err == nil {
		t.Fatalf("GET %s after Kill answered %d, want no answer", rawURL, a.status)
	}
}

func TestMinIO(t *testing.T) {
	t.Parallel()
	s := MinIO(t)
	onLoopback(t, s.Endpoint)
	signed := func(method, path, secret string) int {
		t.Helper()
		h, err := signV4(method, s.Endpoint+path, s.Region, s.AccessKey, secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		status, _ := request(t, method, s.Endpoint+path, h)
		return status
	}
	check := func() {
		t.Helper()
		if status, body := request(t, http.MethodGet, s.Endpoint+"/minio/health/live", nil); status != http.StatusOK {
			t.Fatalf("GET /minio/health/live: %d %s", status, body)
		}
		if got := signed(http.MethodHead, "/"+s.Bucket, s.SecretKey); got != http.StatusOK {
			t.Fatalf("HEAD bucket %s with the test's key: %d, want 200", s.Bucket, got)
		}
	}
	check()
	if got := signed(http.MethodHead, "/zb-no-such-bucket", s.SecretKey); got != http.StatusNotFound {
		t.Errorf("HEAD of a bucket never created: %d, want 404", got)
	}
	if got := signed(http.MethodHead, "/"+s.Bucket, s.SecretKey+"x"); got != http.StatusForbidden {
		t.Errorf("HEAD bucket with a wrong secret key: %d, want 403", got)
	}
	if strings.Contains(s.String(), s.SecretKey) || strings.Contains(fmt.Sprintf("%v %+v", s, s), s.SecretKey) {
		t.Errorf("String shows the secret key")
	}
	if !strings.Contains(strings.Join(s.Env(), "\n"), "AWS_ENDPOINT_URL_S3="+s.Endpoint) {
		t.Errorf("Env() = %d entries, want AWS_ENDPOINT_URL_S3=%s", len(s.Env()), s.Endpoint)
	}

	s.Kill()
	refused(t, s.Endpoint+"/minio/health/live")
	s.Restart()
	check()
}

func TestFakeGCS(t *testing.T) {
	t.Parallel()
	s := FakeGCS(t)
	onLoopback(t, s.Endpoint)
	if s.EmulatorHost != strings.TrimPrefix(s.Endpoint, "http://") {
		t.Errorf("EmulatorHost %q, want the host:port of %s", s.EmulatorHost, s.Endpoint)
	}
	check := func() {
		t.Helper()
		status, body := request(t, http.MethodGet, s.Endpoint+"/storage/v1/b/"+s.Bucket, nil)
		var bucket struct{ Name string }
		if err := json.Unmarshal([]byte(body), &bucket); status != http.StatusOK || err != nil || bucket.Name != s.Bucket {
			t.Fatalf("GET bucket %s: %d %s (%v), want 200 and its name", s.Bucket, status, body, err)
		}
	}
	check()
	if status, _ := request(t, http.MethodGet, s.Endpoint+"/storage/v1/b/zb-no-such-bucket", nil); status != http.StatusNotFound {
		t.Errorf("GET of a bucket never created: %d, want 404", status)
	}

	s.Kill()
	refused(t, s.Endpoint+"/storage/v1/b/"+s.Bucket)
	s.Restart()
	check()
}

// In memory, a deleted "a/b" leaves no folder "a" behind: "a" can be stored next, as on GCS.
func TestFakeGCSInMemory(t *testing.T) {
	t.Parallel()
	s := FakeGCSInMemory(t)
	onLoopback(t, s.Endpoint)
	upload := func(name string) int {
		t.Helper()
		res, err := http.Post(s.Endpoint+"/upload/storage/v1/b/"+s.Bucket+"/o?uploadType=media&name="+url.QueryEscape(name), "application/octet-stream", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if status := upload("a/b"); status != http.StatusOK {
		t.Fatalf("upload a/b: %d", status)
	}
	if status, body := request(t, http.MethodDelete, s.Endpoint+"/storage/v1/b/"+s.Bucket+"/o/"+url.PathEscape("a/b"), nil); status != http.StatusOK && status != http.StatusNoContent { // GCS says 204, fake-gcs-server 200
		t.Fatalf("delete a/b: %d %s", status, body)
	}
	if status := upload("a"); status != http.StatusOK {
		t.Fatalf("upload a after a/b was deleted: %d, want 200", status)
	}
}

func TestAzurite(t *testing.T) {
	t.Parallel()
	s := Azurite(t)
	onLoopback(t, s.BlobEndpoint)
	props := func(container, key string) int {
		t.Helper()
		u := s.BlobEndpoint + "/" + container + "?restype=container"
		h, err := signSharedKey(http.MethodGet, u, s.Account, key, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		status, _ := request(t, http.MethodGet, u, h)
		return status
	}
	check := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Anonymous: a well-formed Azure Storage error is what proves it is Azurite.
		if err := isAzurite(ctx, s.ContainerURL()+"?restype=container"); err != nil {
			t.Fatal(err)
		}
		if got := props(s.Container, s.Key); got != http.StatusOK {
			t.Fatalf("container %s properties with the test's key: %d, want 200", s.Container, got)
		}
	}
	check()
	if got := props("zb-no-such-container", s.Key); got != http.StatusNotFound {
		t.Errorf("properties of a container never created: %d, want 404", got)
	}
	wrong := base64.StdEncoding.EncodeToString(make([]byte, 64))
	if got := props(s.Container, wrong); got != http.StatusForbidden {
		t.Errorf("container properties with a wrong key: %d, want 403", got)
	}
	if strings.Contains(s.String(), s.Key) || strings.Contains(fmt.Sprintf("%v", s), s.Key) {
		t.Errorf("String shows the account key")
	}
	if !strings.Contains(s.ConnectionString(), "BlobEndpoint="+s.BlobEndpoint+";") {
		t.Errorf("connection string does not name the blob endpoint %s", s.BlobEndpoint)
	}

	s.Kill()
	refused(t, s.BlobEndpoint+"?comp=list")
	s.Restart()
	check()
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends the goroutine.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatalOf runs start with a recorder and returns the message it failed with ("" if none).
func fatalOf(t *testing.T, start func(testing.TB)) string {
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		start(r)
	}()
	<-done
	return r.msg
}

func TestMissingServerFailsWithInstallCommand(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("SERVERS_DIR", empty)
	for name, start := range map[string]func(testing.TB){
		"minio":             func(tb testing.TB) { MinIO(tb) },
		"fakegcs":           func(tb testing.TB) { FakeGCS(tb) },
		"fakegcs in memory": func(tb testing.TB) { FakeGCSInMemory(tb) },
		"azurite":           func(tb testing.TB) { Azurite(tb) },
	} {
		msg := fatalOf(t, start)
		if !strings.Contains(msg, "make deps") || !strings.Contains(msg, "scripts/install-deps.sh") {
			t.Errorf("%s without servers.env failed with %q, want the install command", name, msg)
		}
	}
	// A servers.env naming a binary that is not there.
	env := "MINIO=" + filepath.Join(empty, "minio-vX", "minio") + "\n"
	if err := os.WriteFile(filepath.Join(empty, "servers.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := fatalOf(t, func(tb testing.TB) { MinIO(tb) }); !strings.Contains(msg, "minio-vX") || !strings.Contains(msg, "make deps") {
		t.Errorf("MinIO with a missing binary failed with %q, want its path and the install command", msg)
	}
}

func TestEarlyExitShowsRedactedOutput(t *testing.T) {
	const secret = "s3cr3t-planted-value"
	p := &process{t: t, port: 1, base: "http://127.0.0.1:1", spec: spec{
		name: "crasher",
		bin:  "/bin/sh",
		args: func(int) []string {
			return []string{"-c", `echo "starting with $SECRET"; echo "cannot bind" >&2; exit 3`}
		},
		env:     []string{"SECRET=" + secret},
		home:    t.TempDir(),
		secrets: []string{secret},
		ready: func(ctx context.Context, base string) error {
			return fmt.Errorf("not yet")
		},
	}}
	err := p.start()
	if err == nil {
		t.Fatal("a server that exits at once started")
	}
	for _, want := range []string{"crasher exited", "exit status 3", "cannot bind", "[redacted]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the secret: %q", err)
	}
}
