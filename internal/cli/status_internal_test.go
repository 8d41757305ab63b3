package cli

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
)

// unreadableHost is a local host on which reading one file fails with an I/O error.
type unreadableHost struct {
	broker.Host
	path string
}

func (h unreadableHost) ReadFile(ctx context.Context, path string) ([]byte, error) {
	if path == h.path {
		return nil, &fs.PathError{Op: "read", Path: path, Err: syscall.EIO}
	}
	return h.Host.ReadFile(ctx, path)
}

// A broker's lock file that cannot be read is not "no lock": status shows it, naming the file
// and the error, and marks it so that the verdict is not OK.
func TestStatusShowsAnUnreadableBrokerLock(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	lock := fleet.LockPath(data)
	var bs brokerStatus
	m := &fleet.Member{Broker: cluster.Broker{NodeID: 0, DataDir: data}, Host: unreadableHost{broker.Local{}, lock}, DataDir: data}
	if err := readBrokerFiles(context.Background(), m, &bs); err != nil {
		t.Fatal(err)
	}
	if !bs.lockUnreadable || !strings.Contains(bs.Locked, lock) || !strings.Contains(bs.Locked, "input/output error") {
		t.Fatalf("status of a broker whose lock file cannot be read: %+v", bs)
	}

	bs = brokerStatus{}
	m.Host = broker.Local{}
	if err := readBrokerFiles(context.Background(), m, &bs); err != nil || bs.Locked != "" || bs.lockUnreadable {
		t.Fatalf("status of a broker without a lock file: %+v, %v", bs, err)
	}
}
