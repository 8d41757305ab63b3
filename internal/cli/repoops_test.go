package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// memPlugins are the registries with a "mem://NAME" backend besides the local one: one
// in-memory store per name, shared by the runs of a test.
func memPlugins() cli.Plugins {
	var mu sync.Mutex
	stores := map[string]*mem.Store{}
	b := storage.Backend{Scheme: "mem", Form: "mem://NAME",
		Parse: func(loc string) (storage.Location, error) {
			return storage.Location{Text: loc, Config: strings.TrimPrefix(loc, "mem://")}, nil
		},
		Open: func(_ context.Context, l storage.Location) (storage.Store, error) {
			mu.Lock()
			defer mu.Unlock()
			name := l.Config.(string)
			if stores[name] == nil {
				stores[name] = mem.New()
			}
			return stores[name], nil
		}}
	return cli.Plugins{Stores: storage.NewRegistry(local.Backend(), b), Hosts: broker.NewRegistry(broker.LocalKind())}
}

func runWith(t *testing.T, p cli.Plugins, stdin string, terminal bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Execute(context.Background(), cli.Streams{In: strings.NewReader(stdin), Out: &out, Err: &errb, InIsTerminal: terminal}, args, p)
	return code, out.String(), errb.String()
}

// storeBackup stores a complete one-broker backup taken at at, its files' digests in its
// manifest, into s.
func storeBackup(t *testing.T, s storage.Store, id string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	r := repo.Open(s)
	b := repo.BrokerRecord{NodeID: 0, Host: "local", DataDir: "/data", Config: repo.ConfigName(0), Archive: "zeebe-broker-0-data.tar.zst", Index: repo.IndexName(0)}
	for name, sum := range map[string]*string{b.Config: &b.ConfigSHA256, b.Archive: &b.ArchiveSHA256, b.Index: &b.IndexSHA256} {
		data := []byte(name + " of backup " + id)
		h := sha256.Sum256(data)
		*sum = hex.EncodeToString(h[:])
		if _, err := r.Put(ctx, id, name, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if name == b.Archive {
			b.ArchiveSize = int64(len(data))
		}
	}
	m := &repo.Manifest{ID: id, ZeebeVersion: "8.5.3", Compression: "zstd", Cluster: repo.ClusterShape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1},
		Times: repo.Times{StopRequested: at, Committed: at.Add(time.Minute)}, Brokers: []repo.BrokerRecord{b}}
	if err := r.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
}

func localStore(t *testing.T, dir string) storage.Store {
	t.Helper()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func listIDs(t *testing.T, p cli.Plugins, loc string) []string {
	t.Helper()
	code, out, stderr := runWith(t, p, "", false, "list", "--json", "--repo", loc)
	if code != cli.ExitOK {
		t.Fatalf("list %s: exit %d: %s", loc, code, stderr)
	}
	var ms []repo.Manifest
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestDeleteCommand(t *testing.T) {
	dir := t.TempDir()
	s := localStore(t, dir)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	storeBackup(t, s, "old", at)
	storeBackup(t, s, "new", at.Add(time.Hour))
	p := plugins()

	code, _, stderr := runWith(t, p, "no\n", true, "delete", "old", "--repo", dir)
	if code != cli.ExitRefused || !strings.Contains(stderr, "delete backup old (taken 2026-11-24T10:00:00Z") || !strings.Contains(stderr, "not confirmed") {
		t.Fatalf("declined delete: exit %d: %s", code, stderr)
	}
	if ids := listIDs(t, p, dir); strings.Join(ids, ",") != "old,new" {
		t.Fatalf("after a declined delete: %v", ids)
	}
	code, out, stderr := runWith(t, p, "yes\n", true, "delete", "old", "--repo", dir)
	if code != cli.ExitOK || !strings.Contains(out, "deleted backup old") {
		t.Fatalf("delete: exit %d: %s %s", code, out, stderr)
	}
	if ids := listIDs(t, p, dir); strings.Join(ids, ",") != "new" {
		t.Fatalf("after delete: %v", ids)
	}
	if _, err := os.Stat(filepath.Join(dir, "zeebe-backup-old")); !os.IsNotExist(err) {
		t.Errorf("the folder of old is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lock.json")); !os.IsNotExist(err) {
		t.Errorf("delete left its lock: %v", err)
	}
	if code, _, stderr := runWith(t, p, "", false, "delete", "old", "--repo", dir); code != cli.ExitUsage || !strings.Contains(stderr, "no such backup") {
		t.Errorf("deleting old again: exit %d: %s", code, stderr)
	}
	if code, _, _ := runWith(t, p, "", false, "delete", "latest", "--repo", dir); code != cli.ExitUsage {
		t.Errorf("delete latest: exit %d; want a usage error", code)
	}
	// An incomplete folder (a delete cut short) is deleted by id too, with --json.
	os.Remove(filepath.Join(dir, "zeebe-backup-new", "manifest.json"))
	code, out, stderr = runWith(t, p, "", false, "delete", "new", "--json", "--repo", dir)
	var d struct {
		ID         string `json:"id"`
		Repository string `json:"repository"`
		Incomplete bool   `json:"incomplete"`
		Objects    int    `json:"objects"`
		Bytes      int64  `json:"bytes"`
	}
	decodeStrict(t, "delete --json", out, &d)
	if code != cli.ExitOK || !d.Incomplete || d.Objects != 3 || d.ID != "new" {
		t.Errorf("delete of an incomplete backup: exit %d %+v %s", code, d, stderr)
	}
}

type pruneDoc struct {
	Repository string `json:"repository"`
	DryRun     bool   `json:"dryRun"`
	Policy     struct {
		KeepLast    int `json:"keepLast"`
		KeepDaily   int `json:"keepDaily"`
		KeepWeekly  int `json:"keepWeekly"`
		KeepMonthly int `json:"keepMonthly"`
	} `json:"policy"`
	IncompleteOlderThan string `json:"incompleteOlderThan"`
	Backups             []struct {
		ID      string     `json:"id"`
		Taken   *time.Time `json:"taken"`
		Keep    bool       `json:"keep"`
		Reasons []string   `json:"reasons"`
	} `json:"backups"`
	Incomplete []struct {
		ID          string    `json:"id"`
		Objects     int       `json:"objects"`
		Bytes       int64     `json:"bytes"`
		LastWritten time.Time `json:"lastWritten"`
		Remove      bool      `json:"remove"`
		Reason      string    `json:"reason"`
	} `json:"incomplete"`
	Removed struct {
		Backups    []string `json:"backups"`
		Incomplete []string `json:"incomplete"`
	} `json:"removed"`
}

func TestPruneDryRunThenConfirm(t *testing.T) {
	dir := t.TempDir()
	s := localStore(t, dir)
	day := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	storeBackup(t, s, "d1a", day.Add(-48*time.Hour))
	storeBackup(t, s, "d2a", day.Add(-24*time.Hour))
	storeBackup(t, s, "d2b", day.Add(-23*time.Hour))
	storeBackup(t, s, "d3a", day)
	// Two incomplete folders: one left two days ago, one being written now.
	for _, id := range []string{"stale", "fresh"} {
		if _, err := s.Put(context.Background(), repo.Key(id, "zeebe-broker-0-data.tar.zst"), strings.NewReader("part")); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(filepath.Join(dir, "zeebe-backup-stale", "zeebe-broker-0-data.tar.zst"), old, old)
	p := plugins()

	code, out, stderr := runWith(t, p, "", false, "prune", "--keep-daily", "2", "--json", "--repo", dir)
	var dry pruneDoc
	decodeStrict(t, "prune --json", out, &dry)
	if code != cli.ExitOK || !dry.DryRun || dry.Policy.KeepDaily != 2 || dry.IncompleteOlderThan != "24h0m0s" {
		t.Fatalf("dry run: exit %d %+v %s", code, dry, stderr)
	}
	keep := map[string]bool{}
	for _, b := range dry.Backups {
		keep[b.ID] = b.Keep
		if len(b.Reasons) == 0 {
			t.Errorf("%s has no reason", b.ID)
		}
	}
	want := map[string]bool{"d3a": true, "d2b": true, "d2a": false, "d1a": false}
	for id, k := range want {
		if keep[id] != k {
			t.Errorf("dry run: keep %s = %v, want %v (%+v)", id, keep[id], k, dry.Backups)
		}
	}
	if len(dry.Incomplete) != 2 || dry.Incomplete[0].ID != "fresh" || dry.Incomplete[0].Remove || dry.Incomplete[1].ID != "stale" || !dry.Incomplete[1].Remove {
		t.Errorf("incomplete decisions %+v; want fresh kept, stale removed", dry.Incomplete)
	}
	if len(dry.Removed.Backups)+len(dry.Removed.Incomplete) != 0 {
		t.Errorf("a dry run says it removed %+v", dry.Removed)
	}
	if ids := listIDs(t, p, dir); strings.Join(ids, ",") != "d1a,d2a,d2b,d3a" {
		t.Fatalf("a dry run removed backups: %v", ids)
	}
	if _, err := os.Stat(filepath.Join(dir, "zeebe-backup-stale")); err != nil {
		t.Fatalf("a dry run removed the stale folder: %v", err)
	}
	// The text form says what would go and why each stays.
	code, out, _ = runWith(t, p, "", false, "prune", "--keep-daily", "2", "--repo", dir)
	if code != cli.ExitOK || !strings.Contains(out, "dry run") || !strings.Contains(out, "--keep-daily: the newest of 2026-11-23") || !strings.Contains(out, "would remove 2 backups and 1 incomplete folders") {
		t.Errorf("dry run text:\n%s", out)
	}

	code, out, stderr = runWith(t, p, "", false, "prune", "--keep-daily", "2", "--confirm", "--json", "--repo", dir)
	var done pruneDoc
	decodeStrict(t, "prune --confirm --json", out, &done)
	if code != cli.ExitOK || done.DryRun || strings.Join(done.Removed.Backups, ",") != "d2a,d1a" || strings.Join(done.Removed.Incomplete, ",") != "stale" {
		t.Fatalf("confirm: exit %d removed %+v %s", code, done.Removed, stderr)
	}
	if ids := listIDs(t, p, dir); strings.Join(ids, ",") != "d2b,d3a" {
		t.Errorf("after prune --confirm: %v", ids)
	}
	for folder, there := range map[string]bool{"zeebe-backup-stale": false, "zeebe-backup-fresh": true, "zeebe-backup-d1a": false, "lock.json": false} {
		if _, err := os.Stat(filepath.Join(dir, folder)); (err == nil) != there {
			t.Errorf("%s exists: %v, want %v", folder, err == nil, there)
		}
	}
	// The newest complete backup (committed last) is never removed, whatever the rules: d0 was
	// taken before all others but committed last.
	storeBackup(t, s, "d0", day.Add(-72*time.Hour))
	r := repo.Open(s)
	m, err := r.Manifest(context.Background(), "d0")
	if err != nil {
		t.Fatal(err)
	}
	m.Times.Committed = day.Add(time.Hour)
	if err := r.Commit(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runWith(t, p, "", false, "prune", "--keep-last", "1", "--confirm", "--repo", dir)
	if ids := listIDs(t, p, dir); code != cli.ExitOK || strings.Join(ids, ",") != "d0,d3a" || !strings.Contains(out, "the newest complete backup") {
		t.Errorf("prune --keep-last 1: exit %d, left %v; want d0 (the newest complete) and d3a (the last taken):\n%s", code, ids, out)
	}
}

func TestCopyBetweenRepositories(t *testing.T) {
	p := memPlugins()
	src, dst := t.TempDir(), t.TempDir()
	storeBackup(t, localStore(t, src), "b1", time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))

	code, out, stderr := runWith(t, p, "", false, "copy", "b1", "--repo", src, "--to", dst)
	if code != cli.ExitOK || !strings.Contains(out, "copied backup b1") || !strings.Contains(out, "verified") {
		t.Fatalf("copy local→local: exit %d: %s %s", code, out, stderr)
	}
	for _, name := range []string{"manifest.json", "zeebe-broker-0-data.tar.zst", "zeebe-broker-0-index.json", "zeebe-broker-0-config.yml"} {
		a, _ := os.ReadFile(filepath.Join(src, "zeebe-backup-b1", name))
		b, err := os.ReadFile(filepath.Join(dst, "zeebe-backup-b1", name))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s at the destination: %v, equal %v", name, err, bytes.Equal(a, b))
		}
	}
	if code, _, stderr := runWith(t, p, "", false, "copy", "b1", "--repo", src, "--to", dst); code != cli.ExitUsage || !strings.Contains(stderr, "already holds files of backup b1") {
		t.Errorf("copy onto an existing id: exit %d: %s", code, stderr)
	}

	// local → mem → mem, with --json.
	if code, _, stderr := runWith(t, p, "", false, "copy", "latest", "--repo", src, "--to", "mem://a"); code != cli.ExitOK {
		t.Fatalf("copy local→mem: exit %d: %s", code, stderr)
	}
	code, out, stderr = runWith(t, p, "", false, "copy", "b1", "--repo", "mem://a", "--to", "mem://b", "--json")
	var c struct {
		ID      string `json:"id"`
		From    string `json:"from"`
		To      string `json:"to"`
		Objects int    `json:"objects"`
		Bytes   int64  `json:"bytes"`
	}
	decodeStrict(t, "copy --json", out, &c)
	if code != cli.ExitOK || c.Objects != 4 || c.ID != "b1" || c.From == "" || c.To == "" {
		t.Fatalf("copy mem→mem: exit %d %+v %s", code, c, stderr)
	}
	if ids := listIDs(t, p, "mem://b"); strings.Join(ids, ",") != "b1" {
		t.Errorf("mem://b lists %v", ids)
	}

	// A damaged source is not copied, and nothing is left at the destination.
	os.WriteFile(filepath.Join(src, "zeebe-backup-b1", "zeebe-broker-0-data.tar.zst"), []byte("tampered"), 0o600)
	code, _, stderr = runWith(t, p, "", false, "copy", "b1", "--repo", src, "--to", "mem://c")
	if code == cli.ExitOK || !strings.Contains(stderr, "the backup is damaged") {
		t.Errorf("copy of a damaged backup: exit %d: %s", code, stderr)
	}
	if ids := listIDs(t, p, "mem://c"); len(ids) != 0 {
		t.Errorf("a failed copy left %v", ids)
	}
	if code, _, _ := runWith(t, p, "", false, "delete", "b1", "--repo", "mem://c"); code != cli.ExitUsage {
		t.Errorf("a failed copy left files in mem://c (delete found something: exit %d)", code)
	}
}

// --retry-lock waits for a lock another run holds and goes on once it is released; without it
// the command fails at once, saying who holds the lock and how to wait.
func TestRetryLockWaitsForARelease(t *testing.T) {
	dir := t.TempDir()
	s := localStore(t, dir)
	storeBackup(t, s, "x", time.Now())
	storeBackup(t, s, "y", time.Now().Add(time.Minute))
	lock, _ := json.Marshal(repo.Lock{FormatVersion: 1, Holder: repo.Holder{Host: "other-host", PID: 4242, Command: "zeebe-backup backup", Since: time.Now()}})
	if err := os.WriteFile(filepath.Join(dir, "lock.json"), lock, 0o600); err != nil {
		t.Fatal(err)
	}
	p := plugins()
	start := time.Now()
	code, _, stderr := runWith(t, p, "", false, "delete", "x", "--repo", dir)
	if code != cli.ExitLocked || !strings.Contains(stderr, "may still run on other-host") || !strings.Contains(stderr, "--retry-lock") || time.Since(start) > 2*time.Second {
		t.Fatalf("delete of a locked repository without --retry-lock: exit %d after %s: %s", code, time.Since(start), stderr)
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		os.Remove(filepath.Join(dir, "lock.json"))
	}()
	start = time.Now()
	code, out, stderr := runWith(t, p, "", false, "delete", "x", "--retry-lock", "30s", "--repo", dir)
	if code != cli.ExitOK || !strings.Contains(out, "deleted backup x") {
		t.Fatalf("delete --retry-lock: exit %d: %s %s", code, out, stderr)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("deleted after %s, before the lock was released", d)
	}
	if !strings.Contains(stderr, "waiting for the lock of "+dir+", held by 'zeebe-backup backup' (pid 4242") {
		t.Errorf("no progress line while waiting: %s", stderr)
	}
	// A wait that runs out fails as locked, saying it waited.
	os.WriteFile(filepath.Join(dir, "lock.json"), lock, 0o600)
	code, _, stderr = runWith(t, p, "", false, "prune", "--confirm", "--retry-lock", "1s", "--repo", dir)
	if code != cli.ExitLocked || !strings.Contains(stderr, "waited") {
		t.Errorf("prune --retry-lock 1s on a lock never released: exit %d: %s", code, stderr)
	}
}
