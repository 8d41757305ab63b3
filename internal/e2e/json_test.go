package e2e_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// decodeStrict decodes exactly one JSON value of the documented shape (docs/json-output.md):
// no unknown field, nothing after it.
func decodeStrict(t *testing.T, what, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v in:\n%s", what, err, out)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s: more than one JSON value on standard output:\n%s", what, out)
	}
}

// The documented shapes, written down here independently of the tool's types.
type verifyDoc struct {
	ID       *string           `json:"id"`
	Deep     *bool             `json:"deep"`
	OK       *bool             `json:"ok"`
	Damaged  []string          `json:"damaged"`
	Brokers  []json.RawMessage `json:"brokers"`
	Findings []json.RawMessage `json:"findings"`
}

type brokerReportDoc struct {
	NodeID       *int              `json:"nodeId"`
	Group        *string           `json:"group"`
	ZeebeVersion string            `json:"zeebeVersion"`
	MigratedBy   string            `json:"migratedBy"`
	Bytes        *int64            `json:"bytes"`
	Partitions   []json.RawMessage `json:"partitions"`
	Topology     json.RawMessage   `json:"topology"`
	Findings     []json.RawMessage `json:"findings"`
	Errors       *int              `json:"errors"`
}

type restoreDoc struct {
	ID       *string    `json:"id"`
	Complete *bool      `json:"complete"`
	Stopped  *time.Time `json:"stopped"`
	Ready    *time.Time `json:"ready"`
	Downtime *int64     `json:"downtimeMs"`
	Previous []struct {
		NodeID *int    `json:"nodeId"`
		Dir    *string `json:"dir"`
	} `json:"previous"`
	Backup *repo.Manifest `json:"backup"`
}

type recoverDoc struct {
	Recovered *bool           `json:"recovered"`
	Operation *repo.Operation `json:"operation"`
	Started   []int           `json:"started"`
}

type errorDoc struct {
	Error struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	} `json:"error"`
}

// buildVersioned builds the tool with its version set at build time, as a release build does.
func buildVersioned(t *testing.T, version string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zeebe-backup")
	out, err := exec.Command("go", "build", "-o", bin, "-ldflags", "-X github.com/zeebe-backup/zeebe-backup/internal/cli.Version="+version,
		"github.com/zeebe-backup/zeebe-backup/cmd/zeebe-backup").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// Every command's --json against a running cluster decodes into its documented shape with no
// unknown field; "latest" resolves; restore prints its downtime; the manifest and show carry
// the version of the binary that made the backup.
func TestJSONOutputOfEveryCommand(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()

	versioned := buildVersioned(t, "v9.8.7-test")
	out, err := exec.Command(versioned, "--version").Output()
	if err != nil || !strings.Contains(string(out), "v9.8.7-test") {
		t.Fatalf("--version: %q, %v", out, err)
	}
	cmd := exec.Command(versioned, "backup", "--json", "--id", "first", "--cluster", e.clusterFile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr.String())
	}
	var m repo.Manifest
	decodeStrict(t, "backup --json", string(out), &m)
	if m.ID != "first" || m.ToolVersion != "v9.8.7-test" || len(m.Brokers) != 3 {
		t.Fatalf("backup --json: id %q, tool %q, %d brokers", m.ID, m.ToolVersion, len(m.Brokers))
	}
	if code, out, stderr := e.run("backup", "--json", "--id", "second"); code != 0 {
		t.Fatalf("second backup: exit %d\n%s", code, stderr)
	} else {
		decodeStrict(t, "backup --json", out, &m)
	}

	code, stdout, stderr2 := e.run("show", "first")
	if code != 0 || !strings.Contains(stdout, "made by         zeebe-backup v9.8.7-test") {
		t.Errorf("show: exit %d, does not name the version that made the backup:\n%s\n%s", code, stdout, stderr2)
	}
	var ms []repo.Manifest
	code, stdout, _ = e.run("list", "--json")
	decodeStrict(t, "list --json", stdout, &ms)
	if code != 0 || len(ms) != 2 {
		t.Fatalf("list --json: exit %d, %d backups", code, len(ms))
	}
	code, stdout, stderr2 = e.run("show", "latest", "--json")
	decodeStrict(t, "show --json", stdout, &m)
	if code != 0 || m.ID != "second" || !strings.Contains(stderr2, "latest is backup second") {
		t.Errorf("show latest: exit %d, id %q\n%s", code, m.ID, stderr2)
	}

	code, stdout, stderr2 = e.run("verify", "--deep", "--json", "latest")
	var v verifyDoc
	decodeStrict(t, "verify --json", stdout, &v)
	if code != 0 || v.ID == nil || *v.ID != "second" || v.OK == nil || !*v.OK || v.Damaged == nil || len(v.Brokers) != 3 || v.Findings == nil {
		t.Fatalf("verify --deep --json: exit %d\n%s\n%s", code, stdout, stderr2)
	}
	for _, b := range v.Brokers {
		var rep brokerReportDoc
		decodeStrict(t, "verify --json broker", string(b), &rep)
		if rep.NodeID == nil || len(rep.Partitions) == 0 || rep.Errors == nil || rep.ZeebeVersion != "8.5.3" {
			t.Errorf("verify broker report: %s", b)
		}
	}
	if strings.Contains(stdout, "18446744073709551615") || strings.Contains(stdout, "null") {
		t.Errorf("verify --json prints a null sentinel or a null list:\n%s", stdout)
	}

	code, stdout, stderr2 = e.run("status", "--json")
	if code != 0 || !strings.Contains(stdout, `"ok": true`) {
		t.Errorf("status of a ready cluster: exit %d\n%s\n%s", code, stdout, stderr2)
	}

	// restore from a script (stdin not a terminal): no question.
	code, stdout, stderr2 = e.run("restore", "--json", "latest")
	var r restoreDoc
	decodeStrict(t, "restore --json", stdout, &r)
	if code != 0 || r.ID == nil || *r.ID != "second" || r.Complete == nil || !*r.Complete || r.Ready == nil || r.Stopped == nil ||
		r.Downtime == nil || *r.Downtime <= 0 || r.Ready.Sub(*r.Stopped).Milliseconds() != *r.Downtime || len(r.Previous) != 3 || r.Backup == nil || r.Backup.ID != "second" {
		t.Fatalf("restore --json: exit %d\n%s\n%s", code, stdout, stderr2)
	}
	if strings.Contains(stderr2, "Type yes") {
		t.Errorf("restore asked for confirmation without a terminal:\n%s", stderr2)
	}
	for _, p := range r.Previous {
		os.RemoveAll(*p.Dir)
	}
	code, stdout, stderr2 = e.run("restore", "first")
	if code != 0 || !strings.Contains(stdout, "backup first restored onto 3 brokers; downtime ") {
		t.Errorf("restore does not print its downtime: exit %d\n%s\n%s", code, stdout, stderr2)
	}

	code, stdout, stderr2 = e.run("recover", "--json")
	var rec recoverDoc
	decodeStrict(t, "recover --json", stdout, &rec)
	if code != 0 || rec.Recovered == nil || *rec.Recovered || rec.Started == nil || rec.Operation != nil {
		t.Errorf("recover --json with nothing to do: exit %d\n%s\n%s", code, stdout, stderr2)
	}
}

// A repository on a read-only filesystem is found before any broker is stopped: a pre-flight
// refusal (5), with the error object under --json, and every broker keeps running.
func TestReadOnlyRepositoryIsAPreflightRefusal(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if err := os.MkdirAll(e.repoDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", e.repoDir, "tmpfs", syscall.MS_RDONLY, "size=64m"); err != nil {
		t.Fatalf("mount a read-only filesystem on the repository (the test runs as root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(e.repoDir, 0) })
	pids := map[int]int{}
	for _, b := range e.c.Brokers {
		pids[b.NodeID] = pid(b)
	}
	code, stdout, stderr := e.run("backup", "--json")
	var doc errorDoc
	decodeStrict(t, "backup --json", stdout, &doc)
	if code != cli.ExitRefused || doc.Error.Code == nil || *doc.Error.Code != cli.ExitRefused || !strings.Contains(stderr, "read-only file system") {
		t.Fatalf("backup to a read-only repository: exit %d, want %d\n%s\n%s", code, cli.ExitRefused, stdout, stderr)
	}
	if strings.Contains(stderr, "stopping all") {
		t.Errorf("a broker was stopped:\n%s", stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) || pid(b) != pids[b.NodeID] {
			t.Errorf("broker %d was stopped or restarted", b.NodeID)
		}
	}
}
