package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// The crash matrix against simulated brokers on this machine, run as services by commands.
// Short by default (a handful of kill points per workflow); ZB_CRASH_MATRIX=long runs 50 per
// workflow and 10 per signal.
func TestCrashMatrix(t *testing.T) {
	runCrashMatrix(t, simCrashDriver, matrixFromEnv(t))
}

// simCluster is a crashCluster of simulated brokers (env).
type simCluster struct {
	e *env
}

func simCrashDriver(t *testing.T) crashCluster {
	e := newEnv(t, simtest.Options{Partitions: 1, RecordsPerSecond: 100})
	e.startCluster()
	return &simCluster{e: e}
}

func (c *simCluster) Nodes() []int {
	var out []int
	for _, b := range c.e.c.Brokers {
		out = append(out, b.NodeID)
	}
	return out
}

func (c *simCluster) broker(n int) *simtest.Broker {
	for _, b := range c.e.c.Brokers {
		if b.NodeID == n {
			return b
		}
	}
	c.e.t.Fatalf("no broker %d", n)
	return nil
}

func (c *simCluster) Tool(env []string, args ...string) *toolProc { return c.e.startTool(env, args...) }

func (c *simCluster) Ready(n int) bool { return ready(c.broker(n)) }

func (c *simCluster) Tree(n int) testtree.Snapshot { return snapshotTree(c.e.t, c.broker(n).DataDir) }

func (c *simCluster) Mark(value string) { c.e.mark(value) }

func (c *simCluster) Marker(n int) string {
	raw, _ := os.ReadFile(filepath.Join(c.broker(n).DataDir, markerFile))
	return string(raw)
}

// kept are the documented folders a restore of id keeps beside a data folder and its config.
func kept(b *simtest.Broker, id string) []string {
	return []string{restore.PreviousDir(b.DataDir, id), restore.FailedDir(b.DataDir, id), restore.PreviousConfig(b.ConfigPath, id)}
}

func (c *simCluster) Leftovers(id string, listed []string) []string {
	var out []string
	for _, b := range c.e.c.Brokers {
		allowed := append([]string{b.DataDir, b.ConfigPath}, kept(b, id)...)
		for _, dir := range []string{filepath.Dir(b.DataDir), filepath.Dir(b.ConfigPath)} {
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				p := filepath.Join(dir, en.Name())
				related := strings.HasPrefix(p, b.DataDir) || strings.HasPrefix(p, b.ConfigPath) ||
					strings.HasPrefix(en.Name(), "."+filepath.Base(b.ConfigPath))
				if related && !slices.Contains(allowed, p) {
					out = append(out, p)
				}
			}
		}
		entries, _ := os.ReadDir(b.DataDir)
		for _, en := range entries {
			if strings.HasPrefix(en.Name(), ".zeebe-backup") {
				out = append(out, filepath.Join(b.DataDir, en.Name()))
			}
		}
	}
	entries, _ := os.ReadDir(c.e.repoDir)
	for _, en := range entries {
		name := en.Name()
		owned := slices.ContainsFunc(listed, func(l string) bool { return name == repo.Folder(l) })
		if !owned {
			out = append(out, filepath.Join(c.e.repoDir, name))
			continue
		}
		files, _ := os.ReadDir(filepath.Join(c.e.repoDir, name))
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") {
				out = append(out, filepath.Join(c.e.repoDir, name, f.Name()))
			}
		}
	}
	return out
}

func (c *simCluster) Clean(id string) {
	for _, b := range c.e.c.Brokers {
		for _, p := range kept(b, id) {
			if err := os.RemoveAll(p); err != nil {
				c.e.t.Fatal(err)
			}
		}
	}
}

func (c *simCluster) Slow(stop, start time.Duration) {
	c.e.writeClusterFile(c.e.clusterFile, func(y *brokerYAML) {
		if stop > 0 {
			y.Stop = fmt.Sprintf("sleep %.3f; %s", stop.Seconds(), y.Stop)
		}
		if start > 0 {
			y.Start = fmt.Sprintf("sleep %.3f; %s", start.Seconds(), y.Start)
		}
	})
}
