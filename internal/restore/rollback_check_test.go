package restore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// A rollback that cannot put back every broker's previous data puts back none: broker 1's
// previous data folder is gone (removed by a discard), so broker 0, whose previous data is
// intact, keeps the restored data too, and the refusal names broker 1.
func TestRollbackAllOrNothing(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	f := &fleet.Fleet{}
	op := &repo.Operation{Kind: "restore", ID: "x"}
	for n := range 2 {
		data := filepath.Join(root, "broker", string(rune('0'+n)), "data")
		for _, d := range []string{data, PreviousDir(data, "x")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(d, "which"), []byte(filepath.Base(d)), 0o644)
		}
		f.Members = append(f.Members, &fleet.Member{Broker: cluster.Broker{NodeID: n}, Host: broker.Local{}, DataDir: data})
		op.Brokers = append(op.Brokers, repo.OpBroker{NodeID: n, DataDir: data, Previous: PreviousDir(data, "x"), Swapped: true})
	}
	if err := os.RemoveAll(op.Brokers[1].Previous); err != nil {
		t.Fatal(err)
	}
	err := Rollback(ctx, f, op, func(int, func(*repo.OpBroker)) error { return nil })
	if !errors.Is(err, ErrCannotRollBack) {
		t.Fatalf("Rollback returned %v, want ErrCannotRollBack", err)
	}
	if _, err := os.Stat(op.Brokers[0].Previous); err != nil {
		t.Errorf("broker 0's previous data was put back although broker 1's cannot be: %v", err)
	}
	if _, err := os.Stat(FailedDir(op.Brokers[0].DataDir, "x")); err == nil {
		t.Error("broker 0's restored data was moved out")
	}

	// A committed restore is never rolled back; a broker missing from the cluster is named.
	op.Committed = true
	if err := CheckRollback(ctx, f, op); !errors.Is(err, ErrCannotRollBack) {
		t.Errorf("a committed restore: %v", err)
	}
	op.Committed = false
	f.Members = f.Members[:1]
	os.MkdirAll(op.Brokers[1].Previous, 0o755)
	if err := CheckRollback(ctx, f, op); err == nil || !errors.Is(err, ErrCannotRollBack) {
		t.Errorf("a broker missing from the cluster file: %v", err)
	}
}

// A rollback removes the temporary files of configuration writes a killed restore left.
func TestRollbackRemovesConfigTemps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "application.yaml")
	os.WriteFile(cfg, []byte("a: 1\n"), 0o644)
	left := []string{broker.TempPrefix(cfg) + "123", broker.TempPrefix(PreviousConfig(cfg, "x")) + "456"}
	for _, n := range left {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	other := filepath.Join(dir, ".other.yaml.tmp-1")
	os.WriteFile(other, nil, 0o644)
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	// The cluster file's broker has the configuration the record names (Rollback derives it).
	f := &fleet.Fleet{Members: []*fleet.Member{{Broker: cluster.Broker{NodeID: 0, Config: cfg}, Host: broker.Local{}, DataDir: data}}}
	op := &repo.Operation{Kind: "restore", ID: "x", Brokers: []repo.OpBroker{{NodeID: 0, DataDir: data, ConfigPath: cfg}}}
	if err := Rollback(ctx, f, op, func(int, func(*repo.OpBroker)) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, n := range left {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s is left", n)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temporary file was removed: %v", err)
	}
}
