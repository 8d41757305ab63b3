package testserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// AzureServer is Azurite's Blob service on loopback with one container made for the test.
type AzureServer struct {
	BlobEndpoint string // http://127.0.0.1:PORT/ACCOUNT (path-style, as Azurite serves it)
	Account      string // devstoreaccount1, the emulator's well-known account name
	// Key is the account key, generated for the test (not the emulator's well-known key, which
	// is off): never log it; String and the failure messages leave it out.
	Key       string
	Container string // exists, empty, private

	p *process
}

// azureAccount is the account name Azure tools assume for the emulator.
const azureAccount = "devstoreaccount1"

// Azurite starts Azurite's Blob service for the test (see the package doc for what it keeps)
// and creates its container with a Shared Key signed request. The account has the well-known
// name and a key generated for the test (AZURITE_ACCOUNTS), so a wrong key is refused.
func Azurite(t testing.TB) *AzureServer {
	t.Helper()
	bin := binary(t, "AZURITE_BLOB")
	root := t.TempDir()
	data := filepath.Join(root, "data")
	home := filepath.Join(root, "home")
	for _, d := range []string{data, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatalf("testserver: azurite: %v", err)
		}
	}
	key := make([]byte, 64)
	if _, err := rand.Read(key); err != nil {
		t.Fatalf("testserver: azurite: random key: %v", err)
	}
	s := &AzureServer{
		Account:   azureAccount,
		Key:       base64.StdEncoding.EncodeToString(key),
		Container: "zb-test-" + randomHex(t, 6),
	}
	s.p = startProcess(t, spec{
		name: "azurite",
		bin:  bin,
		args: func(port int) []string {
			return []string{
				"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
				"--location", data, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
			}
		},
		env:     []string{"AZURITE_ACCOUNTS=" + s.Account + ":" + s.Key},
		home:    home,
		secrets: []string{s.Key},
		ready: func(ctx context.Context, base string) error {
			return isAzurite(ctx, base+"/"+azureAccount+"?comp=list")
		},
	})
	s.BlobEndpoint = s.p.base + "/" + s.Account
	if err := s.createContainer(); err != nil {
		t.Fatalf("testserver: azurite: %v; its last output:\n%s", err, s.p.output())
	}
	return s
}

// isAzurite checks that an anonymous GET of url gets a Blob service error from Azurite: a 4xx
// with its error code in x-ms-error-code and an XML <Error> body carrying the same <Code>, from
// a server that names itself Azurite-Blob.
func isAzurite(ctx context.Context, url string) error {
	a, err := get(ctx, url)
	if err != nil {
		return err
	}
	code := a.header.Get("X-Ms-Error-Code")
	if a.status < 400 || a.status >= 500 || code == "" || !strings.Contains(a.body, "<Error>") ||
		!strings.Contains(a.body, "<Code>"+code+"</Code>") || !strings.HasPrefix(a.header.Get("Server"), "Azurite-Blob/") {
		return fmt.Errorf("GET %s: %d (Server %q, x-ms-error-code %q) %.200q, want a 4xx Azure Storage XML error from Azurite-Blob",
			url, a.status, a.header.Get("Server"), code, a.body)
	}
	return nil
}

// ContainerURL is the URL of the test's container.
func (s *AzureServer) ContainerURL() string { return s.BlobEndpoint + "/" + s.Container }

// createContainer makes s.Container with a Shared Key signed PUT; a container that exists
// already is fine.
func (s *AzureServer) createContainer() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	url := s.ContainerURL() + "?restype=container"
	h, err := signSharedKey(http.MethodPut, url, s.Account, s.Key, time.Now())
	if err != nil {
		return err
	}
	a, err := do(ctx, http.MethodPut, url, h)
	if err != nil {
		return fmt.Errorf("create container %s: %w", s.Container, err)
	}
	if a.status != http.StatusCreated && !(a.status == http.StatusConflict && a.header.Get("X-Ms-Error-Code") == "ContainerAlreadyExists") {
		return fmt.Errorf("create container %s: %d %.300s", s.Container, a.status, a.body)
	}
	return nil
}

// ConnectionString is the value for AZURE_STORAGE_CONNECTION_STRING; it holds the key.
func (s *AzureServer) ConnectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + s.Account + ";AccountKey=" + s.Key +
		";BlobEndpoint=" + s.BlobEndpoint + ";"
}

// Env is the environment an Azure SDK or CLI reads to reach this server with the test's key.
func (s *AzureServer) Env() []string {
	return []string{"AZURE_STORAGE_CONNECTION_STRING=" + s.ConnectionString()}
}

// String describes the server without its key.
func (s *AzureServer) String() string {
	return fmt.Sprintf("azurite at %s (account %s, container %s)", s.BlobEndpoint, s.Account, s.Container)
}

// Kill stops the server at once with SIGKILL, as a crash would. Safe from any goroutine.
func (s *AzureServer) Kill() { s.p.kill() }

// Restart starts the server again (after Kill, or stopping it first) on the same port with the
// same data, waits until it answers, and makes the container again if it was lost. Azurite
// saves its metadata (containers, blob lists) every 5 seconds, so a Kill loses what changed in
// the last 5 seconds before it; a graceful stop loses nothing. Call it from the test's goroutine.
func (s *AzureServer) Restart() {
	s.p.t.Helper()
	if err := s.p.restart(); err != nil {
		s.p.t.Fatalf("testserver: restart: %v", err)
	}
	if err := s.createContainer(); err != nil {
		s.p.t.Fatalf("testserver: azurite after restart: %v; its last output:\n%s", err, s.p.output())
	}
}
