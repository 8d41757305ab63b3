package check_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// Simulator data is made once per test binary for each spec, below cacheRoot, and copied into
// t.TempDir() by every test that changes it.
var (
	cacheRoot string
	cacheMu   sync.Mutex
	cache     = map[simSpec]*dataset{}
)

func TestMain(m *testing.M) {
	var err error
	cacheRoot, err = os.MkdirTemp("", "zeebe-check-sim-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(cacheRoot)
	simtest.Cleanup()
	os.Exit(code)
}

// simSpec describes a simulator run: brokers of one version with two (or three) partitions, 32
// KB segments and a snapshot after one second, stopped cleanly after 1.5 s (or SIGKILLed).
type simSpec struct {
	Version    string
	Brokers    int
	Partitions int
	Kill       bool
}

type dataset struct {
	once sync.Once
	dirs []string // data folders by node id
	ok   bool
}

// simData returns the data folders of a simulator run, made on first use. Do not change them;
// copy them with copyData.
func simData(t *testing.T, spec simSpec) []string {
	t.Helper()
	if spec.Brokers == 0 {
		spec.Brokers = 1
	}
	if spec.Partitions == 0 {
		spec.Partitions = 2
	}
	cacheMu.Lock()
	d := cache[spec]
	if d == nil {
		d = &dataset{}
		cache[spec] = d
	}
	cacheMu.Unlock()
	d.once.Do(func() {
		root := filepath.Join(cacheRoot, fmt.Sprintf("%s-%db-%dp-kill%v", spec.Version, spec.Brokers, spec.Partitions, spec.Kill))
		c := simtest.NewCluster(t, root, simtest.Options{
			Brokers: spec.Brokers, Partitions: spec.Partitions, Replication: min(3, spec.Brokers),
			Version: spec.Version, SegmentSize: "32KB", SnapshotPeriod: "1s", StateSize: "16KB",
		})
		c.Start(t)
		time.Sleep(1500 * time.Millisecond)
		if spec.Kill {
			for _, b := range c.Brokers {
				b.Kill(t)
			}
		} else {
			c.Stop(t)
		}
		for _, b := range c.Brokers {
			d.dirs = append(d.dirs, b.DataDir)
		}
		d.ok = true
	})
	if !d.ok {
		t.Fatalf("simulator data for %+v could not be made", spec)
	}
	return d.dirs
}

// copyData copies a data folder into a new temporary folder, keeping hard links.
func copyData(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	inodes := map[uint64]string{}
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if first, ok := inodes[st.Ino]; ok && st.Nlink > 1 {
			return os.Link(first, to)
		}
		inodes[st.Ino] = to
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// glob returns the single match of a pattern below dir.
func glob(t *testing.T, dir, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s: want one match, got %v (%v)", pattern, m, err)
	}
	return m[0]
}

func rel(t *testing.T, dir, p string) string {
	t.Helper()
	r, err := filepath.Rel(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

// flip xors one byte of a file.
func flip(t *testing.T, file string, off int64) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// renameTo810 moves a data folder to the 8.10 layout: default/partitions/<P> with
// default-partition-<P> names (§1.3).
func renameTo810(t *testing.T, dir string) {
	t.Helper()
	parts := filepath.Join(dir, "raft-partition", "partitions")
	entries, err := os.ReadDir(parts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pdir := filepath.Join(parts, e.Name())
		files, err := os.ReadDir(pdir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := strings.Replace(f.Name(), "raft-partition-partition-", "default-partition-", 1)
			if name != f.Name() {
				if err := os.Rename(filepath.Join(pdir, f.Name()), filepath.Join(pdir, name)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "default"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(parts, filepath.Join(dir, "default", "partitions")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "raft-partition")); err != nil {
		t.Fatal(err)
	}
}
