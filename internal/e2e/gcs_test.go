package e2e_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// useGCS points the environment's cluster file at gs://bucket/zeebe, with the chunk size as a
// repository option.
func (e *env) useGCS(bucket string) string {
	e.t.Helper()
	loc := fmt.Sprintf("gs://%s/zeebe", bucket)
	data, err := os.ReadFile(e.clusterFile)
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.Replace(string(data), "repository: "+e.repoDir+"\n", "repository: "+loc+"\nrepositoryOptions: {chunkSize: 1MiB}\n", 1)
	if err := os.WriteFile(e.clusterFile, []byte(s), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return loc
}

// A backup into a GCS repository whose bucket is missing fails in its pre-flight, naming the
// bucket, before any broker is stopped. Into the server's bucket it is stored, listed and
// verified.
func TestGCSPreflightAndBackup(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	srv := testserver.FakeGCSInMemory(t)
	env := append(srv.Env(), "GOOGLE_APPLICATION_CREDENTIALS=", "GCE_METADATA_HOST=127.0.0.1:9")
	pids := map[int]int{}
	for _, b := range e.c.Brokers {
		pids[b.NodeID] = pid(b)
	}
	e.useGCS("no-such-bucket")
	code, _, stderr := e.startTool(env, "backup", "--id", "refused").wait()
	if want := "bucket no-such-bucket does not exist at the emulator at " + srv.EmulatorHost; code != cli.ExitRefused ||
		!strings.Contains(stderr, "pre-flight check failed, no broker was touched") || !strings.Contains(stderr, want) {
		t.Errorf("backup to a missing bucket: exit %d, stderr:\n%s\nwant exit %d, the pre-flight's refusal saying %q", code, stderr, cli.ExitRefused, want)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) || pid(b) != pids[b.NodeID] {
			t.Fatalf("broker %d was touched by a refused backup", b.NodeID)
		}
	}

	e.writeClusterFile(e.clusterFile, nil)
	loc := e.useGCS(srv.Bucket)
	if code, _, stderr := e.startTool(env, "backup", "--id", "first").wait(); code != 0 {
		t.Fatalf("backup to %s: exit %d\n%s", loc, code, stderr)
	}
	code, stdout, stderr := e.startTool(env, "list").wait()
	if code != 0 || !strings.Contains(stdout, "first") || strings.Contains(stdout, "refused") {
		t.Fatalf("list of %s: exit %d\n%s%s", loc, code, stdout, stderr)
	}
	if code, stdout, stderr := e.startTool(env, "verify", "first", "--deep").wait(); code != 0 {
		t.Fatalf("verify --deep of the backup in %s: exit %d\n%s%s", loc, code, stdout, stderr)
	}
}
