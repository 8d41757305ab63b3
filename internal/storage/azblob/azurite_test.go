package azblob_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/azblob"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/storagetest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// azurite is one Azurite server for a test, with a client that can make containers.
type azurite struct {
	*testserver.AzureServer
	t   testing.TB
	key *container.SharedKeyCredential
}

func startAzurite(t testing.TB) *azurite {
	srv := testserver.Azurite(t)
	key, err := container.NewSharedKeyCredential(srv.Account, srv.Key)
	if err != nil {
		t.Fatal(err)
	}
	return &azurite{AzureServer: srv, t: t, key: key}
}

// admin is a client of a container with the account key, for what the store does not do.
func (a *azurite) admin(name string) *container.Client {
	a.t.Helper()
	c, err := container.NewClientWithSharedKeyCredential(a.BlobEndpoint+"/"+name, a.key, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// newContainer makes an empty container with a random name.
func (a *azurite) newContainer(t testing.TB) string {
	t.Helper()
	name := "t" + strings.ToLower(rand.Text()[:20])
	if _, err := a.admin(name).Create(t.Context(), nil); err != nil {
		t.Fatalf("create container %s: %v", name, err)
	}
	return name
}

// env is the environment of a store that reaches the server with its account key: by default
// the connection string; keyEnv gives the account, endpoint (an IP) and key separately.
func (a *azurite) env() map[string]string {
	return map[string]string{"AZURE_STORAGE_CONNECTION_STRING": a.ConnectionString()}
}

func (a *azurite) keyEnv() map[string]string {
	endpoint := strings.TrimSuffix(a.BlobEndpoint, "/"+a.Account)
	return map[string]string{"AZURE_STORAGE_ACCOUNT": a.Account, "AZURE_STORAGE_SERVICE_ENDPOINT": endpoint, "AZURE_STORAGE_KEY": a.Key}
}

// open opens the store at loc with the options and environment given.
func open(t testing.TB, loc string, opts map[string]string, vars map[string]string, transport func(policy.Transporter) policy.Transporter) *azblob.Store {
	t.Helper()
	l, err := azblob.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if l, err = azblob.WithOptions(l, opts); err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	s, err := azblob.Open(t.Context(), l, azblob.OpenOptions{LookupEnv: lookup, Transport: transport})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// smallBlocks makes every blob of more than 1 MiB a staged, multi-block upload.
var smallBlocks = map[string]string{"blockSize": "1MiB", "concurrency": "2"}

// The conformance suite on Azurite: with the default options (blobs of the suite are stored
// with one Put Blob) through the connection string, and with 1 MiB blocks (every blob over
// 1 MiB is staged and committed) through the account key and an IP endpoint.
func TestConformance(t *testing.T) {
	srv := startAzurite(t)
	t.Run("Default", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Store {
			return open(t, "azblob://"+srv.newContainer(t), nil, srv.env(), nil)
		})
	})
	t.Run("SmallBlocks", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Store {
			return open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.keyEnv(), nil)
		})
	})
}

// Stores below prefixes of one container see only their own keys.
func TestPrefixes(t *testing.T) {
	srv := startAzurite(t)
	name := srv.newContainer(t)
	top := open(t, "azblob://"+name, nil, srv.env(), nil)
	a := open(t, "azblob://"+name+"/zeebe/a", nil, srv.env(), nil)
	ab := open(t, "azblob://"+name+"/zeebe/a/b/", smallBlocks, srv.env(), nil)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<17) // 2 MiB: staged by ab
	for _, s := range []*azblob.Store{top, a, ab} {
		if _, err := s.Put(t.Context(), "k", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	wantList(t, top, "", "k", "zeebe/a/b/k", "zeebe/a/k")
	wantList(t, a, "", "b/k", "k")
	wantList(t, ab, "", "k")
	wantList(t, a, "b/", "b/k")
	if ab.Location() != "azblob://"+name+"/zeebe/a/b" {
		t.Errorf("Location = %q", ab.Location())
	}
	if err := a.Delete(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	wantList(t, top, "", "k", "zeebe/a/b/k")
	rc, err := ab.Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get = %d bytes, %v; want the %d bytes stored", len(got), err, len(data))
	}
}

func wantList(t *testing.T, s storage.Store, prefix string, want ...string) {
	t.Helper()
	infos, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, info := range infos {
		got = append(got, info.Key)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s: List(%q) = %q, want %q", s.Location(), prefix, got, want)
	}
}

// A PutIfAbsent of many blocks over an existing blob fails with storage.ErrExists at its
// commit and leaves the blob as it was.
func TestPutIfAbsentStagedOverExisting(t *testing.T) {
	srv := startAzurite(t)
	s := open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.env(), nil)
	old := bytes.Repeat([]byte("old!"), 1<<20)
	if _, err := s.PutIfAbsent(t.Context(), "lock", bytes.NewReader(old)); err != nil {
		t.Fatal(err)
	}
	_, err := s.PutIfAbsent(t.Context(), "lock", bytes.NewReader(bytes.Repeat([]byte("new!"), 1<<20)))
	if !errors.Is(err, storage.ErrExists) || !strings.Contains(err.Error(), `"lock"`) {
		t.Fatalf("PutIfAbsent over a blob: %v, want storage.ErrExists naming the key", err)
	}
	wantBlob(t, s, "lock", old)
}

func wantBlob(t *testing.T, s storage.Store, key string, want []byte) {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %d bytes, %v; want the %d bytes stored", key, len(got), err, len(want))
	}
}

// requests is a transport that counts requests by kind and can answer or change some.
type requests struct {
	base     policy.Transporter
	mu       sync.Mutex
	counts   map[string]int
	inFlight atomic.Int32
	maxBlock atomic.Int32 // the most Put Block requests in flight at once
	// change, if not nil, may answer a request itself (a non-nil response) or change it;
	// n counts the requests of its kind so far (1-based).
	change func(kind string, n int, req *http.Request) *http.Response
}

// kind names a request: "block" (Put Block), "blocklist" (Put Block List), "blob" (Put Blob),
// or its method.
func kind(req *http.Request) string {
	comp := req.URL.Query().Get("comp")
	switch {
	case req.Method == http.MethodPut && comp == "block":
		return "block"
	case req.Method == http.MethodPut && comp == "blocklist":
		return "blocklist"
	case req.Method == http.MethodPut && comp == "" && req.URL.Query().Get("restype") == "":
		return "blob"
	}
	return req.Method
}

func (r *requests) Do(req *http.Request) (*http.Response, error) {
	k := kind(req)
	r.mu.Lock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[k]++
	n := r.counts[k]
	r.mu.Unlock()
	if r.change != nil {
		if resp := r.change(k, n, req); resp != nil {
			return resp, nil
		}
	}
	if k == "block" {
		now := r.inFlight.Add(1)
		defer r.inFlight.Add(-1)
		for {
			most := r.maxBlock.Load()
			if now <= most || r.maxBlock.CompareAndSwap(most, now) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // let the others start
	}
	return r.base.Do(req)
}

func (r *requests) count(k string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[k]
}

func (r *requests) wrap(base policy.Transporter) policy.Transporter {
	r.base = base
	return r
}

// damage flips a byte of a request's body.
func damage(t *testing.T, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Error(err)
		return
	}
	req.Body.Close()
	body[len(body)/2] ^= 0x55
	req.Body = io.NopCloser(bytes.NewReader(body))
}

// A block (or a whole small blob) that reaches the service damaged is refused by its CRC-64
// and sent again; one that is always damaged fails the Put, naming the key, and leaves nothing.
func TestDamagedDataIsSentAgain(t *testing.T) {
	srv := startAzurite(t)
	data := bytes.Repeat([]byte("zeebe-backup "), 500_000) // 6.5 MB: six blocks of 1 MiB and a last one
	r := &requests{change: func(k string, n int, req *http.Request) *http.Response {
		if (k == "block" && n == 3) || (k == "blob" && n == 1) {
			damage(t, req)
		}
		return nil
	}}
	s := open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.env(), r.wrap)
	if _, err := s.Put(t.Context(), "staged", bytes.NewReader(data)); err != nil {
		t.Fatalf("Put with one damaged block: %v", err)
	}
	if _, err := s.Put(t.Context(), "small", strings.NewReader("a lock")); err != nil {
		t.Fatalf("Put of a small blob sent damaged once: %v", err)
	}
	wantBlob(t, s, "staged", data)
	wantBlob(t, s, "small", []byte("a lock"))
	if got := r.count("block"); got != 8 {
		t.Errorf("%d Put Block requests, want 8 (7 blocks, one sent again)", got)
	}

	always := &requests{change: func(k string, _ int, req *http.Request) *http.Response {
		if k == "block" {
			damage(t, req)
		}
		return nil
	}}
	s = open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.env(), always.wrap)
	_, err := s.Put(t.Context(), "broken/blob", bytes.NewReader(data))
	if err == nil || !strings.Contains(err.Error(), `"broken/blob"`) || !strings.Contains(err.Error(), "damaged (Crc64Mismatch)") {
		t.Fatalf("Put with every block damaged: %v", err)
	}
	wantList(t, s, "")
}

// A block that fails with a server error the first time is sent again by the SDK's retries.
func TestFailedBlockIsRetried(t *testing.T) {
	srv := startAzurite(t)
	r := &requests{change: func(k string, n int, req *http.Request) *http.Response {
		if k == "block" && n == 2 {
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Server Busy", Header: http.Header{"X-Ms-Error-Code": {"ServerBusy"}}, Body: io.NopCloser(strings.NewReader("")), Request: req}
		}
		return nil
	}}
	s := open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.env(), r.wrap)
	data := bytes.Repeat([]byte{7}, 3<<20)
	if _, err := s.Put(t.Context(), "k", bytes.NewReader(data)); err != nil {
		t.Fatalf("Put with a block failing once: %v", err)
	}
	wantBlob(t, s, "k", data)
	if got := r.count("block"); got != 4 {
		t.Errorf("%d Put Block requests, want 4 (3 blocks, one sent again)", got)
	}
}

// A store stages at most Concurrency blocks at once, whatever the number of Puts.
func TestConcurrencyBound(t *testing.T) {
	srv := startAzurite(t)
	r := &requests{}
	s := open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.env(), r.wrap)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := s.Put(t.Context(), "k"+string(rune('0'+i)), bytes.NewReader(bytes.Repeat([]byte{byte(i)}, 6<<20))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := r.maxBlock.Load(); got != 2 {
		t.Errorf("at most %d blocks were staged at once, want 2 (the concurrency)", got)
	}
	if got := r.count("block"); got != 24 {
		t.Errorf("%d Put Block requests, want 24", got)
	}
}

// Get checks what it read against the SHA-256 recorded at Put: a blob whose content no longer
// matches it fails at the end of the read, naming the key.
func TestGetChecksTheRecordedSHA256(t *testing.T) {
	srv := startAzurite(t)
	name := srv.newContainer(t)
	s := open(t, "azblob://"+name, nil, srv.env(), nil)
	if _, err := s.Put(t.Context(), "a/manifest.json", strings.NewReader(`{"id":"x"}`)); err != nil {
		t.Fatal(err)
	}
	wantBlob(t, s, "a/manifest.json", []byte(`{"id":"x"}`))
	other := "0000000000000000000000000000000000000000000000000000000000000000"
	if _, err := srv.admin(name).NewBlobClient("a/manifest.json").SetMetadata(t.Context(), map[string]*string{"sha256": &other}, nil); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(t.Context(), "a/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	if err == nil || !strings.Contains(err.Error(), `"a/manifest.json"`) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("read of a blob whose SHA-256 differs: %v", err)
	}
}

// Pre-flight: a missing container, a wrong key and a credential without the permission to
// write are named as such by Probe and Put, with what to do.
func TestPreflightErrors(t *testing.T) {
	srv := startAzurite(t)
	missing := open(t, "azblob://no-such-container", nil, srv.env(), nil)
	err := missing.Probe(t.Context())
	if err == nil || !strings.Contains(err.Error(), `the container "no-such-container" does not exist in the account devstoreaccount1`) || !strings.Contains(err.Error(), "az storage container create") {
		t.Fatalf("Probe of a missing container: %v", err)
	}
	if _, err := missing.Stat(t.Context(), "lock.json"); err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "does not exist in the account") {
		t.Fatalf("Stat in a missing container: %v, want the container named, not an absent key", err)
	}

	name := srv.newContainer(t)
	vars := srv.keyEnv()
	vars["AZURE_STORAGE_KEY"] = otherKey()
	wrong := open(t, "azblob://"+name, nil, vars, nil)
	err = wrong.Probe(t.Context())
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") || !strings.Contains(err.Error(), "AZURE_STORAGE_KEY") {
		t.Fatalf("Probe with a wrong key: %v", err)
	}

	good := open(t, "azblob://"+name, nil, srv.env(), nil)
	if err := good.Probe(t.Context()); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	readOnly := open(t, "azblob://"+name, nil, map[string]string{
		"AZURE_STORAGE_ACCOUNT": srv.Account, "AZURE_STORAGE_SERVICE_ENDPOINT": srv.BlobEndpoint,
		"AZURE_STORAGE_SAS_TOKEN": srv.sas(t, name, sas.ContainerPermissions{Read: true, List: true}),
	}, nil)
	if err := readOnly.Probe(t.Context()); err != nil {
		t.Fatalf("Probe with a read and list SAS: %v", err)
	}
	_, err = readOnly.Put(t.Context(), "zeebe-backup-x/.probe", strings.NewReader(""))
	if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "Storage Blob Data Contributor") {
		t.Fatalf("Put with a read-only SAS: %v", err)
	}
}

// otherKey is an account key the server does not have.
func otherKey() string {
	b := make([]byte, 64)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// sas is a container SAS token of the account with the permissions given, valid for an hour.
func (a *azurite) sas(t *testing.T, name string, perms sas.ContainerPermissions) string {
	q, err := sas.BlobSignatureValues{
		Protocol: sas.ProtocolHTTPSandHTTP, StartTime: time.Now().Add(-time.Minute), ExpiryTime: time.Now().Add(time.Hour),
		Permissions: perms.String(), ContainerName: name,
	}.SignWithSharedKey(a.key)
	if err != nil {
		t.Fatal(err)
	}
	return q.Encode()
}
