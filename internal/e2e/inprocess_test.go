package e2e_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/faulty"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// The repository fails while an archive is written (a full disk): the backup aborts, every
// broker runs again, nothing is committed and the repository is unlocked.
func TestRepositoryFailureDuringArchiving(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	d, err := cluster.Load(context.Background(), e.clusterFile, cluster.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hosts := func(cluster.Broker) (broker.Host, error) { return broker.Local{}, nil }
	f, err := fleet.Resolve(context.Background(), d, hosts)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := local.New(e.repoDir)
	if err != nil {
		t.Fatal(err)
	}
	store := faulty.New(inner)
	diskFull := errors.New("no space left on device")
	store.Add(faulty.Fault{Op: faulty.OpPut, Key: "zeebe-backup-*/zeebe-broker-2-data.tar.zst", AfterBytes: 100, Err: diskFull})
	m, err := backup.Run(context.Background(), f, backup.Deps{Repo: repo.Open(store), Topology: fleet.GatewayTopology, Command: "test"}, backup.Options{ID: "full-disk"})
	if m != nil || !errors.Is(err, backup.ErrAborted) || !errors.Is(err, diskFull) || !strings.Contains(err.Error(), "broker 2") {
		t.Fatalf("manifest %v, error %v", m, err)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not running after the failed backup", b.NodeID)
		}
	}
	if entries, _ := os.ReadDir(e.repoDir); len(entries) != 0 {
		t.Errorf("the failed backup left %v", entries)
	}
}

// Ctrl-C while the data is archived: the brokers are started again before the tool exits 130.
func TestInterruptDuringArchivingStartsTheBrokers(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	pause, resume := pauseAt(t, "archiving")
	p := e.startTool(pause, "backup")
	p.waitPaused("archiving")
	p.cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(100 * time.Millisecond)
	resume()
	code, _, stderr := p.wait()
	if code != cli.ExitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, cli.ExitInterrupted, stderr)
	}
	if !strings.Contains(stderr, "zeebe-backup: interrupted") || strings.Contains(stderr, "context canceled") {
		t.Errorf("the error does not say the run was interrupted:\n%s", stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not running after the interrupted backup:\n%s", b.NodeID, stderr)
		}
	}
	if ms := e.manifests(); len(ms) != 0 {
		t.Errorf("an interrupted backup is listed: %+v", ms)
	}
}
