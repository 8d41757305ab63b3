package restore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// A forged operation record (anyone who can write to the repository can write lock.json) that
// names other paths as a broker's staging, previous data or configuration: Rollback refuses it
// and removes or moves nothing; a record naming the paths a restore derives is rolled back.
func TestRollbackRefusesForgedPaths(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	victim := filepath.Join(root, "victim")
	config := filepath.Join(root, "application.yaml")
	for _, d := range []string{data, victim, StagingDir(data, "x")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(victim, "keep"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fleet.Fleet{Members: []*fleet.Member{{Broker: cluster.Broker{NodeID: 0, Config: config}, Host: broker.Local{}, DataDir: data}}}
	ok := repo.OpBroker{NodeID: 0, DataDir: data, ConfigPath: config}

	for name, forge := range map[string]func(*repo.OpBroker, *repo.Operation){
		"staging":            func(b *repo.OpBroker, _ *repo.Operation) { b.Staging = victim },
		"previous":           func(b *repo.OpBroker, _ *repo.Operation) { b.Previous, b.Swapped = victim, true },
		"in-folder previous": func(b *repo.OpBroker, _ *repo.Operation) { b.Previous, b.InFolder = victim, true },
		"previous config": func(b *repo.OpBroker, _ *repo.Operation) {
			b.PreviousConfig, b.ConfigInstalled = filepath.Join(victim, "keep"), true
		},
		"data folder": func(b *repo.OpBroker, _ *repo.Operation) { b.DataDir, b.Staging = victim, StagingDir(victim, "x") },
		"id":          func(_ *repo.OpBroker, op *repo.Operation) { op.ID = "../victim" },
	} {
		t.Run(name, func(t *testing.T) {
			b := ok
			op := &repo.Operation{Kind: "restore", ID: "x"}
			forge(&b, op)
			op.Brokers = []repo.OpBroker{b}
			updated := false
			err := Rollback(ctx, f, op, func(int, func(*repo.OpBroker)) error { updated = true; return nil })
			if err == nil || !strings.Contains(err.Error(), "lock.json") {
				t.Fatalf("Rollback of a forged record: %v, want a refusal naming lock.json", err)
			}
			if updated {
				t.Error("the forged record was updated")
			}
			if got, err := os.ReadFile(filepath.Join(victim, "keep")); err != nil || string(got) != "keep" {
				t.Fatalf("%s was touched: %q, %v", victim, got, err)
			}
			if _, err := os.Stat(data); err != nil {
				t.Fatalf("the data folder was touched: %v", err)
			}
		})
	}

	// A staging folder that is a symbolic link is not the folder a restore created.
	staging := StagingDir(data, "x")
	if err := os.Remove(staging); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, staging); err != nil {
		t.Fatal(err)
	}
	b := ok
	b.Staging = staging
	err := Rollback(ctx, f, &repo.Operation{Kind: "restore", ID: "x", Brokers: []repo.OpBroker{b}}, func(int, func(*repo.OpBroker)) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Rollback with a staging folder that is a link: %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(victim, "keep")); err != nil {
		t.Fatalf("the link's target was emptied: %v", err)
	}

	// The paths a restore derives are rolled back.
	if err := os.Remove(staging); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(staging, "partial"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Rollback(ctx, f, &repo.Operation{Kind: "restore", ID: "x", Brokers: []repo.OpBroker{b}}, func(int, func(*repo.OpBroker)) error { return nil }); err != nil {
		t.Fatalf("Rollback of a true record: %v", err)
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Fatalf("the staging folder %s is still there: %v", staging, err)
	}
}

// A restore onto a mount point records its staging folder inside the data folder before it
// records InFolder (at the swap): a record killed while staging is the restore's own, and its
// staging folder is removed.
func TestRollbackInFolderStagingBeforeTheSwap(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	staging := layoutOf(data, "x", true).staging
	if err := os.MkdirAll(filepath.Join(staging, "partial"), 0o755); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(root, "application.yaml")
	f := &fleet.Fleet{Members: []*fleet.Member{{Broker: cluster.Broker{NodeID: 0, Config: config}, Host: broker.Local{}, DataDir: data}}}
	op := &repo.Operation{Kind: "restore", ID: "x", Brokers: []repo.OpBroker{{NodeID: 0, DataDir: data, ConfigPath: config, Staging: staging}}}
	if err := Rollback(ctx, f, op, func(int, func(*repo.OpBroker)) error { return nil }); err != nil {
		t.Fatalf("Rollback of a restore killed while staging in the folder: %v", err)
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Fatalf("the staging folder %s is still there: %v", staging, err)
	}
	if _, err := os.Stat(data); err != nil {
		t.Fatalf("the data folder: %v", err)
	}
}
