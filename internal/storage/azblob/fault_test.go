package azblob_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/azblob"
)

// endless yields a repeating pattern up to size bytes; at hookAt bytes it calls hook once.
type endless struct {
	size, read, hookAt int
	hook               func()
}

func (r *endless) Read(p []byte) (int, error) {
	if r.hook != nil && r.read >= r.hookAt {
		r.hook()
		r.hook = nil
	}
	if r.read >= r.size {
		return 0, io.EOF
	}
	n := min(len(p), r.size-r.read, 64<<10)
	for i := range n {
		p[i] = byte((r.read + i) % 251)
	}
	r.read += n
	return n, nil
}

// The server killed in the middle of a staged upload: the Put fails with an error that names
// the key and says the service cannot be reached; once the server is back nothing is listed
// or found under the key, and the same Put succeeds.
func TestServerKilledMidUpload(t *testing.T) {
	srv := startAzurite(t)
	s := open(t, "azblob://"+srv.newContainer(t), smallBlocks, srv.env(), nil)
	const key = "zeebe-backup-x/zeebe-broker-0-data.tar.zst"
	if _, err := s.Put(t.Context(), "zeebe-backup-x/zeebe-broker-0-config.yml", strings.NewReader("zeebe: {}")); err != nil {
		t.Fatal(err)
	}
	// Azurite saves its blob metadata (containers, committed blobs) every 5 seconds: a kill
	// before that forgets the container. Wait, so that what follows the restart is the state
	// of the store and not a server that lost its memory.
	time.Sleep(6 * time.Second)
	start := time.Now()
	_, err := s.Put(t.Context(), key, &endless{size: 12 << 20, hookAt: 3 << 20, hook: srv.Kill})
	if err == nil || !strings.Contains(err.Error(), `"`+key+`"`) || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("Put while the server was killed: %v, want an error naming the key and saying the service cannot be reached", err)
	}
	t.Logf("the Put failed after %v: %v", time.Since(start).Round(time.Second), err)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, storage.ErrExists) {
		t.Fatalf("the error %v wraps a sentinel", err)
	}

	srv.Restart()
	wantList(t, s, "", "zeebe-backup-x/zeebe-broker-0-config.yml")
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat after the failed Put: %v, want fs.ErrNotExist", err)
	}
	n, err := s.Put(t.Context(), key, &endless{size: 5<<20 + 3})
	if err != nil || n != 5<<20+3 {
		t.Fatalf("Put after the restart = %d, %v", n, err)
	}
	infos, err := s.List(t.Context(), "zeebe-backup-x/")
	if err != nil || len(infos) != 2 || infos[1].Key != key || infos[1].Size != 5<<20+3 {
		t.Fatalf("List after the restart = %+v, %v", infos, err)
	}
}

// No message holds a credential: a planted account key, the real key, a SAS token and a
// connection string are looked for in every error of failing opens and requests, and in what
// the store says of itself.
func TestNoSecretInMessages(t *testing.T) {
	srv := startAzurite(t)
	name := srv.newContainer(t)
	planted := otherKey()
	token := srv.sas(t, name, sas.ContainerPermissions{Read: true, List: true})
	secrets := []string{planted, srv.Key, token, srv.ConnectionString()}
	if i := strings.Index(token, "sig="); i >= 0 {
		secrets = append(secrets, token[i+4:])
	}
	var mu sync.Mutex
	var messages []string
	note := func(what string, err error) {
		if err != nil {
			mu.Lock()
			messages = append(messages, what+": "+err.Error())
			mu.Unlock()
		}
	}
	// exercise runs every method of s at once (a store without a server retries each for
	// seconds).
	var wg sync.WaitGroup
	exercise := func(what string, s *azblob.Store) {
		ctx := t.Context()
		mu.Lock()
		messages = append(messages, s.Location(), s.Endpoint())
		mu.Unlock()
		wg.Go(func() { note(what+" probe", s.Probe(ctx)) })
		wg.Go(func() {
			_, err := s.Put(ctx, "small", strings.NewReader("x"))
			note(what+" put", err)
		})
		wg.Go(func() {
			_, err := s.Put(ctx, "large", &endless{size: 3 << 20})
			note(what+" staged put", err)
		})
		wg.Go(func() {
			_, err := s.PutIfAbsent(ctx, "lock.json", strings.NewReader("{}"))
			note(what+" put-if-absent", err)
		})
		wg.Go(func() {
			rc, err := s.Get(ctx, "small")
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			note(what+" get", err)
		})
		wg.Go(func() {
			_, err := s.Stat(ctx, "small")
			note(what+" stat", err)
		})
		wg.Go(func() {
			_, err := s.List(ctx, "")
			note(what+" list", err)
		})
		wg.Go(func() { note(what+" delete", s.Delete(ctx, "small")) })
	}
	keyVars := srv.keyEnv()
	keyVars["AZURE_STORAGE_KEY"] = planted
	exercise("wrong key", open(t, "azblob://"+name, smallBlocks, keyVars, nil))
	exercise("missing container", open(t, "azblob://missing-container", smallBlocks, srv.env(), nil))
	sasVars := map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "BlobEndpoint=" + srv.BlobEndpoint + ";SharedAccessSignature=" + token}
	exercise("read-only SAS", open(t, "azblob://"+name, smallBlocks, sasVars, nil))
	exercise("SAS of another container", open(t, "azblob://missing-container", smallBlocks, sasVars, nil))
	dead := map[string]string{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=devstoreaccount1;AccountKey=" + planted + ";BlobEndpoint=http://127.0.0.1:9/devstoreaccount1"}
	exercise("no server", open(t, "azblob://"+name, smallBlocks, dead, nil))
	deadSAS := map[string]string{"AZURE_STORAGE_ACCOUNT": "devstoreaccount1", "AZURE_STORAGE_SERVICE_ENDPOINT": "http://127.0.0.1:9", "AZURE_STORAGE_SAS_TOKEN": token}
	exercise("no server, SAS", open(t, "azblob://"+name, smallBlocks, deadSAS, nil))

	wg.Wait()

	l, err := azblob.Parse("azblob://" + name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = azblob.WithOptions(l, map[string]string{"endpoint": srv.BlobEndpoint + "?" + token})
	note("endpoint with a SAS", err)
	_, err = azblob.Parse("azblob://" + name + "/p?" + token)
	note("location with a SAS", err)
	for _, bad := range []map[string]string{
		{"AZURE_STORAGE_CONNECTION_STRING": srv.ConnectionString() + "garbage-without-equals;"},
		{"AZURE_STORAGE_CONNECTION_STRING": "AccountName=devstoreaccount1;AccountKey=" + planted + "!;BlobEndpoint=" + srv.BlobEndpoint},
		{"AZURE_STORAGE_ACCOUNT": "devstoreaccount1", "AZURE_STORAGE_KEY": planted + "!"},
	} {
		_, err := azblob.Open(t.Context(), l, azblob.OpenOptions{LookupEnv: func(k string) (string, bool) { v, ok := bad[k]; return v, ok }})
		if err == nil {
			t.Fatalf("Open with a bad credential succeeded")
		}
		note("open", err)
	}

	if len(messages) < 40 {
		t.Fatalf("only %d messages were collected", len(messages))
	}
	for _, m := range messages {
		for _, secret := range secrets {
			if strings.Contains(m, secret) {
				t.Errorf("a message holds a secret: %s", m)
			}
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("messages:\n%s", strings.Join(messages, "\n"))
	}
}

// Bytes read are counted against the blob's length: a Get read to the end gives exactly the
// blob, also through a store with another block size than the one that wrote it.
func TestGetAcrossBlockSizes(t *testing.T) {
	srv := startAzurite(t)
	name := srv.newContainer(t)
	w := open(t, "azblob://"+name, smallBlocks, srv.env(), nil)
	r := open(t, "azblob://"+name, map[string]string{"blockSize": "4MiB"}, srv.env(), nil)
	data := make([]byte, 7<<20+11)
	if _, err := io.ReadFull(&endless{size: len(data)}, data); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Put(t.Context(), "k", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	wantBlob(t, r, "k", data)
	info, err := r.Stat(t.Context(), "k")
	if err != nil || info.Size != int64(len(data)) {
		t.Fatalf("Stat = %+v, %v", info, err)
	}
}
