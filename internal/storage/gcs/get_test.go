package gcs_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// isDownload tells whether r reads an object's bytes.
func isDownload(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Query().Get("alt") == "media"
}

// A download that breaks midway is resumed with a ranged request of the same generation, and
// Get delivers the whole blob.
func TestBrokenDownloadIsResumed(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "resume", nil)
	data := randomBytes(3<<20+11, 7)
	if _, err := s.Put(t.Context(), "k", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	var (
		once   sync.Once
		mu     sync.Mutex
		ranges []string
		gen    string
	)
	p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !isDownload(r) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		ranges = append(ranges, r.Header.Get("Range")+" generation="+r.URL.Query().Get("generation"))
		cut := false
		once.Do(func() {
			cut = true
			res, body, err := p.forward(r)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("download passed on: %v, %v", res, err)
				return
			}
			gen = res.Header.Get("X-Goog-Generation")
			for k, v := range res.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusOK)
			w.Write(body[:1<<20]) // then the connection breaks
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		})
		return cut
	})
	wantContent(t, s, "k", data)
	mu.Lock()
	defer mu.Unlock()
	if want := "bytes=1048576- generation=" + gen; len(ranges) != 2 || ranges[1] != want {
		t.Errorf("downloads %q; want the whole blob, then %q", ranges, want)
	}
}

// Bytes changed on the way from the server are caught by the CRC32C the server sent.
func TestCorruptDownloadIsCaught(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "rot", nil)
	data := randomBytes(100_000, 8)
	if _, err := s.Put(t.Context(), "k", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !isDownload(r) {
			return false
		}
		res, body, err := p.forward(r)
		if err != nil || res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("download passed on: %v, %v", res, err)
			return false
		}
		body[len(body)/2] ^= 0x10
		answer(w, res, body) // with the server's CRC32C in X-Goog-Hash
		return true
	})
	rc, err := s.Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err == nil || !strings.Contains(err.Error(), `get "k": the bytes that arrived have CRC32C`) || len(got) != len(data) {
		t.Fatalf("reading a changed download: %d bytes, %v; want all bytes, then a CRC32C mismatch", len(got), err)
	}
}
