package e2e_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// azureEnv is the environment the tool runs with against srv: the account and endpoint, and
// the credential variable given; every other credential variable empty, so that Azure's
// identity chain (which would ask the instance metadata service, off this machine) is never
// used.
func azureEnv(srv *testserver.AzureServer, credential string) []string {
	return []string{
		"AZURE_STORAGE_CONNECTION_STRING=", "AZURE_STORAGE_KEY=", "AZURE_STORAGE_SAS_TOKEN=", "AZURE_STORAGE_AUTH_MODE=",
		"AZURE_STORAGE_ACCOUNT=" + srv.Account, "AZURE_STORAGE_SERVICE_ENDPOINT=" + srv.BlobEndpoint, credential,
	}
}

// startAzure is an azblob:// repository on Azurite, its account, endpoint and key from the
// environment only. Azurite saves its metadata every 5 seconds and forgets what it had not
// saved when it is killed, so the remote's kill cuts the network path to it instead (a proxy
// resets every connection and refuses new ones): the tool sees what a killed server looks
// like, and the server comes back with what it had stored, as Azure's service does.
func startAzure(t *testing.T) *remote {
	srv := testserver.Azurite(t)
	target := strings.TrimPrefix(srv.BlobEndpoint, "http://")
	target, _, _ = strings.Cut(target, "/")
	c := newCutter(t, target)
	env := azureEnv(srv, "AZURE_STORAGE_KEY="+srv.Key)
	return &remote{
		loc:        "azblob://" + srv.Container + "/zeebe",
		env:        withVar(env, "AZURE_STORAGE_SERVICE_ENDPOINT", "http://"+c.addr+"/"+srv.Account),
		smallParts: []string{"ZEEBE_BACKUP_AZBLOB_BLOCK_SIZE=1MiB"},
		secrets:    []string{srv.Key},
		kill:       c.cut,
		restart:    func() { c.mend(t) },
	}
}

// cutter is a TCP proxy on loopback in front of a server.
type cutter struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newCutter(t *testing.T, target string) *cutter {
	c := &cutter{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.ln, c.addr = ln, ln.Addr().String()
	go c.serve(ln)
	t.Cleanup(c.cut)
	return c
}

func (c *cutter) serve(ln net.Listener) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		go c.pipe(in)
	}
}

// pipe copies between a client's connection and a new one to the server until either ends.
func (c *cutter) pipe(in net.Conn) {
	out, err := net.Dial("tcp", c.target)
	if err != nil {
		in.Close()
		return
	}
	c.mu.Lock()
	if c.ln == nil { // cut meanwhile
		c.mu.Unlock()
		in.Close()
		out.Close()
		return
	}
	c.conns[in], c.conns[out] = true, true
	c.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(out, in); done <- struct{}{} }()
	go func() { io.Copy(in, out); done <- struct{}{} }()
	<-done
	c.mu.Lock()
	delete(c.conns, in)
	delete(c.conns, out)
	c.mu.Unlock()
	in.Close()
	out.Close()
}

// cut resets every connection and stops accepting: connections are refused.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ln != nil {
		c.ln.Close()
		c.ln = nil
	}
	for conn := range c.conns {
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) // a reset, as the kernel sends for a killed process's sockets
		}
		conn.Close()
	}
	clear(c.conns)
}

// mend accepts connections again on the same address.
func (c *cutter) mend(t *testing.T) {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", c.addr, err)
	}
	c.mu.Lock()
	c.ln = ln
	c.mu.Unlock()
	go c.serve(ln)
}

// useAzure points the environment's cluster file at a prefix of a container of srv, with the
// account as a repositoryOption.
func (e *env) useAzure(srv *testserver.AzureServer, containerName string) string {
	e.t.Helper()
	loc := fmt.Sprintf("azblob://%s/zeebe", containerName)
	data, err := os.ReadFile(e.clusterFile)
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.Replace(string(data), "repository: "+e.repoDir+"\n",
		fmt.Sprintf("repository: %s\nrepositoryOptions: {account: %s, blockSize: 1MiB}\n", loc, srv.Account), 1)
	if err := os.WriteFile(e.clusterFile, []byte(s), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return loc
}

// A backup into an Azure Blob repository that refuses the key, whose container is missing, or
// whose credential may not write fails in its pre-flight, naming the cause, before any broker
// is stopped; no output shows a secret. With the right key the backup is stored in staged
// blocks, listed and verified, and no stored blob holds the key.
func TestAzblobPreflightRefusals(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	srv := testserver.Azurite(t)
	loc := e.useAzure(srv, srv.Container)
	pids := map[int]int{}
	for _, b := range e.c.Brokers {
		pids[b.NodeID] = pid(b)
	}
	plantedKey := make([]byte, 64)
	rand.Read(plantedKey)
	planted := base64.StdEncoding.EncodeToString(plantedKey)
	key, err := container.NewSharedKeyCredential(srv.Account, srv.Key)
	if err != nil {
		t.Fatal(err)
	}
	token, err := sas.BlobSignatureValues{
		Protocol: sas.ProtocolHTTPSandHTTP, StartTime: time.Now().Add(-time.Minute), ExpiryTime: time.Now().Add(time.Hour),
		Permissions: (&sas.ContainerPermissions{Read: true, List: true}).String(), ContainerName: srv.Container,
	}.SignWithSharedKey(key)
	if err != nil {
		t.Fatal(err)
	}
	readOnly := token.Encode()

	for _, c := range []struct {
		name string
		env  []string
		edit func()
		want string
	}{
		{"wrong key", azureEnv(srv, "AZURE_STORAGE_KEY="+planted), nil, "the Blob service refused the credentials (AuthorizationFailure); check AZURE_STORAGE_KEY"},
		{"missing container", azureEnv(srv, "AZURE_STORAGE_KEY="+srv.Key), func() { e.useAzure(srv, "no-such-container") }, `the container "no-such-container" does not exist in the account devstoreaccount1`},
		{"read-only SAS", azureEnv(srv, "AZURE_STORAGE_SAS_TOKEN="+readOnly), func() { e.useAzure(srv, srv.Container) }, "access denied (AuthorizationPermissionMismatch): the credentials (the SAS token in AZURE_STORAGE_SAS_TOKEN) may not put here"},
	} {
		if c.edit != nil {
			e.writeClusterFile(e.clusterFile, nil)
			c.edit()
		}
		code, stdout, stderr := e.startTool(c.env, "backup", "--id", "refused").wait()
		if code != cli.ExitRefused || !strings.Contains(stderr, "pre-flight check failed, no broker was touched") || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit %d, the pre-flight's refusal saying %q", c.name, code, stderr, cli.ExitRefused, c.want)
		}
		for _, secret := range []string{planted, srv.Key, readOnly} {
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("%s: the output shows a secret:\n%s%s", c.name, stdout, stderr)
			}
		}
		for _, b := range e.c.Brokers {
			if !ready(b) || pid(b) != pids[b.NodeID] {
				t.Fatalf("%s: broker %d was touched by a refused backup", c.name, b.NodeID)
			}
		}
	}

	ok := azureEnv(srv, "AZURE_STORAGE_KEY="+srv.Key)
	if code, _, stderr := e.startTool(ok, "backup", "--id", "first").wait(); code != 0 {
		t.Fatalf("backup to %s: exit %d\n%s", loc, code, stderr)
	}
	code, stdout, stderr := e.startTool(ok, "list").wait()
	if code != 0 || !strings.Contains(stdout, "first") || strings.Contains(stdout, "refused") {
		t.Fatalf("list of %s: exit %d\n%s%s", loc, code, stdout, stderr)
	}
	if code, stdout, stderr := e.startTool(ok, "verify", "first", "--deep").wait(); code != 0 {
		t.Fatalf("verify --deep of the backup in %s: exit %d\n%s%s", loc, code, stdout, stderr)
	}

	// Every stored blob (archives, indexes, configurations, the manifest) is free of the key.
	c, err := container.NewClientWithSharedKeyCredential(srv.ContainerURL(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	pager := c.NewListBlobsFlatPager(nil)
	var names []string
	for pager.More() {
		page, err := pager.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Segment.BlobItems {
			names = append(names, *item.Name)
			resp, err := c.NewBlobClient(*item.Name).DownloadStream(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte(srv.Key)) || bytes.Contains(data, []byte(readOnly)) {
				t.Errorf("%s holds a secret", *item.Name)
			}
		}
	}
	if !strings.Contains(strings.Join(names, " "), "zeebe/zeebe-backup-first/manifest.json") {
		t.Fatalf("stored blobs %q, want the backup's below the prefix zeebe/", names)
	}
}
