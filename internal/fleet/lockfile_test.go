package fleet

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// update rewrites the golden file of the current cluster lock format:
// go test ./internal/fleet -run TestGoldenClusterLock -update. A golden file that changes is a
// changed stored format: read ClusterLockFormat's doc on when its version must change.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenClusterLock is a cluster lock with every field set.
func goldenClusterLock() ClusterLock {
	return ClusterLock{
		Holder: repo.Holder{Host: "backup-host", PID: 4242, User: "zeebe", Command: "zeebe-backup backup --id 20261124T103000Z",
			Since: time.Date(2026, 11, 24, 10, 30, 0, 123456789, time.UTC)},
		Repository: "/var/backups/zeebe",
		Operation:  "backup 20261124T103000Z",
	}
}

// oneBrokerFleet is a fleet of one broker on this machine, whose data folder is in the test's
// folder.
func oneBrokerFleet(t *testing.T) (*Fleet, string) {
	data := filepath.Join(t.TempDir(), "data")
	return &Fleet{Members: []*Member{{Broker: cluster.Broker{NodeID: 0}, Host: broker.Local{}, DataDir: data}}}, LockPath(data)
}

// The lock file as Lock writes it is the golden file byte for byte, every field set, and it
// reads back to the same lock.
func TestGoldenClusterLock(t *testing.T) {
	want := goldenClusterLock()
	for _, f := range reflect.VisibleFields(reflect.TypeFor[ClusterLock]()) {
		if reflect.ValueOf(want).FieldByIndex(f.Index).IsZero() {
			t.Fatalf("the golden lock leaves %s unset: set every field, so that the golden file shows it", f.Name)
		}
	}
	f, path := oneBrokerFleet(t)
	ctx := context.Background()
	if err := f.Lock(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join("testdata", "cluster-lock-v1.golden.json")
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (a new format version needs its golden file: run with -update, and move the replaced one to testdata/earlier)", err)
	}
	if string(got) != string(golden) {
		t.Errorf("the lock file as written differs from %s: the stored format changed\n--- written\n%s--- golden\n%s", name, got, golden)
	}
	if !strings.Contains(string(golden), `"formatVersion": 1`) {
		t.Errorf("the golden lock does not say its format:\n%s", golden)
	}
	back, err := ReadLock(ctx, f.Members[0])
	if err != nil || !reflect.DeepEqual(*back, want) {
		t.Errorf("the lock reads back as %+v, %v; want %+v", back, err, want)
	}
}

// Every earlier shape reads, each value where it was: a lock file written before the format
// had a version is format 1.
func TestEarlierClusterLocksRead(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "earlier", "cluster-lock-v*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no earlier cluster lock in testdata/earlier (%v)", err)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		l, err := parseClusterLock(p, raw)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		want := ClusterLock{
			Holder: repo.Holder{Host: "backup-host", PID: 4242, User: "zeebe", Command: "zeebe-backup backup --id 20261124T103000Z",
				Since: time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)},
			Repository: "/var/backups/zeebe",
			Operation:  "backup 20261124T103000Z",
		}
		if !reflect.DeepEqual(*l, want) {
			t.Errorf("%s reads as %+v, want %+v", p, *l, want)
		}
	}
}

// A lock file of a newer format is refused naming the file, its version and the newest this
// build reads; the broker stays locked, and the message says to upgrade instead of to remove
// the file. A file that is no lock of ours is refused in words.
func TestClusterLockOfAnotherFormat(t *testing.T) {
	f, path := oneBrokerFleet(t)
	if err := os.WriteFile(path, []byte(`{"formatVersion": 2, "holder": {"pid": "not a number any more"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadLock(context.Background(), f.Members[0])
	var fe *repo.FormatError
	if !errors.As(err, &fe) || fe.File != path || fe.Version != 2 || fe.Newest != ClusterLockFormat || !strings.Contains(err.Error(), "upgrade zeebe-backup") {
		t.Fatalf("a newer lock reads as %v; want the format error naming %s", err, path)
	}
	err = f.CheckUnlocked(context.Background())
	if !errors.Is(err, ErrClusterLocked) || !strings.Contains(err.Error(), "newer zeebe-backup") || strings.Contains(err.Error(), "remove it") {
		t.Fatalf("CheckUnlocked with a newer lock = %v; want it locked, by a newer zeebe-backup", err)
	}
	for body, want := range map[string]string{
		`[1, 2]`:                   "is a JSON array, not an object",
		`{"formatVersion": "1"}`:   "formatVersion is a JSON string, not a whole number",
		`{"formatVersion": -1}`:    "formatVersion -1",
		`{"formatVersion": 1, "x"`: "unexpected end of JSON input",
	} {
		_, err := parseClusterLock(path, []byte(body))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s reads as %v; want an error naming %s and saying %q", body, err, path, want)
		}
	}
}
