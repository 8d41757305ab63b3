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

// freeHost is the local host with a given free space on every filesystem.
type freeHost struct {
	broker.Local
	free int64
}

func (h freeHost) FreeSpace(context.Context, string) (int64, error) { return h.free, nil }

// Brokers whose data folders share a filesystem need room there for the sum of their data:
// each fits alone, together they do not, and the refusal names them all and the fix.
func TestSpaceSummedPerFilesystem(t *testing.T) {
	root := t.TempDir()
	f := &fleet.Fleet{}
	recs := map[int]repo.BrokerRecord{}
	layouts := map[int]layout{}
	for n := range 3 {
		data := filepath.Join(root, "broker", "data-"+string(rune('0'+n)))
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		f.Members = append(f.Members, &fleet.Member{Broker: cluster.Broker{NodeID: n, Host: cluster.Local}, Host: freeHost{free: 250}, DataDir: data})
		recs[n] = repo.BrokerRecord{NodeID: n, Bytes: 100}
		layouts[n] = layoutOf(data, "x", false)
	}
	r := &run{fleet: f, recs: recs, layouts: layouts}
	err := r.checkSpace(context.Background())
	if err == nil || !strings.Contains(err.Error(), "has 250 bytes free; broker 0 (local), broker 1 (local), broker 2 (local), which share it, need together 300 bytes") || !strings.Contains(err.Error(), "free some space") {
		t.Fatalf("checkSpace with 3×100 bytes on one filesystem with 250 free: %v", err)
	}
	for _, m := range f.Members {
		m.Host = freeHost{free: 300}
	}
	if err := r.checkSpace(context.Background()); err != nil {
		t.Fatalf("checkSpace with room for all: %v", err)
	}
}
