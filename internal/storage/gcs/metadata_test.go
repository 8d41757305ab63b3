package gcs_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	raw "google.golang.org/api/storage/v1"

	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// Put creates the object with the storage class and KMS key of the options, whether it is sent
// whole or in chunks, and the upload is Put's last request.
func TestPutAppliesTheSettings(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	key := "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/backups"
	s := open(t, srv.Bucket, "meta", map[string]string{"chunkSize": "256KiB", "storageClass": "nearline", "kmsKey": key})
	ctx := t.Context()
	for name, data := range map[string][]byte{"whole": randomBytes(1000, 5), "chunks": randomBytes(700<<10, 6), "empty": {}} {
		if _, err := s.Put(ctx, name, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		seen := p.seen()
		if last := seen[len(seen)-1]; !strings.HasPrefix(last.Path, "/upload/") {
			t.Errorf("%s: Put's last request was %s %s, not its upload", name, last.Method, last.Path)
		}
		a, err := rawClient(t, srv).Objects.Get(srv.Bucket, "meta/"+name).Context(ctx).Do()
		if err != nil {
			t.Fatal(err)
		}
		if a.StorageClass != "NEARLINE" || int(a.Size) != len(data) {
			t.Errorf("%s: storage class %q, %d bytes; want NEARLINE, %d", name, a.StorageClass, a.Size, len(data))
		}
	}
	// fake-gcs-server keeps no KMS key: the requests that create objects must name it.
	creates := 0
	for _, r := range p.seen() {
		if strings.HasPrefix(r.Path, "/upload/") && !strings.Contains(r.Query, "upload_id") {
			creates++
			if !strings.Contains(r.Query, "kmsKeyName="+strings.ReplaceAll(key, "/", "%2F")) {
				t.Errorf("%s %s?%s names no KMS key", r.Method, r.Path, r.Query)
			}
		}
	}
	if creates != 3 {
		t.Errorf("%d requests created objects, want 3", creates)
	}
}

// List reads every page, sorted, and leaves out objects whose names are no valid key.
func TestListReadsEveryPage(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "pages", nil)
	gcs.SetListPageSize(s, 2)
	ctx := t.Context()
	keys := []string{"e", "a/2", "c", "a/1", "b", "d/x/y"}
	for _, k := range keys {
		if _, err := s.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	c := rawClient(t, srv)
	for _, name := range []string{"pages/folder/", "pages/a//b", "pages/x/.tmp-1", "other/z"} {
		if _, err := c.Objects.Insert(srv.Bucket, &raw.Object{Name: name}).Media(strings.NewReader("not a blob of the store")).Context(ctx).Do(); err != nil {
			t.Fatalf("store %s: %v", name, err)
		}
	}
	wantKeys(t, s, "", "a/1", "a/2", "b", "c", "d/x/y", "e")
	wantKeys(t, s, "a", "a/1", "a/2")
	lists := 0
	for _, r := range p.seen() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/o") && strings.Contains(r.Query, "maxResults=2") {
			lists++
		}
	}
	if lists < 6 { // four pages of the first List (6 keys and 3 other names), two of the second
		t.Errorf("%d pages read, want at least 6", lists)
	}
}

// A server that keeps failing (503) fails a Put and a Stat once the retry deadline is over, for
// an object sent whole too (the library bounds only the retries of chunks).
func TestServerErrorsAreRetriedUntilTheDeadline(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "down", nil)
	gcs.SetRetryDeadline(s, 2*time.Second)
	p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, `{"error":{"code":503,"message":"injected: backend unavailable"}}`, http.StatusServiceUnavailable)
		return true
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for name, op := range map[string]func() error{
		"Put":  func() error { _, err := s.Put(ctx, "k", strings.NewReader("small")); return err },
		"Stat": func() error { _, err := s.Stat(ctx, "k"); return err },
	} {
		start := time.Now()
		err := op()
		took := time.Since(start)
		const want = "kept failing"
		if err == nil || !strings.Contains(err.Error(), want) || ctx.Err() != nil {
			t.Errorf("%s against a failing server: %v; want an error saying it %s", name, err, want)
		}
		if took < 2*time.Second || took > 20*time.Second {
			t.Errorf("%s failed after %s; want about the retry deadline of 2s", name, took)
		}
		if n := len(p.seen()); n < 3 {
			t.Errorf("%s: %d requests; want retries", name, n)
		}
	}
}
