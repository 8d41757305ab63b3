package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/gen"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// runStreams runs zeebe-backup in-process with stdin and its terminal flag.
func runStreams(t *testing.T, stdin string, terminal bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Execute(context.Background(), cli.Streams{In: strings.NewReader(stdin), Out: &out, Err: &errb, InIsTerminal: terminal}, args, plugins())
	return code, out.String(), errb.String()
}

// decodeStrict decodes exactly one JSON value of the documented shape: no unknown field, nothing
// after it.
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

// requireKeys checks that the JSON object out has each key (dotted for nested objects).
func requireKeys(t *testing.T, what, out string, keys ...string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, k := range keys {
		cur := any(m)
		for _, part := range strings.Split(k, ".") {
			obj, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur, ok = obj[part]
			if !ok {
				cur = nil
				break
			}
		}
		if cur == nil {
			t.Errorf("%s: required field %q is missing or null in:\n%s", what, k, out)
		}
	}
}

// The error object of docs/json-output.md.
type errorDoc struct {
	Error struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	} `json:"error"`
}

// clusterFile writes a one-broker cluster file on this host whose management endpoint is health.
func clusterFile(t *testing.T, health string) (file, repoDir string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config", "application.yaml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	os.WriteFile(cfg, []byte("zeebe:\n  broker:\n    cluster: {nodeId: 0, clusterSize: 1, partitionsCount: 1, replicationFactor: 1}\n    data: {directory: "+filepath.Join(dir, "data")+"}\n"), 0o644)
	repoDir = filepath.Join(dir, "repo")
	file = filepath.Join(dir, "zeebe-backup.yaml")
	os.WriteFile(file, []byte("repository: "+repoDir+"\nbrokers:\n  - nodeId: 0\n    host: local\n    config: "+cfg+
		"\n    stop: \"true\"\n    start: \"true\"\n    health: "+health+"\n"), 0o644)
	return file, repoDir
}

// closedPort is a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	return url
}

// commit stores a manifest-only backup (enough for list, show and the restore question).
func commit(t *testing.T, repoDir, id, tool string, at time.Time) {
	t.Helper()
	s, err := local.New(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	m := &repo.Manifest{FormatVersion: repo.ManifestFormat, ToolVersion: tool, ID: id, ZeebeVersion: "8.5.3", Compression: "zstd",
		Cluster: repo.ClusterShape{ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1},
		Times:   repo.Times{StopRequested: at, AllDown: at.Add(time.Second), DataCaptured: at.Add(2 * time.Second), Started: at.Add(3 * time.Second), Ready: at.Add(4 * time.Second), Committed: at.Add(5 * time.Second)},
		Brokers: []repo.BrokerRecord{{NodeID: 0, Host: "local", DataDir: "/data", Archive: "zeebe-broker-0-data.tar.zst"}}}
	if err := repo.Open(s).Commit(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// With --json, a failure prints exactly the error object on standard output, with the exit
// status as its code and standard error's message.
func TestJSONErrorObject(t *testing.T) {
	dir := t.TempDir()
	file, _ := clusterFile(t, closedPort(t))
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"nope", "--json"}, cli.ExitUsage},
		{[]string{"show", "nope", "--json", "--repo", dir}, cli.ExitUsage},
		{[]string{"verify", "nope", "--json", "--repo", dir}, cli.ExitUsage},
		{[]string{"show", "latest", "--json", "--repo", dir}, cli.ExitUsage},
		{[]string{"inspect", "--json", filepath.Join(dir, "no-such-folder")}, cli.ExitUsage},
		{[]string{"list", "--json", "--cluster", filepath.Join(dir, "nope.yaml")}, cli.ExitUsage},
		{[]string{"restore", "nope", "--json", "--cluster", file}, cli.ExitUsage},
		{[]string{"backup", "--json", "--id", "latest", "--cluster", file}, cli.ExitUsage},
		{[]string{"restore", "nope", "--json", "--no-such-flag", "--cluster", file}, cli.ExitUsage},
	}
	for _, c := range cases {
		code, stdout, stderr := runStreams(t, "", false, c.args...)
		var doc errorDoc
		decodeStrict(t, fmt.Sprint(c.args), stdout, &doc)
		if doc.Error.Code == nil || doc.Error.Message == nil {
			t.Fatalf("%v: error object without code or message: %s", c.args, stdout)
		}
		if code != c.code || *doc.Error.Code != code {
			t.Errorf("%v: exit %d, code %d in the object; want %d\n%s", c.args, code, *doc.Error.Code, c.code, stderr)
		}
		if *doc.Error.Message == "" || !strings.Contains(stderr, "zeebe-backup: "+*doc.Error.Message+"\n") {
			t.Errorf("%v: message %q is not standard error's:\n%s", c.args, *doc.Error.Message, stderr)
		}
	}
}

// An unknown command is a usage error (2), at the top and under archive; without --json nothing
// goes to standard output.
func TestUnknownCommandIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"archive", "nope"}, {"restor", "x"}} {
		code, stdout, stderr := runStreams(t, "", false, args...)
		if code != cli.ExitUsage || !strings.Contains(stderr, "unknown command") || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, unknown command", args, code, stdout, stderr, cli.ExitUsage)
		}
	}
	if code, _, stderr := runStreams(t, "", false, "restor", "x"); !strings.Contains(stderr, "restore") {
		t.Errorf("restor: exit %d, no suggestion: %q", code, stderr)
	}
}

// show and restore of a backup the repository does not hold exit alike (2, the id is wrong),
// and name the id.
func TestShowAndRestoreOfAnUnknownBackupAgree(t *testing.T) {
	file, repoDir := clusterFile(t, closedPort(t))
	commit(t, repoDir, "real", "v1", time.Now().Add(-time.Hour))
	show, _, showErr := runStreams(t, "", false, "show", "nope", "--cluster", file)
	restore, _, restoreErr := runStreams(t, "", false, "restore", "nope", "--cluster", file)
	if show != cli.ExitUsage || restore != cli.ExitUsage {
		t.Fatalf("show nope: exit %d, restore nope: exit %d; want both %d\n%s\n%s", show, restore, cli.ExitUsage, showErr, restoreErr)
	}
	for _, e := range []string{showErr, restoreErr} {
		if !strings.Contains(e, `no such backup "nope"`) {
			t.Errorf("does not name the id: %q", e)
		}
	}
}

// "latest" is the newest complete backup by commit time, named on standard error; show prints
// the version of zeebe-backup that made the backup.
func TestShowLatest(t *testing.T) {
	file, repoDir := clusterFile(t, closedPort(t))
	now := time.Now().UTC().Truncate(time.Second)
	commit(t, repoDir, "zz-older", "v1.0.0", now.Add(-2*time.Hour))
	commit(t, repoDir, "aa-newer", "v1.1.0", now.Add(-time.Hour))
	code, stdout, stderr := runStreams(t, "", false, "show", "latest", "--cluster", file)
	if code != 0 || !strings.Contains(stderr, "latest is backup aa-newer") || !strings.Contains(stdout, "backup aa-newer") {
		t.Fatalf("show latest: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "made by         zeebe-backup v1.1.0 (this is zeebe-backup "+cli.ToolVersion()+")") {
		t.Errorf("show does not say which zeebe-backup made the backup:\n%s", stdout)
	}
	code, stdout, _ = runStreams(t, "", false, "show", "latest", "--json", "--cluster", file)
	var m repo.Manifest
	decodeStrict(t, "show --json", stdout, &m)
	if code != 0 || m.ID != "aa-newer" || m.ToolVersion != "v1.1.0" {
		t.Errorf("show latest --json: exit %d, %+v", code, m)
	}
	code, stdout, _ = runStreams(t, "", false, "list", "--json", "--cluster", file)
	var ms []repo.Manifest
	decodeStrict(t, "list --json", stdout, &ms)
	if code != 0 || len(ms) != 2 {
		t.Errorf("list --json: exit %d, %d manifests", code, len(ms))
	}
}

// On a terminal, restore says what it will do and goes on only on "yes"; --yes, --json and a
// standard input that is not a terminal do not ask.
func TestRestoreAsksOnATerminal(t *testing.T) {
	file, repoDir := clusterFile(t, closedPort(t))
	commit(t, repoDir, "b1", "v1", time.Now().Add(-time.Hour))
	const question = "Type yes to go on: "
	code, stdout, stderr := runStreams(t, "no\n", true, "restore", "latest", "--cluster", file)
	if code != cli.ExitRefused || !strings.Contains(stderr, "latest is backup b1") || !strings.Contains(stderr, "restore backup b1") ||
		!strings.Contains(stderr, "all 1 brokers will be stopped") || !strings.Contains(stderr, question) || !strings.Contains(stderr, "not confirmed") {
		t.Fatalf("answered no: exit %d, want %d\n%s\n%s", code, cli.ExitRefused, stdout, stderr)
	}
	if _, _, stderr := runStreams(t, "", true, "restore", "b1", "--cluster", file); !strings.Contains(stderr, "not confirmed") {
		t.Errorf("no answer (end of input) went on:\n%s", stderr)
	}
	// "yes" goes on to the restore, which its pre-flight refuses here (no archives, broker down).
	code, _, stderr = runStreams(t, "yes\n", true, "restore", "b1", "--cluster", file)
	if !strings.Contains(stderr, question) || strings.Contains(stderr, "not confirmed") || !strings.Contains(stderr, "restore refused") {
		t.Errorf("answered yes: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{{"--yes"}, {"-y"}, {"--json"}} {
		_, _, stderr := runStreams(t, "", true, append([]string{"restore", "b1", "--cluster", file}, args...)...)
		if strings.Contains(stderr, question) || !strings.Contains(stderr, "restore refused") {
			t.Errorf("%v on a terminal:\n%s", args, stderr)
		}
	}
	if _, _, stderr := runStreams(t, "", false, "restore", "b1", "--cluster", file); strings.Contains(stderr, question) || !strings.Contains(stderr, "restore refused") {
		t.Errorf("not a terminal:\n%s", stderr)
	}
}

// The documented shape of status --json.
type statusDoc struct {
	OK      *bool `json:"ok"`
	Brokers []struct {
		NodeID     *int    `json:"nodeId"`
		Host       *string `json:"host"`
		Health     *string `json:"health"`
		State      *string `json:"state"`
		HTTPStatus int     `json:"httpStatus"`
		DataDir    *string `json:"dataDir"`
		Locked     string  `json:"locked"`
	} `json:"brokers"`
	Repository *string `json:"repository"`
	Unfinished *struct {
		Holder    *repo.Holder    `json:"holder"`
		Operation *repo.Operation `json:"operation"`
		Message   *string         `json:"message"`
	} `json:"unfinished"`
}

// status exits 0 only when every broker is ready and nothing is unfinished: 6 for a broker
// that is down or not ready, 7 for an unfinished operation; --json prints the status all the
// same.
func TestStatusExitCodesForMonitoring(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ready" || !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	file, repoDir := clusterFile(t, srv.URL)
	check := func(name string, wantCode int, wantState string, unfinished bool) {
		t.Helper()
		code, stdout, stderr := runStreams(t, "", false, "status", "--json", "--cluster", file)
		var st statusDoc
		decodeStrict(t, "status --json", stdout, &st)
		requireKeys(t, "status --json", stdout, "ok", "brokers", "repository")
		if code != wantCode || st.OK == nil || *st.OK != (wantCode == 0) || len(st.Brokers) != 1 || *st.Brokers[0].State != wantState || (st.Unfinished != nil) != unfinished {
			t.Errorf("%s: exit %d (want %d), %s\n%s", name, code, wantCode, stdout, stderr)
		}
		if code, _, _ := runStreams(t, "", false, "status", "--cluster", file); code != wantCode {
			t.Errorf("%s without --json: exit %d, want %d", name, code, wantCode)
		}
	}
	check("all ready", 0, "ready", false)
	ready = false
	check("not ready", cli.ExitIncomplete, "not-ready", false)
	down := closedPort(t)
	file2, _ := clusterFile(t, down)
	if code, stdout, _ := runStreams(t, "", false, "status", "--json", "--cluster", file2); code != cli.ExitIncomplete || !strings.Contains(stdout, `"state": "down"`) {
		t.Errorf("broker down: exit %d\n%s", code, stdout)
	}
	ready = true
	s, err := local.New(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	r := repo.Open(s)
	if _, err := r.Begin(context.Background(), repo.ThisProcess("zeebe-backup backup", time.Now()), repo.Operation{Kind: "backup", ID: "b9", Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	check("unfinished", cli.ExitLocked, "ready", true)
}

// The documented shape of inspect --json (and of each broker of verify --deep --json).
type reportDoc struct {
	Dir          string  `json:"dir"`
	NodeID       *int    `json:"nodeId"`
	Group        *string `json:"group"`
	ZeebeVersion string  `json:"zeebeVersion"`
	MigratedBy   string  `json:"migratedBy"`
	Bytes        *int64  `json:"bytes"`
	Partitions   []struct {
		ID       *int    `json:"id"`
		Journal  *string `json:"journal"`
		Segments []struct {
			File       *string `json:"file"`
			FileID     *int64  `json:"fileId"`
			Size       *int64  `json:"size"`
			Prepared   *bool   `json:"prepared"`
			FirstIndex *uint64 `json:"firstIndex"`
			LastIndex  *uint64 `json:"lastIndex"`
			TornAt     *int64  `json:"tornAt"`
		} `json:"segments"`
		FirstIndex   *uint64  `json:"firstIndex"`
		LastIndex    *uint64  `json:"lastIndex"`
		LastTerm     *uint64  `json:"lastTerm"`
		LastPosition *int64   `json:"lastPosition"`
		FlushedIndex *uint64  `json:"flushedIndex"`
		CommitIndex  *uint64  `json:"commitIndex"`
		Term         *uint64  `json:"term"`
		VotedFor     string   `json:"votedFor"`
		Members      []string `json:"members"`
		Lock         string   `json:"lock"`
		Snapshot     *struct {
			ID                *string `json:"id"`
			Index             *uint64 `json:"index"`
			Term              *uint64 `json:"term"`
			ProcessedPosition *int64  `json:"processedPosition"`
			ExportedPosition  *int64  `json:"exportedPosition"`
			Files             *int    `json:"files"`
			Bytes             *int64  `json:"bytes"`
		} `json:"snapshot"`
	} `json:"partitions"`
	Topology *struct {
		Version          *int64 `json:"version"`
		ChangeInProgress *bool  `json:"changeInProgress"`
		ClusterID        string `json:"clusterId"`
		Members          []struct {
			NodeID     *int    `json:"nodeId"`
			Version    *int64  `json:"version"`
			State      *string `json:"state"`
			Partitions []struct {
				ID       *int    `json:"id"`
				State    *string `json:"state"`
				Priority *int    `json:"priority"`
			} `json:"partitions"`
		} `json:"members"`
	} `json:"topology"`
	Findings []findingDoc `json:"findings"`
	Errors   *int         `json:"errors"`
}

type findingDoc struct {
	Severity  *string `json:"severity"`
	Check     *string `json:"check"`
	Broker    *int    `json:"broker"`
	Partition int     `json:"partition"`
	File      string  `json:"file"`
	Offset    *int64  `json:"offset"`
	Message   *string `json:"message"`
}

// inspect --json prints the documented camelCase shape; Zeebe's null commit index (before 8.7)
// is absent, not 18446744073709551615.
func TestInspectJSONShape(t *testing.T) {
	for _, version := range []string{"8.5.3", "8.7.0"} {
		dir := filepath.Join(t.TempDir(), "data")
		if err := gen.Write(dir, gen.Options{Version: version, NodeID: 1, Size: 2 << 20, SegmentSize: 1 << 20, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runStreams(t, "", false, "inspect", "--json", "--node-id", "1", dir)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", version, code, stderr)
		}
		var rep reportDoc
		decodeStrict(t, "inspect --json "+version, stdout, &rep)
		requireKeys(t, "inspect --json", stdout, "dir", "nodeId", "group", "bytes", "partitions", "findings", "errors")
		if rep.NodeID == nil || *rep.NodeID != 1 || rep.ZeebeVersion != version || len(rep.Partitions) == 0 || rep.Findings == nil {
			t.Fatalf("%s: %+v", version, rep)
		}
		for _, p := range rep.Partitions {
			if p.ID == nil || len(p.Segments) == 0 || p.Snapshot == nil || p.FlushedIndex == nil || p.Members == nil {
				t.Errorf("%s: partition %s", version, stdout)
			}
			if (p.CommitIndex != nil) != (version == "8.7.0") {
				t.Errorf("%s: commit index %v: present only from 8.7", version, p.CommitIndex)
			}
		}
		if strings.Contains(stdout, "18446744073709551615") {
			t.Errorf("%s: a null index printed as a number:\n%s", version, stdout)
		}
		if rep.Topology == nil || len(rep.Topology.Members) == 0 {
			t.Errorf("%s: no topology (written from 8.4):\n%s", version, stdout)
		}
	}
}

// A broker's lock file that cannot be read (here a folder in its place) makes status exit 7,
// naming it, and never print "no unfinished operation".
func TestStatusUnreadableBrokerLock(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	file, _ := clusterFile(t, srv.URL)
	lock := filepath.Join(filepath.Dir(file), "data.zeebe-backup-lock")
	if err := os.MkdirAll(lock, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runStreams(t, "", false, "status", "--cluster", file)
	if code != cli.ExitLocked || strings.Contains(stdout, "no unfinished operation") || !strings.Contains(stdout, lock) || !strings.Contains(stderr, lock) {
		t.Fatalf("exit %d, want %d naming %s:\n%s\n%s", code, cli.ExitLocked, lock, stdout, stderr)
	}
	code, stdout, _ = runStreams(t, "", false, "status", "--json", "--cluster", file)
	var st statusDoc
	decodeStrict(t, "status --json", stdout, &st)
	if code != cli.ExitLocked || *st.OK || !strings.Contains(st.Brokers[0].Locked, lock) {
		t.Fatalf("--json: exit %d:\n%s", code, stdout)
	}
}
