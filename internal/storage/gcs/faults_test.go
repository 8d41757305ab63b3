package gcs_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// The server is killed in the middle of an upload: the Put fails naming the key and the
// unreachable server; once the server is back nothing of it is stored, and a new Put works.
func TestServerKilledMidUpload(t *testing.T) {
	srv := testserver.FakeGCS(t) // objects on disk: what the kill left is there after Restart
	t.Setenv(gcs.EmulatorVariable, srv.EmulatorHost)
	s := open(t, srv.Bucket, "killed", map[string]string{"chunkSize": "256KiB"})
	gcs.SetRetryDeadline(s, 2*time.Second)
	ctx := t.Context()
	if _, err := s.Put(ctx, "before", strings.NewReader("stored before the kill")); err != nil {
		t.Fatal(err)
	}
	const key = "zeebe-backup-x/zeebe-broker-0-data.tar.zst"
	data := randomBytes(8<<20, 1)
	src := &killingReader{data: data, at: 3 << 20, kill: srv.Kill}
	start := time.Now()
	_, err := s.Put(ctx, key, src)
	if err == nil {
		t.Fatal("Put succeeded though the server was killed midway")
	}
	if !src.killed {
		t.Fatalf("Put returned before reading 3 MiB: %v", err)
	}
	want := `put "` + key + `": cannot reach the emulator at ` + srv.EmulatorHost + ` (STORAGE_EMULATOR_HOST)`
	if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.Contains(msg, "check the endpoint and the network") || strings.Contains(msg, "upload_id") {
		t.Fatalf("error = %q, want one starting %q, saying what to check, without the session's URL", msg, want)
	}
	t.Logf("the Put failed %s after it started: %v", time.Since(start).Round(time.Millisecond), err)

	srv.Restart()
	infos, err := s.List(ctx, "")
	if err != nil || len(infos) != 1 || infos[0].Key != "before" {
		t.Fatalf("List after the restart = %+v, %v; want only the blob stored before", infos, err)
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat(%q) after the restart: %v; want absent", key, err)
	}
	if _, err := s.Put(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put after the restart: %v", err)
	}
	wantContent(t, s, key, data)
}

// killingReader yields data and calls kill once when at bytes have been read.
type killingReader struct {
	data   []byte
	read   int
	at     int
	kill   func()
	killed bool
}

func (r *killingReader) Read(p []byte) (int, error) {
	if !r.killed && r.read >= r.at {
		r.kill()
		r.killed = true
	}
	if r.read == len(r.data) {
		return 0, io.EOF
	}
	n := copy(p, r.data[r.read:])
	r.read += n
	return n, nil
}

// A bucket that does not exist is named as such by Probe (the pre-flight) and by a Put.
func TestMissingBucket(t *testing.T) {
	srv := emulated(t)
	ctx := t.Context()
	if err := open(t, srv.Bucket, "zeebe", nil).Probe(ctx); err != nil {
		t.Fatalf("Probe of the existing bucket: %v", err)
	}
	s := open(t, "no-such-bucket", "zeebe", nil)
	gcs.SetRetryDeadline(s, 2*time.Second)
	want := "bucket no-such-bucket does not exist at the emulator at " + srv.EmulatorHost + " (STORAGE_EMULATOR_HOST); create it, or correct the repository location gs://no-such-bucket/zeebe"
	err := s.Probe(ctx)
	if err == nil || err.Error() != "probe gs://no-such-bucket/zeebe: "+want {
		t.Fatalf("Probe = %v; want %q", err, want)
	}
	_, err = s.Put(ctx, "lock.json", strings.NewReader("{}"))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Put = %v; want an error saying %q", err, want)
	}
}

// A byte changed on the way to the server is caught: an object sent whole is refused by the
// server (the library declares its CRC32C), one sent in chunks by the store's own check after
// the commit, which removes the damaged object.
func TestCorruptionIsCaught(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "corrupt", map[string]string{"chunkSize": "256KiB"})
	gcs.SetRetryDeadline(s, 2*time.Second)
	var once sync.Once
	p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !isWhole(r) && !isChunk(r) {
			return false // no object data
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		once.Do(func() {
			// The media of a multipart request follows its last blank line.
			i := bytes.LastIndex(body, []byte("\r\n\r\n")) + 4
			if isChunk(r) {
				i = len(body) / 2
			}
			body[i] ^= 0x01
		})
		replaceBody(r, body)
		return false
	})
	ctx := t.Context()
	for name, data := range map[string][]byte{
		"whole":  bytes.Repeat([]byte("a"), 1000),
		"chunks": randomBytes(1<<20+5, 2),
	} {
		once = sync.Once{}
		_, err := s.Put(ctx, name, bytes.NewReader(data))
		switch {
		case err == nil:
			t.Errorf("Put(%s) of data changed on the way succeeded", name)
		case name == "chunks" && !strings.Contains(err.Error(), "were sent; the damaged object was removed: store it again"):
			t.Errorf("Put(%s) = %v; want the CRC32C mismatch found by the store", name, err)
		}
		t.Logf("Put(%s): %v", name, err)
		if _, err := s.Stat(ctx, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after the failed Put(%s), Stat = %v; want absent", name, err)
		}
	}
	wantKeys(t, s, "")
}

// One chunk, and one delete, that fail with a server error are sent again, and succeed.
func TestFailingRequestIsRetried(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "retry", map[string]string{"chunkSize": "256KiB"})
	var mu sync.Mutex
	chunks, deletes, failed := 0, 0, 0
	p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case isChunk(r):
			chunks++
			if chunks != 2 {
				return false
			}
		case r.Method == http.MethodDelete:
			deletes++
			if deletes != 1 {
				return false
			}
		default:
			return false
		}
		failed++
		io.Copy(io.Discard, r.Body)
		http.Error(w, "injected: backend unavailable", http.StatusServiceUnavailable)
		return true
	})
	data := randomBytes(1<<20+3, 3)
	if n, err := s.Put(t.Context(), "k", bytes.NewReader(data)); err != nil || n != int64(len(data)) {
		t.Fatalf("Put = %d, %v; want %d, nil", n, err, len(data))
	}
	wantContent(t, s, "k", data)
	if err := s.Delete(t.Context(), "k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantKeys(t, s, "")
	mu.Lock()
	defer mu.Unlock()
	if failed != 2 || chunks != 6 || deletes != 2 {
		t.Errorf("%d chunk requests, %d deletes, %d failed; want 6 (5 chunks and a retry), 2, 2", chunks, deletes, failed)
	}
}

// The answer to a PutIfAbsent that created its object is lost; the library's retry is
// refused as the object exists; the store sees its own token on the object and succeeds.
func TestLostAnswerOfAnExclusiveCreate(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	p := newProxy(t, srv.Endpoint, false)
	t.Setenv(gcs.EmulatorVariable, strings.TrimPrefix(p.URL, "http://"))
	s := open(t, srv.Bucket, "lost", nil)
	var once sync.Once
	p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		hit := false
		if isWhole(r) && r.URL.Query().Get("ifGenerationMatch") == "0" {
			once.Do(func() {
				hit = true
				res, body, err := p.forward(r)
				if err != nil || res.StatusCode != http.StatusOK {
					t.Errorf("the create passed on: %v %s, %v", res, body, err)
				}
				http.Error(w, "injected: the answer was lost", http.StatusServiceUnavailable)
			})
		}
		return hit
	})
	lock := []byte(`{"host":"a","pid":1}`)
	if n, err := s.PutIfAbsent(t.Context(), "lock.json", bytes.NewReader(lock)); err != nil || n != int64(len(lock)) {
		t.Fatalf("PutIfAbsent whose answer was lost = %d, %v; want %d, nil", n, err, len(lock))
	}
	if _, err := s.PutIfAbsent(t.Context(), "lock.json", strings.NewReader("other")); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("a second PutIfAbsent: %v; want storage.ErrExists", err)
	}
	wantContent(t, s, "lock.json", lock)
}

func wantContent(t *testing.T, s storage.Store, key string, want []byte) {
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

func wantKeys(t *testing.T, s storage.Store, prefix string, want ...string) {
	t.Helper()
	infos, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range infos {
		got = append(got, i.Key)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("List(%q) = %q, want %q", prefix, got, want)
	}
}

// Nothing listens at the endpoint: a request fails after 5 s of retries, not the retry
// deadline of 32 s, so that a workflow whose server went away fails in seconds.
func TestRefusedConnectionFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv(gcs.EmulatorVariable, addr)
	s := open(t, "bucket", "zeebe", nil)
	start := time.Now()
	_, err = s.Stat(t.Context(), "lock.json")
	took := time.Since(start)
	want := "cannot reach the emulator at " + addr + " (STORAGE_EMULATOR_HOST)"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "retried for 5s") {
		t.Errorf("Stat with nothing listening: %v; want an error saying it %s, retried for 5s", err, want)
	}
	if took < 4*time.Second || took > 15*time.Second {
		t.Errorf("Stat failed after %s; want about 5s", took)
	}
}
