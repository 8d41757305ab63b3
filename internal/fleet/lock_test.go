package fleet

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
)

// A cluster lock file that is too large or too deep is refused without being decoded.
func TestHostileClusterLockIsRefused(t *testing.T) {
	big := `{"operation":"` + strings.Repeat(limitstest.Secret, limits.MaxLockBytes/len(limitstest.Secret)+1) + `"}`
	for _, c := range []struct{ body, what string }{
		{big, "size of the cluster lock"},
		{limitstest.DeepJSON(limits.MaxJSONDepth + 1), "nesting depth of the cluster lock"},
	} {
		_, err := parseClusterLock("/data.zeebe-backup-lock", []byte(c.body))
		var le *limits.Error
		if !errors.As(err, &le) || le.What != "the "+c.what {
			t.Fatalf("err = %.300v; want the limit on the %s", err, c.what)
		}
		if msg := err.Error(); len(msg) > 300 || strings.Contains(msg, limitstest.Secret) {
			t.Fatalf("message: %.400s", msg)
		}
	}
	if l, err := parseClusterLock("/data.zeebe-backup-lock", []byte(`{"repository":"/r","operation":"backup x"}`)); err != nil || l.Operation != "backup x" {
		t.Fatalf("a good lock: %+v, %v", l, err)
	}
}

// ioFailingHost is a local host on which reading one path, and unless statOK looking at it,
// fails with an I/O error.
type ioFailingHost struct {
	broker.Host
	path   string
	statOK bool
}

func (h ioFailingHost) Stat(ctx context.Context, path string) (broker.FileInfo, error) {
	if path == h.path && !h.statOK {
		return broker.FileInfo{}, &fs.PathError{Op: "lstat", Path: path, Err: syscall.EIO}
	}
	return h.Host.Stat(ctx, path)
}

func (h ioFailingHost) ReadFile(ctx context.Context, path string) ([]byte, error) {
	if path == h.path {
		return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EIO}
	}
	return h.Host.ReadFile(ctx, path)
}

// A lock file that cannot be looked at is not "unlocked": CheckUnlocked fails naming it; one
// that exists but cannot be read still locks the broker.
func TestCheckUnlockedOnlyTakesAbsenceAsUnlocked(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	lock := LockPath(data)
	m := &Member{Broker: cluster.Broker{NodeID: 1}, Host: ioFailingHost{Host: broker.Local{}, path: lock}, DataDir: data}
	f := &Fleet{Members: []*Member{m}}

	err := f.CheckUnlocked(ctx)
	if err == nil || errors.Is(err, ErrClusterLocked) || !strings.Contains(err.Error(), lock) || !strings.Contains(err.Error(), "input/output error") {
		t.Fatalf("CheckUnlocked with an unreadable lock path = %v, want the I/O error naming %s", err, lock)
	}

	m.Host = broker.Local{}
	if err := f.CheckUnlocked(ctx); err != nil {
		t.Fatalf("CheckUnlocked without a lock file: %v", err)
	}
	if err := os.WriteFile(lock, []byte(`{"operation":"backup x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m.Host = ioFailingHost{Host: broker.Local{}, path: lock, statOK: true}
	err = f.CheckUnlocked(ctx)
	if !errors.Is(err, ErrClusterLocked) || !strings.Contains(err.Error(), lock) {
		t.Fatalf("CheckUnlocked with an existing lock file that cannot be read = %v, want ErrClusterLocked naming %s", err, lock)
	}
}
