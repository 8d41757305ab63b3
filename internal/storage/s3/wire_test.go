package s3_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
)

// recorder keeps the headers of the requests that pass.
type recorder struct {
	rt   http.RoundTripper
	mu   sync.Mutex
	reqs []http.Header
	urls []string
}

func (r *recorder) wrap(rt http.RoundTripper) http.RoundTripper { r.rt = rt; return r }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Header.Clone())
	r.urls = append(r.urls, req.Method+" "+req.URL.String())
	r.mu.Unlock()
	return r.rt.RoundTrip(req)
}

// The storage class and server-side encryption options go with every write (PutObject and
// CreateMultipartUpload), and every body with its SHA-256 as checksum and as signed payload
// hash (one digest, computed once).
func TestWriteHeaders(t *testing.T) {
	srv := server(t)
	rec := &recorder{}
	s := open(t, srv, storage.Options{"storageClass": "REDUCED_REDUNDANCY", "partSize": "5MiB"}, rec.wrap)
	small, large := []byte("small blob"), data(6<<20, 4)
	for key, b := range map[string][]byte{"small": small, "large": large} {
		if _, err := s.Put(t.Context(), key, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	writes, bodies := 0, 0
	for i, h := range rec.reqs {
		u := rec.urls[i]
		if strings.HasPrefix(u, "PUT ") && !strings.Contains(u, "partNumber=") || strings.HasPrefix(u, "POST ") && strings.Contains(u, "uploads") {
			writes++
			if h.Get("X-Amz-Storage-Class") != "REDUCED_REDUNDANCY" {
				t.Errorf("%s without the storage class: %v", u, h)
			}
		}
		if sum := h.Get("X-Amz-Checksum-Sha256"); sum != "" {
			bodies++
			raw, _ := base64.StdEncoding.DecodeString(sum)
			if h.Get("X-Amz-Content-Sha256") != hex.EncodeToString(raw) {
				t.Errorf("%s: payload hash %s, checksum %s: want one digest", u, h.Get("X-Amz-Content-Sha256"), sum)
			}
		}
	}
	if writes != 2 || bodies != 3 { // PutObject; CreateMultipartUpload; PutObject and 2 parts with bodies
		t.Errorf("%d writes with headers, %d bodies with checksums; want 2 and 3:\n%s", writes, bodies, strings.Join(rec.urls, "\n"))
	}
	head, err := adminClient(srv).HeadObject(t.Context(), &awss3.HeadObjectInput{Bucket: &srv.Bucket, Key: aws.String(strings.TrimPrefix(s.Location(), "s3://"+srv.Bucket+"/") + "/large")})
	if err != nil || head.StorageClass != "REDUCED_REDUNDANCY" {
		t.Errorf("the multipart blob's storage class: %v, %v", head.StorageClass, err)
	}

	// This MinIO has no KMS: it refuses encrypted writes, which shows they asked for it.
	rec = &recorder{}
	enc := open(t, srv, storage.Options{"sse": "aws:kms", "sseKmsKeyId": "backup-key"}, rec.wrap)
	if _, err := enc.Put(t.Context(), "k", strings.NewReader("x")); err == nil {
		t.Error("an aws:kms Put succeeded on a MinIO without KMS")
	}
	if h := rec.reqs[len(rec.reqs)-1]; h.Get("X-Amz-Server-Side-Encryption") != "aws:kms" || h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != "backup-key" {
		t.Errorf("the Put's encryption headers: %v", h)
	}
}

// A Get whose connection breaks goes on from where it was (a ranged GET of the same version);
// a blob replaced in between fails the read instead of mixing two versions.
func TestGetResumes(t *testing.T) {
	srv := server(t)
	var cut func(req *http.Request) bool
	s := open(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if err == nil && req.Method == http.MethodGet && cut != nil && cut(req) {
				resp.Body = &brokenBody{r: resp.Body, left: 1 << 20}
			}
			return resp, err
		})
	})
	want := data(3<<20, 5)
	if _, err := s.Put(t.Context(), "blob", bytes.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	var ranges []string
	cut = func(req *http.Request) bool {
		ranges = append(ranges, req.Header.Get("Range")+" "+req.Header.Get("If-Match"))
		return len(ranges) <= 2 // the first GET and the first resume break after 1 MiB
	}
	rc, err := s.Get(t.Context(), "blob")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("Get with broken connections: %d bytes, %v; want the %d bytes stored", len(got), err, len(want))
	}
	if len(ranges) != 3 || !strings.HasPrefix(ranges[1], "bytes=1048576- \"") || !strings.HasPrefix(ranges[2], "bytes=2097152- \"") {
		t.Errorf("requests: %q; want the whole blob, then the rest from 1 MiB and 2 MiB of its version", ranges)
	}

	ranges = nil
	cut = func(req *http.Request) bool {
		ranges = append(ranges, req.Header.Get("Range"))
		return len(ranges) == 1
	}
	rc, err = s.Get(t.Context(), "blob")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), "blob", strings.NewReader("replaced")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err == nil || !strings.Contains(err.Error(), `read "blob" in `+s.Location()+": the blob was replaced while it was read") {
		t.Errorf("reading on after the blob was replaced: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// brokenBody yields left bytes, then fails like a reset connection.
type brokenBody struct {
	r    io.ReadCloser
	left int
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

func (b *brokenBody) Close() error { return b.r.Close() }

// The caFile option makes an endpoint whose certificate another authority signed trusted;
// without it the error says to give it.
func TestCAFile(t *testing.T) {
	awsEnv(t, "AKIAEXAMPLE", "secret")
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`)
	}))
	defer ts.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	probe := func(opts storage.Options) error {
		l, err := s3.Parse("s3://bucket/zeebe")
		if err != nil {
			t.Fatal(err)
		}
		if l, err = s3.WithOptions(l, opts); err != nil {
			t.Fatal(err)
		}
		s, err := s3.Open(t.Context(), l, s3.OpenOptions{LookupEnv: noEnv})
		if err != nil {
			return err
		}
		return s.Probe(t.Context())
	}
	if err := probe(storage.Options{"endpoint": ts.URL, "caFile": caFile}); err != nil {
		t.Errorf("Probe with the CA file: %v", err)
	}
	if err := probe(storage.Options{"endpoint": ts.URL}); err == nil || !strings.Contains(err.Error(), "the endpoint's certificate is not trusted") || !strings.Contains(err.Error(), "as the option caFile or in AWS_CA_BUNDLE") {
		t.Errorf("Probe without the CA file: %v", err)
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := probe(storage.Options{"endpoint": ts.URL, "caFile": notPEM}); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("Open with a CA file that is none: %v", err)
	}
}
