package e2e_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// update rewrites the golden files of TestHostileInput: go test ./internal/e2e -run TestHostileInput -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/hostile")

// hostileFixture is a repository holding one complete backup ("good") of a 2-broker cluster,
// whose brokers are down, built once for the whole table. Each case runs on a copy of it.
type hostileFixture struct {
	root    string // broker-N/ (config, data), repo/
	brokers []*simtest.Broker
	script  string
	sim     string // the zeebe-sim binary
}

// hcase is one case's copy of the fixture: the cluster file $ROOT/zeebe-backup.yaml names its
// brokers (down: their health URLs do not answer) and its repository $ROOT/repo.
type hcase struct {
	t    *testing.T
	root string
}

func newHostileFixture(t *testing.T) *hostileFixture {
	t.Helper()
	e := newEnv(t, simtest.Options{Brokers: 2, Partitions: 2, Replication: 2, RecordsPerSecond: 100, SegmentSize: "256KB"})
	e.startCluster()
	// The same shape of data whatever the load: every partition of every broker has a
	// committed snapshot (the state's version, a compacted log) before the backup.
	deadline := time.Now().Add(time.Minute)
	for _, b := range e.c.Brokers {
		for {
			sums, _ := filepath.Glob(filepath.Join(b.DataDir, "raft-partition", "partitions", "*", "snapshots", "*.checksum"))
			if len(sums) >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("broker %d has %d committed snapshots after a minute, want one per partition:\n%s", b.NodeID, len(sums), b.Log())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if code, _, stderr := e.run("backup", "--id", "good"); code != 0 {
		t.Fatalf("the fixture's backup: exit %d\n%s", code, stderr)
	}
	e.shutdown()
	return &hostileFixture{root: e.c.Root, brokers: e.c.Brokers, script: e.script, sim: simtest.Binary(t)}
}

// copyFor gives a case its own copy of the fixture and its cluster file.
func (f *hostileFixture) copyFor(t *testing.T) *hcase {
	t.Helper()
	c := &hcase{t: t, root: filepath.Join(t.TempDir(), "root")}
	if out, err := exec.Command("cp", "-a", f.root, c.root).CombinedOutput(); err != nil {
		t.Fatalf("copy the fixture: %v\n%s", err, out)
	}
	for _, leftover := range []string{"zeebe-backup.yaml", "repo/lock.json"} {
		os.Remove(filepath.Join(c.root, leftover))
	}
	c.write("zeebe-backup.yaml", f.clusterFile(c.root))
	t.Cleanup(func() {
		// A case that wrongly got as far as starting brokers must not leave them running.
		for _, b := range f.brokers {
			exec.Command(f.script, "stop", filepath.Join(c.root, filepath.Base(b.Dir))).Run()
		}
	})
	return c
}

// clusterFile describes the fixture's brokers below root: down, with health URLs that do not
// answer; version: stands in for the gateway a restore would ask.
func (f *hostileFixture) clusterFile(root string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "repository: %s/repo\nversion: 8.5.3\nbrokers:\n", root)
	for _, b := range f.brokers {
		dir := filepath.Join(root, filepath.Base(b.Dir))
		fmt.Fprintf(&sb, "  - nodeId: %d\n    host: local\n    config: %s/config/application.yaml\n    stop: {run: \"%s stop %s\", timeout: 5s}\n    start: {run: \"%s start %s %s\", timeout: 5s}\n    health: %s\n",
			b.NodeID, dir, f.script, dir, f.script, dir, f.sim, b.ManagementURL())
	}
	return sb.String()
}

func (c *hcase) path(rel string) string { return filepath.Join(c.root, rel) }

func (c *hcase) write(rel, data string) {
	c.t.Helper()
	p := c.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *hcase) read(rel string) []byte {
	c.t.Helper()
	b, err := os.ReadFile(c.path(rel))
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// bk is the path of a file of the backup "good".
func bk(name string) string { return "repo/zeebe-backup-good/" + name }

// manifest edits the backup's manifest as JSON.
func (c *hcase) manifest(edit func(m map[string]any)) {
	c.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.read(bk("manifest.json")), &m); err != nil {
		c.t.Fatal(err)
	}
	edit(m)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		c.t.Fatal(err)
	}
	c.write(bk("manifest.json"), string(b))
}

// mbroker is broker i's entry of a manifest.
func mbroker(m map[string]any, i int) map[string]any {
	return m["brokers"].([]any)[i].(map[string]any)
}

// storeFile replaces a stored file of broker i and updates the manifest's size and digest of it,
// so that only what is inside the file is hostile.
func (c *hcase) storeFile(i int, field string, data []byte) {
	c.t.Helper()
	var name string
	c.manifest(func(m map[string]any) {
		b := mbroker(m, i)
		name = b[field].(string)
		sum := sha256.Sum256(data)
		b[field+"Sha256"] = hex.EncodeToString(sum[:])
		if field == "archive" {
			b["archiveSize"] = len(data)
		}
	})
	c.write(bk(name), string(data))
}

// flip changes one byte in the middle of a file.
func (c *hcase) flip(rel string) {
	c.t.Helper()
	b := c.read(rel)
	b[len(b)/2] ^= 0x40
	c.write(rel, string(b))
}

// flipLast changes the last byte of a file: for a zstd stream, its checksum.
func (c *hcase) flipLast(rel string) {
	c.t.Helper()
	b := c.read(rel)
	b[len(b)-1] ^= 0x40
	c.write(rel, string(b))
}

// tarEntry is one entry of a hand-made archive.
type tarEntry struct {
	name, link string
	typ        byte
	data       string
	size       int64 // when set, the header claims this size and the stream ends after it
}

func tfile(name, data string) tarEntry        { return tarEntry{name: name, typ: tar.TypeReg, data: data} }
func tdir(name string) tarEntry               { return tarEntry{name: name, typ: tar.TypeDir} }
func tsymlink(name, to string) tarEntry       { return tarEntry{name: name, typ: tar.TypeSymlink, link: to} }
func thardlink(name, to string) tarEntry      { return tarEntry{name: name, typ: tar.TypeLink, link: to} }
func tspecial(name string, typ byte) tarEntry { return tarEntry{name: name, typ: typ} }

// tarZst builds a zstd-compressed tar stream of the entries.
func tarZst(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if e.typ == tar.TypeChar || e.typ == tar.TypeBlock {
			h.Devmajor, h.Devminor = 1, 3
		}
		if e.size > 0 {
			h.Size = e.size
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			tw = nil
			break
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if tw != nil {
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	zw, err := zstd.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(raw.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// snapshotCase records every file below the case's root (repository, data folders, configs,
// cluster file) with its content digest. Folder times are left out: a lock taken and released
// touches the repository folder's time and nothing else.
func snapshotCase(t *testing.T, root string) testtree.Snapshot {
	t.Helper()
	s, err := testtree.Take(root, testtree.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for p, in := range s {
		if in.Type == "dir" {
			in.ModTime = 0
			s[p] = in
		}
	}
	return s
}

// normalizer replaces what changes from run to run by fixed words.
type normalizer struct{ pairs []string }

var (
	clockRE = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d `)
	timeRE  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	portRE  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	msRE    = regexp.MustCompile(`\d+ms\b`)
	rateRE  = regexp.MustCompile(`\([0-9.]+ [KMG]?i?B/s\)`)
	// What depends on the data the fixture's brokers wrote before the backup: digests, sizes,
	// indexes and snapshot ids.
	sha256RE = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	xxh64RE  = regexp.MustCompile(`\b[0-9a-f]{16}\b`)
	bigRE    = regexp.MustCompile(`\b\d{5,}\b`)
	sizeRE   = regexp.MustCompile(`\b[0-9.]+ [KMG]iB\b`)
	spacesRE = regexp.MustCompile(` {2,}`) // table columns are as wide as the data
	rowRE    = regexp.MustCompile(`(?m)^  \d+ +\d+ +\d+\.\.\d+ .*$`)
)

func (n normalizer) apply(s string) string {
	s = strings.NewReplacer(n.pairs...).Replace(s)
	s = clockRE.ReplaceAllString(s, "hh:mm:ss ")
	s = timeRE.ReplaceAllString(s, "TIME")
	s = portRE.ReplaceAllString(s, "127.0.0.1:PORT")
	s = msRE.ReplaceAllString(s, "Nms")
	s = rateRE.ReplaceAllString(s, "(RATE)")
	s = rowRE.ReplaceAllString(s, "  <partition row>")
	s = spacesRE.ReplaceAllString(s, "  ")
	s = sha256RE.ReplaceAllString(s, "<sha256>")
	s = xxh64RE.ReplaceAllString(s, "<xxh64>")
	s = sizeRE.ReplaceAllString(s, "<size>")
	s = bigRE.ReplaceAllString(s, "<n>")
	return sortProgress(s)
}

// sortProgress keeps the warnings and errors among the progress lines, sorted (brokers work
// concurrently, so their order varies), and the rest after them in their order.
func sortProgress(s string) string {
	var progress, rest []string
	for _, l := range strings.SplitAfter(s, "\n") {
		switch {
		case strings.HasPrefix(l, "hh:mm:ss WARN "), strings.HasPrefix(l, "hh:mm:ss ERROR "),
			strings.HasPrefix(l, `{"time":`) && !strings.Contains(l, `"level":"info"`):
			progress = append(progress, l)
		case strings.HasPrefix(l, "hh:mm:ss "), strings.HasPrefix(l, `{"time":`):
			// Progress of work that runs concurrently: whether a broker's line comes before
			// another broker's failure stops the run depends on timing.
		default:
			rest = append(rest, l)
		}
	}
	sort.Strings(progress)
	return strings.Join(progress, "") + strings.Join(rest, "")
}

// hostileCommands are the commands that read a cluster file: the table gives them the case's.
var hostileCommands = map[string]bool{"backup": true, "restore": true, "list": true, "show": true, "verify": true, "status": true, "recover": true}

// runHostile runs one case: the tool on a fresh copy of the fixture, compared with its golden
// file, the copy unchanged.
func runHostile(t *testing.T, f *hostileFixture, hc hostileCase) {
	c := f.copyFor(t)
	if hc.setup != nil {
		hc.setup(c)
	}
	args := make([]string, len(hc.args))
	for i, a := range hc.args {
		args[i] = strings.ReplaceAll(a, "$ROOT", c.root)
	}
	if len(args) > 0 && hostileCommands[args[0]] && !hc.ownCluster {
		args = append(args, "--cluster", c.path("zeebe-backup.yaml"))
	}
	before := snapshotCase(t, c.root)
	cmd := exec.Command(tool(t), args...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), "HOME="+c.path("home"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the tool did not finish within a minute:\n%s", stderr.String())
	}
	code := cmd.ProcessState.ExitCode()
	if d := testtree.Diff(before, snapshotCase(t, c.root), true); len(d) > 0 {
		t.Errorf("the case changed files on disk:\n%s", testtree.DiffString(d))
	}
	if code != hc.code {
		t.Errorf("exit %d, want %d", code, hc.code)
	}
	wt, _ := filepath.Abs("../..")
	n := normalizer{pairs: []string{c.root, "$ROOT", f.root, "$FIXTURE", wt, "$SRC", simtest.Binary(t), "$SIM", tool(t), "$TOOL"}}
	got := fmt.Sprintf("$ zeebe-backup %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s",
		n.apply(strings.Join(quoteArgs(hc.args), " ")), code, n.apply(stdout.String()), n.apply(stderr.String()))
	golden := filepath.Join("testdata", "hostile", hc.name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to rewrite it):\n--- want\n%s\n--- got\n%s", golden, want, got)
	}
	for _, m := range hc.mentions {
		if !strings.Contains(stderr.String()+stdout.String(), strings.ReplaceAll(m, "$ROOT", c.root)) {
			t.Errorf("the output does not mention %q", m)
		}
	}
	for _, s := range hc.secrets {
		if strings.Contains(stderr.String()+stdout.String(), s) {
			t.Errorf("the output shows the secret %q", s)
		}
	}
}

// quoteArgs makes control characters and empty arguments visible in the golden file's command line.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return r < 0x20 || r == ' ' || r == 0x7f }) {
			a = fmt.Sprintf("%q", a)
		}
		if len(a) > 80 {
			a = a[:40] + fmt.Sprintf("...(%d bytes)", len(a))
		}
		out[i] = a
	}
	return out
}
