package e2e_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/faulty"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// localStore opens the environment's repository folder as a local store.
func (e *env) localStore() *local.Store {
	e.t.Helper()
	s, err := local.New(e.repoDir)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// backupInProcess runs a backup of the environment's cluster in this process, with deps' Repo
// and Events, its hosts opened by the registry main builds.
func (e *env) backupInProcess(deps backup.Deps, id string) (*repo.Manifest, error) {
	e.t.Helper()
	ctx := context.Background()
	hosts := broker.NewRegistry(broker.LocalKind())
	d, err := cluster.Load(ctx, e.clusterFile, cluster.LoadOptions{CheckHost: hosts.Check})
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := fleet.Resolve(ctx, d, func(b cluster.Broker) (broker.Host, error) { return hosts.Open(ctx, b.Host) })
	if err != nil {
		e.t.Fatal(err)
	}
	deps.Topology, deps.Command = fleet.GatewayTopology, "test"
	return backup.Run(ctx, f, deps, backup.Options{ID: id})
}

// The repository fails while an archive is written (a full disk): the backup aborts, every
// broker runs again, nothing is committed and the repository is unlocked.
func TestRepositoryFailureDuringArchiving(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	store := faulty.New(e.localStore())
	diskFull := errors.New("no space left on device")
	store.Add(faulty.Fault{Op: faulty.OpPut, Key: "zeebe-backup-*/zeebe-broker-2-data.tar.zst", AfterBytes: 100, Err: diskFull})
	m, err := e.backupInProcess(backup.Deps{Repo: repo.Open(store)}, "full-disk")
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

// The free-space pre-flight of a backup runs through a wrapper of the repository's store (the
// fault-injecting one here): it keeps the local store's SpaceReporter, so a failing free-space
// query refuses the backup before any broker is stopped.
func TestRepositoryFreeSpaceIsCheckedThroughAWrapper(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	store := faulty.New(e.localStore())
	statfs := errors.New("statfs: input/output error")
	store.Add(faulty.Fault{Op: faulty.OpFreeSpace, Err: statfs})
	var mu sync.Mutex
	var phases []string
	events := func(ev progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		phases = append(phases, ev.Phase)
	}
	m, err := e.backupInProcess(backup.Deps{Repo: repo.Open(store), Events: events}, "no-space-known")
	if m != nil || !errors.Is(err, backup.ErrPreflight) || !errors.Is(err, statfs) || !strings.Contains(err.Error(), "free space of "+e.repoDir) {
		t.Fatalf("committed %t, error %v; want a pre-flight refusal naming the repository's free space", m != nil, err)
	}
	if store.Calls(faulty.OpFreeSpace) != 1 {
		t.Errorf("the pre-flight asked the store's free space %d times, want once", store.Calls(faulty.OpFreeSpace))
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(phases, "stop") {
		t.Errorf("brokers were stopped before the refusal: phases %v", phases)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not running after the refused backup", b.NodeID)
		}
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
