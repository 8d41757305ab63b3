package cli_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// run executes zeebe-backup with args in-process and returns its exit code and output.
func run(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Execute(context.Background(), cli.Streams{In: bytes.NewReader(stdin), Out: &out, Err: &errb}, args, plugins())
	return code, out.String(), errb.String()
}

// plugins are the registries main builds.
func plugins() cli.Plugins {
	return cli.Plugins{Stores: storage.NewRegistry(local.Backend()), Hosts: broker.NewRegistry(broker.LocalKind())}
}

func TestArchiveCreateAndExtractRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	if err := testtree.Mixed(src, 2<<20, 5); err != nil {
		t.Fatal(err)
	}
	want, err := testtree.Take(src, testtree.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b.tar.zst", "b.tar.gz", "b.tar"} {
		arch := filepath.Join(t.TempDir(), name)
		code, stdout, stderr := run(t, nil, "archive", "create", "--json", src, arch)
		if code != cli.ExitOK {
			t.Fatalf("create %s: exit %d: %s", name, code, stderr)
		}
		var sum archive.Summary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("create --json printed %q: %v", stdout, err)
		}
		c, _ := archive.CompressionForName(name)
		if sum.Compression != c || sum.HardLinks == 0 || len(sum.SHA256) != 64 {
			t.Errorf("summary %+v: want %s with hard links and a digest", sum, c)
		}
		dst := filepath.Join(t.TempDir(), "restored")
		if code, _, stderr := run(t, nil, "archive", "extract", arch, dst); code != cli.ExitOK {
			t.Fatalf("extract %s: exit %d: %s", name, code, stderr)
		} else if !strings.Contains(stderr, "extracted") {
			t.Errorf("extract said nothing of what it did: %q", stderr)
		}
		got, err := testtree.Take(dst, testtree.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := testtree.Diff(want, got, true); len(d) > 0 {
			t.Fatalf("%s: restored tree differs:\n%s", name, testtree.DiffString(d))
		}
		if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(arch), ".*tmp*")); len(tmp) > 0 {
			t.Errorf("temporary files left beside the archive: %v", tmp)
		}
	}
}

func TestArchiveThroughStandardStreams(t *testing.T) {
	src := filepath.Join(t.TempDir(), "data")
	testtree.Build(src, []testtree.Node{{Path: "a/b", Data: []byte("hello")}})
	code, stdout, stderr := run(t, nil, "archive", "create", "-q", src, "-")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("create to stdout: exit %d, stderr %q", code, stderr)
	}
	dst := filepath.Join(t.TempDir(), "x")
	if code, _, stderr := run(t, []byte(stdout), "archive", "extract", "-q", "-", dst); code != cli.ExitOK {
		t.Fatalf("extract from stdin: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "a", "b")); err != nil || string(b) != "hello" {
		t.Fatalf("read back %q, %v", b, err)
	}
}

func TestUsageErrorsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"archive", "create", dir}, cli.ExitUsage, "accepts 2 arg(s)"},
		{[]string{"archive", "create", dir, filepath.Join(dir, "x.zip")}, cli.ExitUsage, "end it in .tar.zst, .tar.gz or .tar"},
		{[]string{"archive", "create", "--compression", "lz4", dir, "-"}, cli.ExitUsage, "--compression"},
		{[]string{"archive", "create", "--no-such-flag", dir, "-"}, cli.ExitUsage, "unknown flag"},
		{[]string{"archive", "extract", filepath.Join(dir, "missing.tar.zst"), filepath.Join(dir, "x")}, cli.ExitUsage, "missing.tar.zst"},
		{[]string{"archive", "create", filepath.Join(dir, "no-such-dir"), "-"}, cli.ExitFailed, "no-such-dir"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.mention) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.mention)
		}
	}
}

func TestUnsafeArchiveExitCode(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "../escape", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	code, _, stderr := run(t, buf.Bytes(), "archive", "extract", "-", filepath.Join(t.TempDir(), "x"))
	if code != cli.ExitUnsafe || !strings.Contains(stderr, "../escape") {
		t.Fatalf("exit %d, stderr %q: want exit %d naming the entry", code, stderr, cli.ExitUnsafe)
	}
}

func TestHelpHasExamplesAndExitCodes(t *testing.T) {
	_, stdout, _ := run(t, nil, "--help")
	if !strings.Contains(stdout, "Exit status:") || !strings.Contains(stdout, "130") {
		t.Errorf("root help lacks the exit codes:\n%s", stdout)
	}
	for _, sub := range []string{"create", "extract"} {
		_, stdout, _ := run(t, nil, "archive", sub, "--help")
		if !strings.Contains(stdout, "Examples:") {
			t.Errorf("archive %s --help has no examples:\n%s", sub, stdout)
		}
	}
}

func TestClusterCommandsNameTheMissingFile(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"backup"}, {"restore", "x"}, {"recover"}, {"status"}, {"list"}} {
		code, _, stderr := run(t, nil, append(args, "--cluster", dir+"/nope.yaml")...)
		if code != cli.ExitUsage || !strings.Contains(stderr, "nope.yaml") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

func TestRestoreSetFlagIsChecked(t *testing.T) {
	for _, bad := range []string{"advertisedHost=x", "x.key=1", "0.=1", "-1.key=1", "0.key"} {
		code, _, stderr := run(t, nil, "restore", "id", "--set", bad, "--cluster", "/nonexistent.yaml")
		if code != cli.ExitUsage || !strings.Contains(stderr, "NODEID.KEY=VALUE") {
			t.Errorf("--set %q: exit %d, %q", bad, code, stderr)
		}
	}
}

func TestListAndShowOnAnEmptyRepository(t *testing.T) {
	dir := t.TempDir()
	code, stdout, _ := run(t, nil, "list", "--repo", dir)
	if code != 0 || !strings.Contains(stdout, "no backups") {
		t.Errorf("list: exit %d, %q", code, stdout)
	}
	code, _, stderr := run(t, nil, "show", "nothing", "--repo", dir)
	if code != cli.ExitUsage || !strings.Contains(stderr, `no such backup "nothing"`) {
		t.Errorf("show: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, nil, "show", "../etc", "--repo", dir)
	if code != cli.ExitUsage {
		t.Errorf("show ../etc: exit %d, %q", code, stderr)
	}
}

// A relative --repo is taken from the current folder, for list as for a cluster's commands.
func TestRelativeRepoFlagIsMadeAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, stdout, stderr := run(t, nil, "list", "--repo", "backups/zeebe")
	if want := "no backups in " + filepath.Join(dir, "backups", "zeebe"); code != cli.ExitOK || !strings.Contains(stdout, want) {
		t.Errorf("list --repo backups/zeebe: exit %d, %q %q; want %q", code, stdout, stderr, want)
	}
}

// A broker on another host is refused with a message that says what is supported.
func TestSSHHostsAreRefusedClearly(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config", "application.yaml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	os.WriteFile(cfg, []byte("zeebe:\n  broker:\n    cluster: {nodeId: 0, clusterSize: 1}\n"), 0o644)
	file := filepath.Join(dir, "zeebe-backup.yaml")
	os.WriteFile(file, []byte("repository: "+filepath.Join(dir, "repo")+"\nbrokers:\n  - nodeId: 0\n    host: ssh://zeebe@127.0.0.1\n    config: "+cfg+
		"\n    stop: systemctl stop zeebe\n    start: systemctl start zeebe\n    health: http://127.0.0.1:9\n"), 0o644)
	code, _, stderr := run(t, nil, "backup", "--cluster", file)
	if code == 0 || !strings.Contains(stderr, "only host: local is supported") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
