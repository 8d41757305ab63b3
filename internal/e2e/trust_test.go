package e2e_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

// state is what a refused run must leave as it was: every file under the env's root (the
// repository, the cluster files, the configurations, whatever a test put there) except what
// the running brokers write (their logs, and below the top of their data folders), and the
// names at the top of every data folder; and the process of every broker.
type state struct {
	tree testtree.Snapshot
	top  map[int][]string
	pids map[int]int
}

func (e *env) state(t *testing.T) state {
	t.Helper()
	data := map[string]bool{}
	for _, b := range e.c.Brokers {
		rel, err := filepath.Rel(e.c.Root, b.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		data[rel] = true
	}
	tree, err := testtree.Take(e.c.Root, testtree.Options{SkipRootTimes: true, Skip: func(rel string) bool {
		if data[rel] || filepath.Base(rel) == "broker.log" {
			return true // its entries are compared by name below; the broker writes in them
		}
		return false
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := state{tree: tree, top: map[int][]string{}, pids: map[int]int{}}
	for _, b := range e.c.Brokers {
		names, err := os.ReadDir(b.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			s.top[b.NodeID] = append(s.top[b.NodeID], n.Name())
		}
		s.pids[b.NodeID] = pid(b)
	}
	return s
}

// unchanged fails the test when anything of before changed or a broker was stopped.
func (e *env) unchanged(t *testing.T, what string, before state) {
	t.Helper()
	after := e.state(t)
	if d := testtree.Diff(before.tree, after.tree, true); len(d) > 0 {
		t.Errorf("%s changed files:\n%s", what, testtree.DiffString(d))
	}
	for _, b := range e.c.Brokers {
		if strings.Join(before.top[b.NodeID], ",") != strings.Join(after.top[b.NodeID], ",") {
			t.Errorf("%s changed the data folder of broker %d: %v, was %v", what, b.NodeID, after.top[b.NodeID], before.top[b.NodeID])
		}
		if !ready(b) || after.pids[b.NodeID] != before.pids[b.NodeID] {
			t.Errorf("%s stopped or restarted broker %d", what, b.NodeID)
		}
	}
}

// runFile runs the tool with a cluster file of its own.
func runFile(t *testing.T, file string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(tool(t), append(args, "--cluster", file)...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

// A lock.json forged by someone who can write to the repository, naming another folder as a
// broker's staging folder or as a backup's own folder: recover refuses it (5) naming the field
// and lock.json, removes nothing and stops no broker.
func TestRecoverRefusesAForgedLock(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "sec1j"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	victim := filepath.Join(e.c.Root, "some", "path")
	if err := os.MkdirAll(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(victim, "precious"), []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	for _, c := range []struct {
		name, want string
		op         repo.Operation
	}{
		{"restore staging elsewhere", `the operation record's staging is "` + victim + `"`, repo.Operation{Kind: "restore", ID: "sec1j",
			Brokers: []repo.OpBroker{{NodeID: 0, DataDir: e.c.Brokers[0].DataDir, ConfigPath: e.c.Brokers[0].ConfigPath, Stopped: true, Staging: victim}}}},
		{"backup owning another's folder", `owns the folder "zeebe-backup-sec1j"`, repo.Operation{Kind: "backup", ID: "evil", Folder: "zeebe-backup-sec1j",
			Brokers: []repo.OpBroker{{NodeID: 0, DataDir: e.c.Brokers[0].DataDir, ConfigPath: e.c.Brokers[0].ConfigPath, Stopped: true}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := json.Marshal(repo.Lock{Holder: repo.Holder{Host: host, PID: 0, Command: "zeebe-backup restore"}, Operation: &c.op})
			if err != nil {
				t.Fatal(err)
			}
			lock := filepath.Join(e.repoDir, "lock.json")
			if err := os.WriteFile(lock, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(lock)
			before := e.state(t)
			code, _, stderr := e.run("recover")
			if code != cli.ExitRefused || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "lock.json") {
				t.Fatalf("recover with a forged lock: exit %d, want %d naming %q and lock.json:\n%s", code, cli.ExitRefused, c.want, stderr)
			}
			e.unchanged(t, "recover with a forged lock", before)
			if got, err := os.ReadFile(filepath.Join(victim, "precious")); err != nil || string(got) != "precious" {
				t.Fatalf("recover touched %s: %q, %v", victim, got, err)
			}
		})
	}
	if code, out, stderr := e.run("show", "sec1j"); code != 0 || !strings.Contains(out, "sec1j") {
		t.Fatalf("show sec1j after the refused recoveries: exit %d\n%s\n%s", code, out, stderr)
	}
}

// A symbolic link planted in the repository as zeebe-backup-evil -> zeebe-backup-sec1j: a
// backup with id evil is refused in pre-flight (5), naming the link and what to do, without
// writing into sec1j or stopping a broker. A manifest copied into another folder makes that
// backup damaged: list says so, show and verify fail, restore refuses it (5).
func TestRepositoryLinksAndCopiedManifests(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "sec1j"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	evil := filepath.Join(e.repoDir, "zeebe-backup-evil")
	if err := os.Symlink("zeebe-backup-sec1j", evil); err != nil {
		t.Fatal(err)
	}
	before := e.state(t)
	code, _, stderr := e.run("backup", "--id", "evil")
	if code != cli.ExitRefused || !strings.Contains(stderr, evil+": is a symbolic link") || !strings.Contains(stderr, "remove it from the repository") {
		t.Fatalf("backup --id evil through a planted link: exit %d, want %d naming the link and the fix:\n%s", code, cli.ExitRefused, stderr)
	}
	e.unchanged(t, "backup --id evil", before)
	if code, out, stderr := e.run("show", "sec1j"); code != 0 || !strings.Contains(out, "sec1j") || strings.Contains(out, "evil") {
		t.Fatalf("show sec1j: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, _, stderr := e.run("show", "evil"); code != cli.ExitUsage {
		t.Errorf("show evil (a link, no backup): exit %d, want %d\n%s", code, cli.ExitUsage, stderr)
	}

	copied := filepath.Join(e.repoDir, "zeebe-backup-copy")
	if out, err := exec.Command("cp", "-a", filepath.Join(e.repoDir, "zeebe-backup-sec1j"), copied).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	before = e.state(t)
	want := `manifest of backup "sec1j", not of "copy"`
	if code, out, stderr := e.run("list"); code != 0 || !strings.Contains(out, want) {
		t.Errorf("list: exit %d, want the copy shown damaged (%q):\n%s\n%s", code, want, out, stderr)
	}
	for _, args := range [][]string{{"show", "copy"}, {"verify", "copy"}, {"restore", "--yes", "copy"}} {
		code, out, stderr := e.run(args...)
		wantCode := cli.ExitFailed
		if args[0] == "restore" {
			wantCode = cli.ExitRefused
		}
		if code != wantCode || !strings.Contains(stderr, want) || !strings.Contains(stderr, "restore from another backup") || strings.Contains(out, "sec1j") {
			t.Errorf("%s: exit %d, want %d naming both ids and what to do:\n%s\n%s", strings.Join(args, " "), code, wantCode, out, stderr)
		}
	}
	e.unchanged(t, "list, show, verify and restore of a copied backup", before)
}

// Data folders that are dangerous to back up or restore are refused by both in pre-flight
// (5), each with a message naming the problem and the fix, without changing anything or
// stopping a broker: a system folder, a data folder inside another broker's, a repository
// inside a data folder and a data folder inside the repository.
func TestDangerousDescriptionsAreRefused(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "plain"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	b0, b1, b2 := e.c.Brokers[0], e.c.Brokers[1], e.c.Brokers[2]
	for _, c := range []struct {
		name, repository string
		want, fix        string
		change           func(*brokerYAML)
	}{
		{"system folder", "", "broker 0 (local): its data folder /etc is the system folder /etc", "give the broker a folder of its own", func(y *brokerYAML) {
			if y.NodeID == 0 {
				y.Extra = "    dataDir: /etc\n"
			}
		}},
		{"inside another broker's", "", "broker 1 (local): its data folder " + b1.DataDir + " is inside the data folder " + b1.Dir + " of broker 0 (local)", "give every broker a folder of its own", func(y *brokerYAML) {
			if y.NodeID == 0 {
				y.Extra = "    dataDir: " + b1.Dir + "\n"
			}
		}},
		{"repository inside a data folder", b2.DataDir, "broker 2 (local): the repository " + b2.DataDir + " is inside its data folder " + b2.DataDir, "put the repository on another disk", nil},
		{"data folder inside the repository", b0.Dir, "broker 0 (local): its data folder " + b0.DataDir + " is inside the repository " + b0.Dir, "put the repository outside every data folder", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(e.c.Root, "cluster-"+strings.ReplaceAll(c.name, " ", "-")+".yaml")
			e.writeClusterFile(file, c.change)
			if c.repository != "" {
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(strings.Replace(string(raw), "repository: "+e.repoDir, "repository: "+c.repository, 1)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := e.state(t)
			for _, args := range [][]string{{"backup", "--id", "refused"}, {"restore", "--yes", "plain"}} {
				code, out := runFile(t, file, args...)
				if code != cli.ExitRefused || !strings.Contains(out, c.want) || !strings.Contains(out, c.fix) {
					t.Errorf("%s: exit %d, want %d with %q and %q:\n%s", args[0], code, cli.ExitRefused, c.want, c.fix, out)
				}
			}
			e.unchanged(t, c.name, before)
		})
	}
}

// A backup edited so that its manifest names "/" as a broker's data folder, holding a link to
// /etc/shadow: the allowed root of the links is the target's data folder, never the
// manifest's, so verify --deep reports the link and restore refuses it before any stop.
func TestEditedManifestDataDirDoesNotWidenLinks(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	link := filepath.Join(e.c.Brokers[0].DataDir, "shadow")
	if err := os.Symlink("/etc/shadow", link); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := e.run("backup", "--id", "edited"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(e.repoDir, "zeebe-backup-edited", "manifest.json")
	raw, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, b := range m["brokers"].([]any) {
		b.(map[string]any)["dataDir"] = "/"
	}
	if raw, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	before := e.state(t)
	if code, out, stderr := e.run("verify", "--deep", "edited"); code != cli.ExitFindings || !strings.Contains(out, "shadow") || !strings.Contains(out, "points outside "+e.c.Brokers[0].DataDir) {
		t.Errorf("verify --deep: exit %d, want %d naming the link against the target's data folder:\n%s\n%s", code, cli.ExitFindings, out, stderr)
	}
	code, _, stderr := e.run("restore", "--yes", "edited")
	if code != cli.ExitRefused || !strings.Contains(stderr, "shadow") || !strings.Contains(stderr, "--allow-external-symlinks") {
		t.Errorf("restore: exit %d, want %d naming the link and the flag:\n%s", code, cli.ExitRefused, stderr)
	}
	e.unchanged(t, "verify and restore of an edited backup", before)
}
