// Package workflowtest builds what unit tests of backup, restore and recover work on: a
// cluster that runs no broker. Its brokers live in the test's temporary folder, each with a
// configuration and a data folder of Zeebe-format data (written by the simulator's generator,
// sim/gen), and are driven by a fleettest.Fake; the repository is a local folder.
//
// What it proves and what it does not is the fake driver's (fleettest.Fake): the order of the
// steps, what is written down when, what the data folders and the repository hold after each
// step; no broker process is stopped or started.
package workflowtest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet/fleettest"
	"github.com/zeebe-backup/zeebe-backup/internal/progress"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/gen"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
)

// Version is the Zeebe version of the generated data and of the cluster file.
const Version = "8.5.3"

// Cluster is a cluster of brokers that runs no broker, with its repository.
type Cluster struct {
	t testing.TB
	// File is the cluster file; RepoDir the repository's folder.
	File, RepoDir string
	// DataDirs and Configs are each broker's data folder and configuration file, by node id.
	DataDirs, Configs []string
	// Fake drives the brokers; every broker is up at first.
	Fake *fleettest.Fake
	Repo *repo.Repo

	mu     sync.Mutex
	events []progress.Event
}

// New makes a cluster of n brokers (clusterSize n, n partitions, replication factor
// min(n, 3)) whose data folders hold generated data of seed.
func New(t testing.TB, n int, seed uint64) *Cluster {
	t.Helper()
	root := t.TempDir()
	c := &Cluster{t: t, File: filepath.Join(root, "zeebe-backup.yaml"), RepoDir: filepath.Join(root, "repo"), Fake: &fleettest.Fake{}}
	rf := min(n, 3)
	var sb strings.Builder
	fmt.Fprintf(&sb, "repository: %s\nversion: %s\nbrokers:\n", c.RepoDir, Version)
	for i := range n {
		install := filepath.Join(root, fmt.Sprintf("broker-%d", i))
		data, cfg := filepath.Join(install, "data"), filepath.Join(install, "config", "application.yaml")
		if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
			t.Fatal(err)
		}
		port := 19600 + i
		body := fmt.Sprintf("zeebe:\n  broker:\n    cluster:\n      nodeId: %d\n      clusterSize: %d\n      partitionsCount: %d\n      replicationFactor: %d\n    data:\n      directory: %s\n"+
			"    network:\n      commandApi: {port: %d}\n      internalApi: {port: %d}\n    gateway:\n      network: {port: %d}\nmanagement:\n  server:\n    port: %d\n",
			i, n, n, rf, data, 26501+10*i, 26502+10*i, 26500+10*i, port)
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := gen.Write(data, gen.Options{Version: Version, NodeID: i, Shape: zeebe.Shape{ClusterSize: n, PartitionsCount: n, ReplicationFactor: rf}, Size: 256 << 10, SegmentSize: 64 << 10, RecordSize: 256, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "  - nodeId: %d\n    host: local\n    config: %s\n    installDir: %s\n    stop: {run: 'true', timeout: 5s}\n    start: {run: 'true', timeout: 5s}\n    health: http://127.0.0.1:%d\n", i, cfg, install, port)
		c.DataDirs, c.Configs = append(c.DataDirs, data), append(c.Configs, cfg)
		c.Fake.Up(i)
	}
	if err := os.WriteFile(c.File, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := local.New(c.RepoDir)
	if err != nil {
		t.Fatal(err)
	}
	c.Repo = repo.Open(store)
	return c
}

// Fleet resolves the cluster file, as every run of the tool does, driven by the cluster's Fake.
func (c *Cluster) Fleet() *fleet.Fleet {
	c.t.Helper()
	ctx := context.Background()
	d, err := cluster.Load(ctx, c.File, cluster.LoadOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	f, err := fleet.Resolve(ctx, d, func(cluster.Broker) (broker.Host, error) { return broker.Local{}, nil })
	if err != nil {
		c.t.Fatal(err)
	}
	f.Driver, f.Poll = c.Fake, 10*time.Millisecond
	return f
}

// Deps are a workflow's dependencies on the cluster's repository; every event is kept (Events)
// and hook, when set, is the phase hook.
func (c *Cluster) Deps(hook func(phase string)) workflow.Deps {
	return workflow.Deps{Repo: c.Repo, Events: c.keep, Command: "workflowtest", ToolVersion: "test", Hook: hook}
}

func (c *Cluster) keep(e progress.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

// Events are the events sent so far.
func (c *Cluster) Events() []progress.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// AllUp fails the test unless every broker is up.
func (c *Cluster) AllUp() {
	c.t.Helper()
	for i := range c.DataDirs {
		if !c.Fake.Running(i) {
			c.t.Errorf("broker %d is down; steps: %v", i, c.Fake.StepsOf(i))
		}
	}
}

// AllDown fails the test unless every broker is down.
func (c *Cluster) AllDown() {
	c.t.Helper()
	for i := range c.DataDirs {
		if c.Fake.Running(i) {
			c.t.Errorf("broker %d is up; steps: %v", i, c.Fake.StepsOf(i))
		}
	}
}

// Lock is the repository lock, nil when there is none.
func (c *Cluster) Lock() *repo.Lock {
	c.t.Helper()
	l, err := c.Repo.ReadLock(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	return l
}

// Unlocked fails the test unless neither the repository nor any broker is locked.
func (c *Cluster) Unlocked() {
	c.t.Helper()
	if l := c.Lock(); l != nil {
		c.t.Errorf("the repository is still locked: %+v", l.Operation)
	}
	for i, d := range c.DataDirs {
		if _, err := os.Lstat(fleet.LockPath(d)); !errors.Is(err, fs.ErrNotExist) {
			c.t.Errorf("broker %d: its lock %s is still there (%v)", i, fleet.LockPath(d), err)
		}
	}
}

// Snapshots are every broker's data folder as it is now, by node id.
func (c *Cluster) Snapshots() []testtree.Snapshot {
	c.t.Helper()
	var out []testtree.Snapshot
	for _, d := range c.DataDirs {
		s, err := testtree.Take(d, testtree.Options{SkipRootTimes: true})
		if err != nil {
			c.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// SameData fails the test unless every data folder is as in want (Snapshots).
func (c *Cluster) SameData(want []testtree.Snapshot) {
	c.t.Helper()
	for i, got := range c.Snapshots() {
		if diff := testtree.Diff(want[i], got, false); len(diff) > 0 {
			c.t.Errorf("broker %d: the data folder %s differs:\n%s", i, c.DataDirs[i], strings.Join(diff[:min(len(diff), 10)], "\n"))
		}
	}
}

// Mark is where the fake driver's steps are now, for StepsSince.
func (c *Cluster) Mark() int { return len(c.Fake.Steps()) }

// StepsSince are the steps the fake driver took for a broker since mark.
func (c *Cluster) StepsSince(mark, nodeID int) []string {
	var out []string
	for _, s := range c.Fake.Steps()[mark:] {
		if s.NodeID == nodeID {
			out = append(out, s.What)
		}
	}
	return out
}
