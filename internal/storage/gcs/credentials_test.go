package gcs_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// plantedCredentials writes a service account key file, as `gcloud iam service-accounts keys
// create` does, whose token endpoint is a server of the test, and points
// GOOGLE_APPLICATION_CREDENTIALS at it. It returns the secrets planted (the private key's
// body, the key id, the access token the token server hands out) and a count of tokens given.
func plantedCredentials(t *testing.T) (secrets []string, tokens func() int) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	accessToken := "ya29.planted-access-token-" + rand.Text()
	keyID := "planted-key-id-" + rand.Text()
	var mu sync.Mutex
	given := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		given++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, accessToken)
	}))
	t.Cleanup(ts.Close)
	file, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "zb-test",
		"private_key_id": keyID,
		"private_key":    string(keyPEM),
		"client_email":   "zeebe-backup@zb-test.iam.gserviceaccount.com",
		"client_id":      "1234567890",
		"auth_uri":       ts.URL + "/auth",
		"token_uri":      ts.URL + "/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
	t.Setenv(gcs.EmulatorVariable, "")
	body := strings.Join(strings.Split(string(keyPEM), "\n")[1:4], "") // a part of the key itself
	return []string{body, keyID, accessToken}, func() int { mu.Lock(); defer mu.Unlock(); return given }
}

// Credentials come from GOOGLE_APPLICATION_CREDENTIALS (a service account key whose token
// endpoint is on loopback), over an endpoint of plain HTTP and one of TLS with a CA file: every
// request carries the access token, and no secret appears in any error, in the location or in
// the objects' metadata, whether the server takes the token or refuses it.
func TestCredentialsFromTheStandardChain(t *testing.T) {
	srv := testserver.FakeGCSInMemory(t)
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			secrets, tokens := plantedCredentials(t)
			// The library would log every request and answer to standard error.
			t.Setenv("GOOGLE_SDK_GO_LOGGING_LEVEL", "debug")
			logs := captureStderr(t)
			p := newProxy(t, srv.Endpoint, tls)
			opts := map[string]string{"endpoint": p.URL, "chunkSize": "256KiB"}
			if tls {
				ca := filepath.Join(t.TempDir(), "ca.pem")
				if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Certificate().Raw}), 0o600); err != nil {
					t.Fatal(err)
				}
				opts["caFile"] = ca
			}
			prefix := fmt.Sprintf("creds-%v", tls)
			s := open(t, srv.Bucket, prefix, opts)
			gcs.SetRetryDeadline(s, time.Second)
			ctx := t.Context()
			var texts []string // everything the store said or stored
			note := func(err error) {
				if err != nil {
					t.Log(err)
					texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
				}
			}
			data := randomBytes(600<<10, 4)
			_, err := s.Put(ctx, "k", bytes.NewReader(data))
			note(err)
			if err != nil {
				t.Fatalf("Put with planted credentials: %v", err)
			}
			wantContent(t, s, "k", data)
			_, err = s.PutIfAbsent(ctx, "lock.json", strings.NewReader("{}"))
			note(err)
			infos, err := s.List(ctx, "")
			note(err)
			note(s.Probe(ctx))
			texts = append(texts, s.Location(), fmt.Sprintf("%+v %+v", infos, gcs.OptionsInForce(s)))
			for _, r := range p.seen() {
				if r.Authorization != "Bearer "+secrets[2] {
					t.Fatalf("%s %s carried Authorization %q; want the planted access token", r.Method, r.Path, r.Authorization)
				}
			}
			if tokens() == 0 || len(p.seen()) < 5 {
				t.Fatalf("%d tokens given, %d requests seen; want some of each", tokens(), len(p.seen()))
			}

			// The server refuses the credentials: the errors say so.
			p.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":{"code":401,"message":"Invalid Credentials","errors":[{"reason":"authError"}]}}`)
				return true
			})
			_, err = s.Put(ctx, "refused", bytes.NewReader(data))
			note(err)
			if err == nil || !strings.Contains(err.Error(), "refused the credentials") {
				t.Errorf("Put with refused credentials: %v", err)
			}
			_, err = s.Stat(ctx, "k")
			note(err)
			if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "check the file GOOGLE_APPLICATION_CREDENTIALS names") {
				t.Errorf("Stat with refused credentials: %v", err)
			}
			err = s.Probe(ctx)
			note(err)
			if err == nil {
				t.Error("Probe with refused credentials succeeded")
			}
			p.setIntercept(nil)
			for _, key := range []string{"k", "lock.json"} {
				a, err := rawClient(t, srv).Objects.Get(srv.Bucket, prefix+"/"+key).Context(ctx).Do()
				if err != nil {
					t.Fatal(err)
				}
				texts = append(texts, fmt.Sprintf("%v", a.Metadata))
			}
			if logged := logs(); logged != "" {
				t.Errorf("the client logged:\n%.2000s", logged)
				texts = append(texts, logged)
			}
			for _, text := range texts {
				for _, secret := range secrets {
					if strings.Contains(text, secret) {
						t.Errorf("a secret (%.12s...) appears in %q", secret, text)
					}
				}
			}
		})
	}
}

var _ storage.Store = (*gcs.Store)(nil)

// captureStderr sends the process's standard error to a file until the test ends; the
// function returned reads what was written so far.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	t.Cleanup(func() { os.Stderr = saved; f.Close() })
	return func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}
