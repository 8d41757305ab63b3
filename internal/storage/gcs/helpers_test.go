package gcs_test

import (
	"bytes"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/api/option"
	raw "google.golang.org/api/storage/v1"

	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

func TestMain(m *testing.M) {
	// No test may send a request off this machine: were a test to fall through Google's
	// credential chain to the metadata server, it would look for it on a closed loopback port.
	os.Setenv("GCE_METADATA_HOST", "127.0.0.1:9")
	os.Exit(m.Run())
}

// open opens gs://BUCKET/prefix of the server with options; the test's environment must point
// at the server (STORAGE_EMULATOR_HOST) or the options give an endpoint.
func open(t *testing.T, bucket, prefix string, opts map[string]string) *gcs.Store {
	t.Helper()
	l, err := gcs.Parse("gs://" + bucket + "/" + prefix)
	if err != nil {
		t.Fatal(err)
	}
	if l, err = gcs.WithOptions(l, opts); err != nil {
		t.Fatal(err)
	}
	s, err := gcs.Open(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// emulated starts a fake-gcs-server that keeps its objects in memory (like GCS, it has no
// folders; see testserver.FakeGCSInMemory) and points the test's environment at it.
func emulated(t *testing.T) *testserver.GCSServer {
	t.Helper()
	srv := testserver.FakeGCSInMemory(t)
	t.Setenv(gcs.EmulatorVariable, srv.EmulatorHost)
	return srv
}

// randomBytes returns n pseudo-random bytes that depend on seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 7}).Read(b)
	return b
}

// seen is a request a proxy passed on.
type seen struct {
	Method, Path, Query, Authorization string
}

// proxy is a reverse proxy on loopback in front of a server: it records the requests it
// passes, and intercept (if set) may answer a request itself or change it before it is
// passed. Upload session URLs in answers are rewritten to point at the proxy, so that every
// chunk passes through it.
type proxy struct {
	*httptest.Server
	target *url.URL
	rp     *httputil.ReverseProxy

	mu        sync.Mutex
	requests  []seen
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

// newProxy starts a proxy in front of base (http://127.0.0.1:PORT), over TLS if tls is set.
func newProxy(t *testing.T, base string, tls bool) *proxy {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target}
	p.rp = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.rp.ModifyResponse = func(res *http.Response) error {
		for _, h := range []string{"Location", "X-Goog-Upload-URL"} {
			if v := res.Header.Get(h); v != "" {
				res.Header.Set(h, strings.Replace(v, base, p.URL, 1))
			}
		}
		return nil
	}
	if tls {
		p.StartTLS()
	} else {
		p.Start()
	}
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization")})
	intercept := p.intercept
	p.mu.Unlock()
	if intercept != nil && intercept(w, r) {
		return
	}
	p.rp.ServeHTTP(w, r)
}

// setIntercept installs (or with nil removes) the interception.
func (p *proxy) setIntercept(f func(w http.ResponseWriter, r *http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intercept = f
}

// seen returns the requests passed so far.
func (p *proxy) seen() []seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]seen(nil), p.requests...)
}

// forward passes r on to the server and returns the server's answer, its body read whole.
func (p *proxy) forward(r *http.Request) (*http.Response, []byte, error) {
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = p.target.Scheme, p.target.Host, p.target.Host, ""
	res, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

// answer sends the server's answer res with body instead of its own.
func answer(w http.ResponseWriter, res *http.Response, body []byte) {
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.StatusCode)
	w.Write(body)
}

// replaceBody gives r a new body.
func replaceBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// The requests of uploads with data: an object sent whole (multipart: its metadata, then its
// data), a chunk of a resumable session's data.
func isWhole(r *http.Request) bool { return uploadType(r) == "multipart" }

func isChunk(r *http.Request) bool {
	return uploadType(r) == "resumable" && r.URL.Query().Has("upload_id")
}

func uploadType(r *http.Request) string {
	if !strings.HasPrefix(r.URL.Path, "/upload/") {
		return ""
	}
	return r.URL.Query().Get("uploadType")
}

// rawClient is a client of the API to look at the server's objects as they are, without the
// store; it talks to the server directly, without credentials.
func rawClient(t *testing.T, srv *testserver.GCSServer) *raw.Service {
	t.Helper()
	c, err := raw.NewService(t.Context(), option.WithEndpoint(srv.Endpoint+"/storage/v1/"), option.WithoutAuthentication(),
		option.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
