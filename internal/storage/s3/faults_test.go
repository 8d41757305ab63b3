package s3_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// faultTransport fails the requests that fail says to (once each, by returning a response or
// an error), and counts the requests of each UploadPart part number.
type faultTransport struct {
	rt    http.RoundTripper
	fail  func(req *http.Request, attempt int) (*http.Response, error)
	mu    sync.Mutex
	seen  map[string]int // by method, path and part number
	parts map[string]int // UploadPart attempts by part number
}

func newFaultTransport(fail func(req *http.Request, attempt int) (*http.Response, error)) (*faultTransport, func(http.RoundTripper) http.RoundTripper) {
	ft := &faultTransport{fail: fail, seen: map[string]int{}, parts: map[string]int{}}
	return ft, func(rt http.RoundTripper) http.RoundTripper { ft.rt = rt; return ft }
}

func (ft *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	part := req.URL.Query().Get("partNumber")
	id := req.Method + " " + req.URL.Path + " " + part
	ft.mu.Lock()
	ft.seen[id]++
	attempt := ft.seen[id]
	if part != "" {
		ft.parts[part]++
	}
	ft.mu.Unlock()
	if ft.fail != nil {
		if resp, err := ft.fail(req, attempt); resp != nil || err != nil {
			if req.Body != nil {
				io.CopyN(io.Discard, req.Body, 1<<20) // part of the body went out
				req.Body.Close()
			}
			return resp, err
		}
	}
	return ft.rt.RoundTrip(req)
}

func (ft *faultTransport) attempts(part int) int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.parts[fmt.Sprint(part)]
}

// internalError is the answer of an S3 server that failed.
func internalError(req *http.Request) *http.Response {
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`
	return &http.Response{
		StatusCode: 500, Status: "500 Internal Server Error", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}
}

// data returns n pseudo-random bytes.
func data(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), 7}).Read(b)
	return b
}

// One part answered with HTTP 500 and another whose connection is reset, once each: both are
// sent again, the Put succeeds and the blob is whole.
func TestFailedPartsAreRetried(t *testing.T) {
	srv := server(t)
	ft, wrap := newFaultTransport(func(req *http.Request, attempt int) (*http.Response, error) {
		switch part := req.URL.Query().Get("partNumber"); {
		case req.Method == http.MethodPut && part == "2" && attempt == 1:
			return internalError(req), nil
		case req.Method == http.MethodPut && part == "3" && attempt == 1:
			return nil, errors.New("write tcp 127.0.0.1:1->127.0.0.1:2: write: connection reset by peer")
		}
		return nil, nil
	})
	s := open(t, srv, storage.Options{"partSize": "5MiB", "concurrency": "3"}, wrap)
	want := data(4*5<<20+1234, 1)
	n, err := s.Put(t.Context(), "backup/archive", bytes.NewReader(want))
	if err != nil || n != int64(len(want)) {
		t.Fatalf("Put = %d, %v; want %d bytes stored after the retries", n, err, len(want))
	}
	for part, attempts := range map[int]int{1: 1, 2: 2, 3: 2, 4: 1, 5: 1} {
		if got := ft.attempts(part); got != attempts {
			t.Errorf("part %d was sent %d times, want %d", part, got, attempts)
		}
	}
	rc, err := s.Get(t.Context(), "backup/archive")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("Get after the retried parts: %d bytes, %v; want the %d bytes put", len(got), err, len(want))
	}
}

// A part that fails every time fails the Put, which aborts its upload: nothing is listed,
// and the key is absent.
func TestPartFailingForGoodAbortsTheUpload(t *testing.T) {
	srv := server(t)
	ft, wrap := newFaultTransport(func(req *http.Request, attempt int) (*http.Response, error) {
		if req.Method == http.MethodPut && req.URL.Query().Get("partNumber") == "2" {
			return internalError(req), nil
		}
		return nil, nil
	})
	s := open(t, srv, storage.Options{"partSize": "5MiB"}, wrap)
	_, err := s.Put(t.Context(), "backup/archive", bytes.NewReader(data(3*5<<20, 2)))
	if err == nil || !strings.Contains(err.Error(), `put part 2 of "backup/archive" in `+s.Location()) || !strings.Contains(err.Error(), "(endpoint "+srv.Endpoint+")") ||
		!strings.Contains(err.Error(), "InternalError") {
		t.Fatalf("Put with a part failing for good: %v; want an error naming the part, key, store and endpoint", err)
	}
	if got := ft.attempts(2); got != 5 {
		t.Errorf("part 2 was sent %d times, want 5 (the retries)", got)
	}
	ft.mu.Lock()
	aborts := ft.seen[http.MethodDelete+" /"+srv.Bucket+"/"+strings.TrimPrefix(s.Location(), "s3://"+srv.Bucket+"/")+"/backup/archive "]
	ft.mu.Unlock()
	if aborts != 1 {
		t.Errorf("the upload was aborted %d times, want once", aborts)
	}
	wantNothing(t, s, "backup/archive")
	uploads, err := adminClient(srv).ListMultipartUploads(t.Context(), &awss3.ListMultipartUploadsInput{Bucket: &srv.Bucket, Prefix: ptr(strings.TrimPrefix(s.Location(), "s3://"+srv.Bucket+"/") + "/backup/archive")})
	if err != nil || len(uploads.Uploads) != 0 {
		t.Errorf("incomplete uploads after the abort: %+v, %v; want none", uploads, err)
	}
}

// The server is killed while a blob is uploaded: the Put fails with an error naming the key,
// the store and the endpoint, and once the server is back nothing is listed.
func TestServerKilledMidUpload(t *testing.T) {
	srv := server(t)
	s := open(t, srv, storage.Options{"partSize": "5MiB", "concurrency": "2"}, nil)
	put := func(key string, data []byte) {
		if _, err := s.Put(t.Context(), key, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	put("backup/config.yml", []byte("config"))
	src := &killingReader{data: data(8*5<<20, 3), killAt: 12 << 20, kill: srv.Kill}
	start := time.Now()
	_, err := s.Put(t.Context(), "backup/archive", src)
	if err == nil || !strings.Contains(err.Error(), `"backup/archive" in `+s.Location()+" (endpoint "+srv.Endpoint+")") ||
		!strings.Contains(err.Error(), "the server cannot be reached") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Put while the server is killed: %v; want an error naming the key, store and endpoint, saying the server cannot be reached", err)
	}
	t.Logf("the Put failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if err := s.Probe(t.Context()); err == nil || !strings.Contains(err.Error(), "the server cannot be reached") {
		t.Errorf("Probe of a killed server: %v", err)
	}
	srv.Restart()
	wantNothing(t, s, "backup/archive")
	if keys := listKeys(t, s, ""); len(keys) != 1 || keys[0] != "backup/config.yml" {
		t.Errorf("List after the failed Put = %q, want only backup/config.yml", keys)
	}
	put("backup/archive", []byte("a later backup succeeds"))
}

// killingReader yields data and kills the server once killAt bytes were read.
type killingReader struct {
	data   []byte
	read   int
	killAt int
	kill   func()
}

func (r *killingReader) Read(p []byte) (int, error) {
	if r.kill != nil && r.read >= r.killAt {
		r.kill()
		r.kill = nil
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.data)
	r.data, r.read = r.data[n:], r.read+n
	return n, nil
}

func wantNothing(t *testing.T, s storage.Store, key string) {
	t.Helper()
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%q) after the failed Put: %v, want fs.ErrNotExist", key, err)
	}
	for _, k := range listKeys(t, s, "") {
		if k == key {
			t.Errorf("List shows %q after the failed Put", key)
		}
	}
}

func listKeys(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	infos, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	var keys []string
	for _, in := range infos {
		keys = append(keys, in.Key)
	}
	return keys
}

func ptr[T any](v T) *T { return &v }
