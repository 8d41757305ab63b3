package repo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// update rewrites the golden files of the current formats:
// go test ./internal/repo -run TestGolden -update. A golden file that changes is a changed
// stored format: read format.go on when its version must change.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)

// goldenManifest is a manifest with every field set.
func goldenManifest() *repo.Manifest {
	offset := int64(4096)
	return &repo.Manifest{
		FormatVersion: repo.ManifestFormat, ToolVersion: "v1.4.0", ID: "20261124T103000Z",
		ZeebeVersion: "8.5.3", VersionSource: "gateway", DataVersion: "8.5.4",
		Cluster: repo.ClusterShape{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 2, ClusterName: "zeebe-prod",
			Members:     []repo.ShapeMember{{NodeID: 0, Partitions: []int{1, 3}}, {NodeID: 1, Partitions: []int{1, 2}}, {NodeID: 2, Partitions: []int{2, 3}}},
			MembersFrom: repo.MembersFromTopology},
		Compression: "zstd",
		Times: repo.Times{StopRequested: t0, AllDown: t0.Add(4 * time.Second), DataCaptured: t0.Add(20 * time.Second),
			Started: t0.Add(21 * time.Second), Ready: t0.Add(40*time.Second + 123*time.Millisecond), Committed: t0.Add(41 * time.Second)},
		DowntimeMillis: 40123,
		Brokers: []repo.BrokerRecord{{
			NodeID: 1, Host: "local", DataDir: "/usr/local/zeebe/data",
			Config: "zeebe-broker-1-config.yml", ConfigPath: "/usr/local/zeebe/config/application.yaml",
			ConfigSHA256: strings.Repeat("a1", 32),
			Archive:      "zeebe-broker-1-data.tar.zst", ArchiveSize: 1048576, ArchiveSHA256: strings.Repeat("b2", 32),
			Index: "zeebe-broker-1-index.json", IndexSHA256: strings.Repeat("c3", 32),
			Files: 42, Dirs: 7, Symlinks: 1, HardLinks: 2, Bytes: 4194304,
			DataVersion: "8.5.3", MigratedBy: "8.5.4", Partitions: []int{1, 2},
			Effective: []repo.Setting{
				{Name: "zeebe.broker.cluster.nodeId", Value: "1", Source: "environment variable ZEEBE_BROKER_CLUSTER_NODEID"},
				{Name: "management.server.port", Value: "9600", Source: "default"},
			},
			EffectiveFrom: "the configuration file with the environment of process 4242, which holds /usr/local/zeebe/data",
		}},
		Topology: &repo.Topology{ClusterSize: 3, PartitionsCount: 3, ReplicationFactor: 2, GatewayVersion: "8.5.3",
			Brokers: []repo.TopologyNode{{NodeID: 1, Address: "127.0.0.1:26511", Version: "8.5.3",
				Partitions: []repo.TopologyPlace{{PartitionID: 1, Role: "LEADER", Health: "HEALTHY"}, {PartitionID: 2, Role: "FOLLOWER", Health: "HEALTHY"}}}}},
		Problems: []string{"broker 2 was not ready within 5m0s"},
		Findings: []repo.Finding{{Severity: "warning", Check: "journal.flushed", Broker: 1, Partition: 2,
			File: "raft-partition/partitions/2/raft-partition-partition-2-1.log", Offset: &offset,
			Message: "the journal ends after its flushed index: Zeebe truncates the unflushed tail"}},
	}
}

// goldenIndex is an index with every field set by some entry.
func goldenIndex() *repo.Index {
	mt := t0.Add(-time.Hour + 123456789)
	return &repo.Index{FormatVersion: repo.IndexFormat, Entries: []repo.IndexEntry{
		{Path: ".", Type: "dir", Mode: 0o750, ModTime: mt, UID: 1000, GID: 1000},
		{Path: "raft-partition", Type: "dir", Mode: 0o3775, ModTime: mt, UID: 1000, GID: 1000},
		{Path: "raft-partition/a.log", Type: "file", Mode: 0o4644, ModTime: mt, UID: 1000, GID: 1000, Size: 3, XXH64: "0123456789abcdef"},
		{Path: "raft-partition/b.log", Type: "hardlink", Mode: 0o644, ModTime: mt, UID: 1000, GID: 1000, Size: 3, Link: "raft-partition/a.log", XXH64: "0123456789abcdef"},
		{Path: "current", Type: "symlink", Mode: 0o777, ModTime: mt, UID: 1000, GID: 1000, Link: "raft-partition"},
	}}
}

// goldenLock is a lock with every field set.
func goldenLock() repo.Lock {
	return repo.Lock{FormatVersion: repo.LockFormat,
		Holder: repo.Holder{Host: "backup-host", PID: 4242, User: "zeebe", Command: "zeebe-backup restore 20261124T103000Z --discard-previous", Since: t0},
		Operation: &repo.Operation{Kind: "restore", ID: "20261124T103000Z", Cluster: "/etc/zeebe-backup.yaml", Started: t0.Add(time.Second),
			Brokers: []repo.OpBroker{{NodeID: 1, Host: "local", DataDir: "/usr/local/zeebe/data", ConfigPath: "/usr/local/zeebe/config/application.yaml",
				Stopped: true, Staging: "/usr/local/zeebe/data/.zeebe-backup-restore-20261124T103000Z",
				Previous:       "/usr/local/zeebe/data/.zeebe-backup-previous-20261124T103000Z",
				PreviousConfig: "/usr/local/zeebe/config/application.yaml.pre-restore-20261124T103000Z",
				Swapped:        true, ConfigInstalled: true, InFolder: true, MovedOut: true,
				Command: &repo.OpCommand{What: "start", PGID: 4300, Start: 123456}}},
			Folder: "zeebe-backup-20261124T103000Z", Committed: true, DiscardPrevious: true}}
}

// unset lists the fields of v that hold their zero value, by path; a field of a slice's
// elements counts as set when any element sets it.
func unset(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return unset(v.Elem(), path)
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		missing := unset(v.Index(0), path+"[]")
		for i := 1; i < v.Len(); i++ {
			in := unset(v.Index(i), path+"[]")
			missing = slices.DeleteFunc(missing, func(p string) bool { return !slices.Contains(in, p) })
		}
		return missing
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			if v.Interface().(time.Time).IsZero() {
				return []string{path}
			}
			return nil
		}
		var out []string
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, unset(v.Field(i), path+"."+f.Name)...)
			}
		}
		return out
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

// golden compares got with testdata/name, or writes it there with -update.
func golden(t *testing.T, name string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (a new format version needs its golden file: run with -update, and move the replaced one to testdata/earlier)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the stored form differs from %s: a stored type changed. If that is intended, decide whether its format version must change (format.go), then run with -update.\n--- want\n%s\n--- got\n%s", path, want, got)
	}
	return want
}

// stored reads what the store holds at key.
func stored(t *testing.T, r *repo.Repo, key string) []byte {
	t.Helper()
	rc, err := r.Store().Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantAllSet(t *testing.T, what string, v any) {
	t.Helper()
	if missing := unset(reflect.ValueOf(v), what); len(missing) > 0 {
		t.Fatalf("the golden %s leaves %v unset: set every field, so that the golden file shows it", what, missing)
	}
}

// The manifest as Commit stores it is the golden file byte for byte, and the golden file
// reads back to the same manifest.
func TestGoldenManifest(t *testing.T) {
	ctx := context.Background()
	m := goldenManifest()
	wantAllSet(t, "Manifest", m)
	r := repo.Open(mem.New())
	if err := r.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	want := golden(t, fmt.Sprintf("manifest-v%d.golden.json", repo.ManifestFormat), stored(t, r, repo.Key(m.ID, "manifest.json")))
	back, err := fuzzRepo(t, repo.Key(m.ID, "manifest.json"), want).Manifest(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, goldenManifest()) {
		t.Errorf("the golden manifest reads back as\n%+v\nwant\n%+v", back, goldenManifest())
	}
}

// The index as PutIndex stores it is the golden file byte for byte, with the digest of what
// was stored, and the golden file reads back to the same index.
func TestGoldenIndex(t *testing.T) {
	ctx := context.Background()
	x := goldenIndex()
	wantAllSet(t, "Index", x)
	r := repo.Open(mem.New())
	sum, err := r.PutIndex(ctx, "b1", 0, x)
	if err != nil {
		t.Fatal(err)
	}
	got := stored(t, r, repo.Key("b1", repo.IndexName(0)))
	if want := fmt.Sprintf("%x", sha256.Sum256(got)); sum != want {
		t.Errorf("PutIndex returned digest %s, the stored index has %s", sum, want)
	}
	want := golden(t, fmt.Sprintf("index-v%d.golden.json", repo.IndexFormat), got)
	back, err := fuzzRepo(t, repo.Key("b1", repo.IndexName(0)), want).Index(ctx, "b1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, goldenIndex()) {
		t.Errorf("the golden index reads back as\n%+v\nwant\n%+v", back, goldenIndex())
	}
}

// The lock as Acquire and Update store it is the golden file byte for byte, and the golden
// file reads back to the same lock.
func TestGoldenLock(t *testing.T) {
	ctx := context.Background()
	l := goldenLock()
	wantAllSet(t, "Lock", l)
	r := repo.Open(mem.New())
	if err := r.Acquire(ctx, l); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("lock-v%d.golden.json", repo.LockFormat)
	want := golden(t, name, stored(t, r, "lock.json"))
	if err := r.Update(ctx, l); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, r, "lock.json"); !bytes.Equal(got, want) {
		t.Errorf("Update stores the lock otherwise than Acquire:\n%s", got)
	}
	back, err := fuzzRepo(t, "lock.json", want).ReadLock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l := goldenLock(); !reflect.DeepEqual(back, &l) {
		t.Errorf("the golden lock reads back as\n%+v\nwant\n%+v", back, &l)
	}
}

// earlier reads every file of testdata/earlier for what, and its JSON as a generic value.
func earlier(t *testing.T, what string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "earlier", what+"-v*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no earlier %s in testdata/earlier (%v)", what, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// keeps fails unless every value of the earlier file is in what was read, under the same
// name: the reader lost or misread nothing (what later versions add may be there too).
func keeps(t *testing.T, name string, file []byte, read any) {
	t.Helper()
	var want, got any
	if err := json.Unmarshal(file, &want); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(read)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if path := lost(want, got, ""); path != "" {
		t.Errorf("%s: %s is lost or changed when read:\nfile %s\nread %s", name, path, file, b)
	}
}

// lost is the first path of want that got does not hold with the same value, or "".
func lost(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path
		}
		for k, v := range w {
			if p := lost(v, g[k], path+"."+k); p != "" {
				return p
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path
		}
		for i := range w {
			if p := lost(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return path
	}
	return ""
}

// Every manifest shape an earlier commit wrote reads, keeps its format version (show prints
// it as stored) and loses nothing.
func TestEarlierManifestsRead(t *testing.T) {
	for name, b := range earlier(t, "manifest") {
		m, err := fuzzRepo(t, repo.Key("b1", "manifest.json"), b).Manifest(context.Background(), "b1")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if m.FormatVersion != 1 {
			t.Errorf("%s reads as format %d, want 1 as stored", name, m.FormatVersion)
		}
		keeps(t, name, b, m)
	}
}

// Every lock shape an earlier commit wrote reads as format 1 and loses nothing.
func TestEarlierLocksRead(t *testing.T) {
	for name, b := range earlier(t, "lock") {
		l, err := fuzzRepo(t, "lock.json", b).ReadLock(context.Background())
		if err != nil || l == nil {
			t.Errorf("%s: %+v, %v", name, l, err)
			continue
		}
		if l.FormatVersion != 1 || l.Operation == nil || len(l.Operation.Brokers) != 2 {
			t.Errorf("%s reads as %+v; want format 1 with its operation", name, l)
		}
		keeps(t, name, b, l)
	}
}

// The format 1 index (a bare array, modes in Go's fs.FileMode bits) reads converted: Unix
// modes, every other field as written.
func TestEarlierIndexReads(t *testing.T) {
	mt := time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC)
	want := &repo.Index{FormatVersion: 1, Entries: []repo.IndexEntry{
		{Path: ".", Type: "dir", Mode: 0o750, ModTime: mt, UID: 1000, GID: 1000},
		{Path: "raft-partition", Type: "dir", Mode: 0o3775, ModTime: mt, UID: 1000, GID: 1000},
		{Path: "raft-partition/a.log", Type: "file", Mode: 0o4644, ModTime: mt, UID: 1000, GID: 1000, Size: 3, XXH64: "0123456789abcdef"},
		{Path: "raft-partition/b.log", Type: "hardlink", Mode: 0o644, ModTime: mt, UID: 1000, GID: 1000, Size: 3, Link: "raft-partition/a.log", XXH64: "0123456789abcdef"},
		{Path: "current", Type: "symlink", Mode: 0o777, ModTime: mt, UID: 1000, GID: 1000, Link: "raft-partition"},
	}}
	files := earlier(t, "index")
	if len(files) != 1 {
		t.Fatalf("%d earlier indexes; this test knows the one of format 1", len(files))
	}
	for name, b := range files {
		x, err := fuzzRepo(t, repo.Key("b1", repo.IndexName(0)), b).Index(context.Background(), "b1", 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(x, want) {
			t.Errorf("%s reads as\n%+v\nwant\n%+v", name, x, want)
		}
	}
}

// A file of a newer format is refused, naming the file, its version and the newest this build
// reads; a lock of a newer format still holds the repository.
func TestNewerFormatsAreRefused(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, err error, file string, version, newest int) {
		t.Helper()
		var fe *repo.FormatError
		if !errors.As(err, &fe) || !errors.Is(err, repo.ErrNewerFormat) {
			t.Fatalf("err = %v; want a *FormatError", err)
		}
		for _, part := range []string{file, fmt.Sprintf("format version %d", version), fmt.Sprintf("up to %d", newest), "upgrade zeebe-backup"} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("the message does not say %q: %v", part, err)
			}
		}
	}
	t.Run("manifest", func(t *testing.T) {
		// A newer format may change any field: the version is looked at first.
		r := fuzzRepo(t, repo.Key("b1", "manifest.json"), fmt.Appendf(nil, `{"formatVersion": %d, "id": "b1", "brokers": "changed"}`, repo.ManifestFormat+1))
		_, err := r.Manifest(ctx, "b1")
		check(t, err, "zeebe-backup-b1/manifest.json", repo.ManifestFormat+1, repo.ManifestFormat)
		list, lerr := r.List(ctx)
		if lerr != nil || len(list) != 1 || !errors.Is(list[0].Err, repo.ErrNewerFormat) {
			t.Errorf("List = %+v, %v; want the backup listed with the format error", list, lerr)
		}
	})
	t.Run("index", func(t *testing.T) {
		r := fuzzRepo(t, repo.Key("b1", repo.IndexName(2)), fmt.Appendf(nil, `{"formatVersion": %d, "entries": {"changed": true}}`, repo.IndexFormat+1))
		_, err := r.Index(ctx, "b1", 2)
		check(t, err, "zeebe-backup-b1/zeebe-broker-2-index.json", repo.IndexFormat+1, repo.IndexFormat)
	})
	t.Run("lock", func(t *testing.T) {
		r := fuzzRepo(t, "lock.json", fmt.Appendf(nil, `{"formatVersion": %d, "holder": "changed"}`, repo.LockFormat+1))
		_, err := r.ReadLock(ctx)
		check(t, err, "lock.json", repo.LockFormat+1, repo.LockFormat)
		if !errors.Is(err, repo.ErrLocked) {
			t.Errorf("a newer lock does not hold the repository: %v", err)
		}
		err = r.Acquire(ctx, repo.Lock{Holder: repo.Holder{Command: "test"}})
		check(t, err, "lock.json", repo.LockFormat+1, repo.LockFormat)
		if !errors.Is(err, repo.ErrLocked) || r.CheckUnlocked(ctx) == nil {
			t.Errorf("a newer lock was taken over: %v", err)
		}
	})
}

// Forms no zeebe-backup wrote are refused, never read as an earlier version: a manifest
// without formatVersion (every manifest has had one), an index object saying format 1 (format
// 1 is an array).
func TestFormsNeverWrittenAreRefused(t *testing.T) {
	ctx := context.Background()
	_, err := fuzzRepo(t, repo.Key("b1", "manifest.json"), []byte(`{"id": "b1"}`)).Manifest(ctx, "b1")
	if err == nil || errors.Is(err, repo.ErrNewerFormat) || !strings.Contains(err.Error(), "zeebe-backup-b1/manifest.json") || !strings.Contains(err.Error(), "zeebe-backup did not write this manifest") {
		t.Errorf("a manifest without formatVersion: %v", err)
	}
	_, err = fuzzRepo(t, repo.Key("b1", repo.IndexName(0)), []byte(`{"formatVersion": 1, "entries": []}`)).Index(ctx, "b1", 0)
	if err == nil || !strings.Contains(err.Error(), "zeebe-backup did not write this index") {
		t.Errorf("an index object of format 1: %v", err)
	}
	l, err := fuzzRepo(t, "lock.json", []byte(`{"formatVersion": -1, "holder": {}}`)).ReadLock(ctx)
	if !errors.Is(err, repo.ErrLocked) {
		t.Errorf("a lock of format -1: %+v, %v; want it to hold the repository, unread", l, err)
	}
}

// NewIndex and ArchiveEntries convert every field, the mode bits between Go's and Unix's
// places, and the entry types keep the names the format documents.
func TestIndexConversion(t *testing.T) {
	mt := t0.Add(123)
	entries := []archive.Entry{
		{Path: ".", Type: archive.TypeDir, Mode: 0o755 | fs.ModeSetgid | fs.ModeSticky, ModTime: mt, UID: 1, GID: 2},
		{Path: "a", Type: archive.TypeFile, Mode: 0o600 | fs.ModeSetuid, ModTime: mt, UID: 3, GID: 4, Size: 5, XXH64: "0123456789abcdef"},
		{Path: "b", Type: archive.TypeHardLink, Mode: 0o600, ModTime: mt, Size: 5, Link: "a", XXH64: "0123456789abcdef"},
		{Path: "l", Type: archive.TypeSymlink, Mode: 0o777, ModTime: mt, Link: "a"},
	}
	x := repo.NewIndex(entries)
	if x.FormatVersion != repo.IndexFormat {
		t.Errorf("NewIndex writes format %d", x.FormatVersion)
	}
	var types []string
	var modes []uint32
	for _, e := range x.Entries {
		types, modes = append(types, e.Type), append(modes, e.Mode)
	}
	if want := []string{"dir", "file", "hardlink", "symlink"}; !slices.Equal(types, want) {
		t.Errorf("types %v, want %v", types, want)
	}
	if want := []uint32{0o3755, 0o4600, 0o600, 0o777}; !slices.Equal(modes, want) {
		t.Errorf("modes %o, want %o", modes, want)
	}
	if back := x.ArchiveEntries(); !reflect.DeepEqual(back, entries) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back, entries)
	}
}

// A stored file that is not an object, or whose formatVersion is not a whole number, is
// refused in words, and a lock of that kind still holds the repository.
func TestFilesOfAnotherShapeAreRefused(t *testing.T) {
	ctx := context.Background()
	_, err := fuzzRepo(t, repo.Key("b1", "manifest.json"), []byte(`[1, 2]`)).Manifest(ctx, "b1")
	if err == nil || err.Error() != "zeebe-backup-b1/manifest.json: the manifest is a JSON array, not an object: zeebe-backup did not write it" {
		t.Errorf("a manifest that is an array: %v", err)
	}
	_, err = fuzzRepo(t, repo.Key("b1", repo.IndexName(0)), []byte(`{"formatVersion": "2"}`)).Index(ctx, "b1", 0)
	if err == nil || err.Error() != "zeebe-backup-b1/zeebe-broker-0-index.json: its formatVersion is a JSON string, not a whole number: zeebe-backup did not write this index" {
		t.Errorf("an index whose version is a string: %v", err)
	}
	_, err = fuzzRepo(t, "lock.json", []byte(`{"formatVersion": 1.5}`)).ReadLock(ctx)
	if !errors.Is(err, repo.ErrLocked) || !strings.Contains(err.Error(), "not a lock this tool wrote") || !strings.Contains(err.Error(), "its formatVersion is a JSON number 1.5") {
		t.Errorf("a lock whose version is 1.5: %v", err)
	}
}
