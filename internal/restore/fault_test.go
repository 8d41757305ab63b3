package restore

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
)

// faultyHost is a local host on which looking at one path fails with an I/O error: a path
// that may or may not exist.
type faultyHost struct {
	broker.Host
	path string
}

func (h faultyHost) Stat(ctx context.Context, path string) (broker.FileInfo, error) {
	if path == h.path {
		return broker.FileInfo{}, &fs.PathError{Op: "lstat", Path: path, Err: syscall.EIO}
	}
	return h.Host.Stat(ctx, path)
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path, want string) {
	t.Helper()
	if got, err := os.ReadFile(path); err != nil || string(got) != want {
		t.Errorf("%s holds %q (%v), want %q", path, got, err, want)
	}
}

// A swap that cannot tell whether the data folder exists moves nothing: an empty data folder
// would otherwise be replaced with nothing recorded as Previous.
func TestSwapBesideStopsWhenTheDataFolderCannotBeChecked(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	l := layoutOf(data, "x", false)
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(l.staging, "restored"), "restored")
	rec := repo.OpBroker{DataDir: data, Staging: l.staging}
	update := func(fn func(*repo.OpBroker)) error { fn(&rec); return nil }

	err := swapBeside(context.Background(), faultyHost{broker.Local{}, data}, data, l, update)
	if err == nil || !strings.Contains(err.Error(), data) || !strings.Contains(err.Error(), "input/output error") {
		t.Fatalf("swapBeside = %v, want the I/O error naming %s", err, data)
	}
	mustRead(t, filepath.Join(l.staging, "restored"), "restored")
	if _, err := os.Stat(l.previous); err == nil {
		t.Errorf("%s was created", l.previous)
	}
	if rec.Swapped || rec.Previous != "" || rec.Staging != l.staging {
		t.Errorf("record after the refused swap: %+v", rec)
	}
}

// A rollback that cannot tell whether the previous data (or configuration) is there stops,
// moves nothing and keeps the record, which is the only note of where the previous data is;
// the error names the path and says to run recover.
func TestRollbackKeepsTheRecordWhenAPathCannotBeChecked(t *testing.T) {
	for _, which := range []string{"previous", "data", "previous config"} {
		t.Run(which, func(t *testing.T) {
			root := t.TempDir()
			data := filepath.Join(root, "data")
			config := filepath.Join(root, "application.yaml")
			m := &fleet.Member{Broker: cluster.Broker{NodeID: 0, Config: config}, DataDir: data}
			d := deriveFor(m, "x", false)
			mustWrite(t, filepath.Join(data, "which"), "restored")
			mustWrite(t, filepath.Join(d.previous, "which"), "previous")
			mustWrite(t, config, "restored config")
			mustWrite(t, d.previousConfig, "previous config")
			bad := map[string]string{"previous": d.previous, "data": d.dataDir, "previous config": d.previousConfig}[which]
			rec := repo.OpBroker{NodeID: 0, DataDir: data, ConfigPath: config, Previous: d.previous, Swapped: true, ConfigInstalled: true, PreviousConfig: d.previousConfig}
			before := rec
			update := func(fn func(*repo.OpBroker)) error { fn(&rec); return nil }

			err := rollbackOne(context.Background(), faultyHost{broker.Local{}, bad}, d, rec, update)
			if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "input/output error") || !strings.Contains(err.Error(), "zeebe-backup recover") {
				t.Fatalf("rollbackOne = %v, want the I/O error naming %s and what to do", err, bad)
			}
			if rec != before {
				t.Errorf("the record changed: %+v, was %+v", rec, before)
			}
			mustRead(t, d.previousConfig, "previous config")
			if which == "previous config" {
				// The data was put back before; the record still names the previous folder,
				// and a rollback run again passes over it as put back.
				mustRead(t, filepath.Join(data, "which"), "previous")
				mustRead(t, filepath.Join(d.failed, "which"), "restored")
				return
			}
			mustRead(t, filepath.Join(d.previous, "which"), "previous")
			mustRead(t, filepath.Join(data, "which"), "restored")
		})
	}
}
