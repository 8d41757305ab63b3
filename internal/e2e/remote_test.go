package e2e_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/azblob"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/gcs"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/testserver"
)

// remote is a repository on an object-store server started for the test, reached through the
// environment its cloud's SDK reads (the cluster file names the location only).
type remote struct {
	loc string   // the repository's location
	env []string // the tool's environment: endpoint and credentials, as the SDK reads them
	// smallParts is the environment that makes the tool upload in small parts, so that a
	// backup of a few MiB is many requests.
	smallParts []string
	secrets    []string // must never show in output or in what is stored
	kill       func()   // SIGKILL to the server
	restart    func()   // the server again, same port and data
}

// remoteBackends are the object-store backends the end-to-end tests run against, each on a
// real server on loopback.
var remoteBackends = []struct {
	scheme string
	start  func(t *testing.T) *remote
}{
	{"s3", startMinIO},
	{"azblob", startAzure},
	{"gs", startFakeGCS},
}

// testStores opens the remote repositories in the test, to list and read what the tool stored.
var testStores = storage.NewRegistry(s3.Backend(), azblob.Backend(), gcs.Backend())

// startMinIO is an s3:// repository on MinIO, its endpoint, region and keys from the
// environment only (no shared files, no profile, no instance metadata).
func startMinIO(t *testing.T) *remote {
	srv := testserver.MinIO(t)
	env := withVar(s3Env(t, srv.AccessKey, srv.SecretKey, ""), "AWS_ENDPOINT_URL_S3", srv.Endpoint)
	return &remote{
		loc:        "s3://" + srv.Bucket + "/zeebe",
		env:        withVar(env, "AWS_REGION", srv.Region),
		smallParts: []string{"ZEEBE_BACKUP_S3_PART_SIZE=5MiB"},
		secrets:    []string{srv.SecretKey},
		kill:       srv.Kill,
		restart:    srv.Restart,
	}
}

// startFakeGCS is a gs:// repository on fake-gcs-server (objects on disk, so that they outlive
// a restart), reached through STORAGE_EMULATOR_HOST, without credentials; were Google's
// credential chain asked anyway, its metadata server would be a closed loopback port.
func startFakeGCS(t *testing.T) *remote {
	srv := testserver.FakeGCS(t)
	return &remote{
		loc:        "gs://" + srv.Bucket + "/zeebe",
		env:        append(srv.Env(), "GOOGLE_APPLICATION_CREDENTIALS=", "GCE_METADATA_HOST=127.0.0.1:9"),
		smallParts: []string{"ZEEBE_BACKUP_GCS_CHUNK_SIZE=256KiB"},
		kill:       srv.Kill,
		restart:    srv.Restart,
	}
}

// withVar returns env with name set to value (replacing an entry for name).
func withVar(env []string, name, value string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
	return append(out, name+"="+value)
}

// useRepository points the environment's cluster file at loc, with no repositoryOptions.
func (e *env) useRepository(loc string) {
	e.t.Helper()
	data, err := os.ReadFile(e.clusterFile)
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.Replace(string(data), "repository: "+e.repoDir+"\n", "repository: "+loc+"\n", 1)
	if s == string(data) {
		e.t.Fatalf("the cluster file names no repository %s:\n%s", e.repoDir, data)
	}
	if err := os.WriteFile(e.clusterFile, []byte(s), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// withStore opens the remote repository in the test, with the remote's environment set in
// this process while f runs (the SDKs read it themselves). Not for parallel tests.
func (r *remote) withStore(t *testing.T, f func(ctx context.Context, s storage.Store) error) error {
	t.Helper()
	for _, kv := range r.env {
		name, value, _ := strings.Cut(kv, "=")
		old, had := os.LookupEnv(name)
		os.Setenv(name, value)
		defer func() {
			if had {
				os.Setenv(name, old)
			} else {
				os.Unsetenv(name)
			}
		}()
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s, err := testStores.Open(ctx, r.loc, nil)
	if err != nil {
		return err
	}
	return f(ctx, s)
}

// keys lists every key of the remote repository, or returns the error of the listing.
func (r *remote) keys(t *testing.T) ([]string, error) {
	t.Helper()
	var keys []string
	err := r.withStore(t, func(ctx context.Context, s storage.Store) error {
		infos, err := s.List(ctx, "")
		for _, i := range infos {
			keys = append(keys, i.Key)
		}
		return err
	})
	return keys, err
}

// checkNoSecret fails the test if any of the remote's secrets shows in output or in any
// object the repository holds (archives, indexes, configurations, manifests, the lock).
func (r *remote) checkNoSecret(t *testing.T, output string) {
	t.Helper()
	err := r.withStore(t, func(ctx context.Context, s storage.Store) error {
		infos, err := s.List(ctx, "")
		if err != nil {
			return err
		}
		if len(infos) == 0 {
			return fmt.Errorf("the repository %s is empty", r.loc)
		}
		for _, i := range infos {
			rc, err := s.Get(ctx, i.Key)
			if err != nil {
				return err
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return fmt.Errorf("read %s: %w", i.Key, err)
			}
			for _, secret := range r.secrets {
				if strings.Contains(string(data), secret) {
					t.Errorf("%s in %s holds a secret the tool was given", i.Key, r.loc)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read back %s: %v", r.loc, err)
	}
	for _, secret := range r.secrets {
		if strings.Contains(output, secret) {
			t.Errorf("the tool's output shows a secret it was given:\n%s", output)
		}
	}
}

// Backup, list, verify --deep and restore through each remote repository, configured by the
// environment alone: the restored data equals the backed-up data, every partition is at its
// position, and the credentials show in no output and no stored object.
func TestRemoteBackupThenRestoreGivesTheBackedUpData(t *testing.T) {
	for _, b := range remoteBackends {
		t.Run(b.scheme, func(t *testing.T) {
			e := newEnv(t, simtest.Options{SnapshotPeriod: "500ms"})
			e.startCluster()
			r := b.start(t)
			e.useRepository(r.loc)
			time.Sleep(time.Second)
			output := e.roundTrip(r.env)
			keys, err := r.keys(t)
			if err != nil || !slices.Contains(keys, "zeebe-backup-first/manifest.json") || !slices.Contains(keys, "zeebe-backup-first/zeebe-broker-2-data.tar.zst") {
				t.Fatalf("the keys in %s (%v): %q", r.loc, err, keys)
			}
			r.checkNoSecret(t, output)
		})
	}
}

// The server killed while a backup uploads its archives: the backup fails saying so, every
// broker runs again, nothing is listed. Once the server is back, a later backup succeeds and
// prune removes what the failed one left.
func TestRemoteServerKilledDuringUpload(t *testing.T) {
	for _, b := range remoteBackends {
		t.Run(b.scheme, func(t *testing.T) {
			// 4 MB of incompressible state per snapshot: each archive is several small parts.
			e := newEnv(t, simtest.Options{StateSize: "4MB", SnapshotPeriod: "1s"})
			e.startCluster()
			r := b.start(t)
			e.useRepository(r.loc)
			time.Sleep(1500 * time.Millisecond)
			pids := map[int]int{}
			for _, br := range e.c.Brokers {
				pids[br.NodeID] = pid(br)
			}

			p := e.startTool(append(slices.Clone(r.env), r.smallParts...), "backup", "--id", "killed")
			// Every configuration is stored before its archive: once they are, the archives
			// are being uploaded.
			deadline := time.Now().Add(2 * time.Minute)
			for {
				keys, err := r.keys(t)
				if err != nil {
					t.Fatalf("list %s during the backup: %v", r.loc, err)
				}
				configs := 0
				for _, k := range keys {
					if strings.HasPrefix(k, "zeebe-backup-killed/zeebe-broker-") && strings.HasSuffix(k, "-config.yml") {
						configs++
					}
				}
				if configs == len(e.c.Brokers) {
					break
				}
				select {
				case <-p.done:
					t.Fatalf("the backup ended before its archives were uploaded (exit %d):\n%s", p.cmd.ProcessState.ExitCode(), p.stderr.String())
				case <-time.After(10 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("the backup stored no configuration within 2 minutes; keys %q\n%s", keys, p.stderr.String())
				}
			}
			r.kill()
			code, stdout, stderr := p.wait()
			if code == 0 || !strings.Contains(stderr, "backup aborted") || !strings.Contains(stderr, "archive") {
				t.Fatalf("backup with the server killed: exit %d, want a failure naming the archive that could not be stored\n%s%s", code, stdout, stderr)
			}
			t.Logf("the failed backup said:\n%s", stderr)
			for _, br := range e.c.Brokers {
				e.waitReady(br)
				if pid(br) == pids[br.NodeID] {
					t.Errorf("broker %d was not stopped by the backup (pid %d)", br.NodeID, pid(br))
				}
			}

			r.restart()
			if ms := e.manifestsWith(r.env); len(ms) != 0 {
				t.Fatalf("list after the failed backup: %+v", ms)
			}
			left, err := r.keys(t)
			if err != nil || !slices.ContainsFunc(left, func(k string) bool { return strings.HasPrefix(k, "zeebe-backup-killed/") }) {
				t.Fatalf("the store after the failed backup (%v) holds %q; want its leftovers", err, left)
			}
			// The lock still records the failed operation (it could not be released): a
			// later run is refused, naming recover, which removes what the backup stored.
			code, stdout, stderr = e.startTool(r.env, "backup", "--id", "refused").wait()
			if code == 0 || !strings.Contains(stderr, "run 'zeebe-backup recover'") {
				t.Fatalf("backup while the failed one's lock is left: exit %d, want a refusal naming recover\n%s%s", code, stdout, stderr)
			}
			code, stdout, stderr = e.startTool(r.env, "recover").wait()
			if code != 0 {
				t.Fatalf("recover: exit %d\n%s%s", code, stdout, stderr)
			}
			t.Logf("recover said:\n%s%s", stdout, stderr)
			code, stdout, stderr = e.startTool(r.env, "backup", "--id", "later").wait()
			if code != 0 {
				t.Fatalf("backup after the restart: exit %d\n%s%s", code, stdout, stderr)
			}
			code, stdout, stderr = e.startTool(r.env, "prune", "--confirm", "--incomplete-older-than", "0s").wait()
			if code != 0 {
				t.Fatalf("prune: exit %d\n%s%s", code, stdout, stderr)
			}
			t.Logf("prune said:\n%s%s", stdout, stderr)
			keys, err := r.keys(t)
			if err != nil {
				t.Fatalf("list %s: %v", r.loc, err)
			}
			for _, k := range keys {
				if strings.HasPrefix(k, "zeebe-backup-killed/") {
					t.Errorf("prune left %s; the store holds %q", k, keys)
				}
			}
			if !slices.Contains(keys, "zeebe-backup-later/manifest.json") {
				t.Errorf("the later backup is not in the store: %q", keys)
			}
			if ms := e.manifestsWith(r.env); len(ms) != 1 || ms[0].ID != "later" {
				t.Errorf("list after prune: %+v", ms)
			}
		})
	}
}
