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
)

// A backup of an 8.5.x cluster is refused onto a target running 8.7.0 and accepted onto 8.6.x.
func TestRestoreVersionRule(t *testing.T) {
	src := newEnv(t, simtest.Options{Version: "8.5.3"})
	src.startCluster()
	if code, _, stderr := src.run("backup", "--id", "v853"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	src.shutdown()

	newer := newEnv(t, simtest.Options{Version: "8.7.0"})
	newer.repoDir = src.repoDir
	newer.writeClusterFile(newer.clusterFile, nil)
	newer.startCluster()
	code, _, stderr := newer.run("restore", "v853")
	if code != cli.ExitRefused || !strings.Contains(stderr, "Zeebe 8.5.3") || !strings.Contains(stderr, "8.7.0") || !strings.Contains(stderr, "skipping minor versions") {
		t.Fatalf("restore onto 8.7.0: exit %d\n%s", code, stderr)
	}
	for _, b := range newer.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d was touched by the refused restore", b.NodeID)
		}
	}
	newer.shutdown()

	next := newEnv(t, simtest.Options{Version: "8.6.2"})
	next.repoDir = src.repoDir
	next.writeClusterFile(next.clusterFile, nil)
	next.startCluster()
	// Another cluster: the backed-up configurations name the source's ports; the restore says so
	// before stopping anything, and keeping the target's configurations works.
	if code, _, stderr := next.run("restore", "v853"); code != cli.ExitRefused || !strings.Contains(stderr, "management.server.port") || !strings.Contains(stderr, "--keep-target-config") {
		t.Fatalf("restore with the source's configurations: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := next.run("restore", "v853", "--keep-target-config"); code != 0 {
		t.Fatalf("restore onto 8.6.2: exit %d\n%s", code, stderr)
	}
	for _, b := range next.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not ready on the restored 8.5.3 data:\n%s", b.NodeID, b.Log())
		}
	}
}

// An archive whose lock files name another node is refused for this node, unless forced.
func TestRestoreRefusesDataOfAnotherNode(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "swapped"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	// Swap the archives of brokers 0 and 1 and make the manifest agree, as a careless hand
	// import would: every checksum matches, the data belongs to the wrong nodes.
	folder := filepath.Join(e.repoDir, repo.Folder("swapped"))
	a0, a1 := filepath.Join(folder, "zeebe-broker-0-data.tar.zst"), filepath.Join(folder, "zeebe-broker-1-data.tar.zst")
	os.Rename(a0, a0+".tmp")
	os.Rename(a1, a0)
	os.Rename(a0+".tmp", a1)
	i0, i1 := filepath.Join(folder, "zeebe-broker-0-index.json"), filepath.Join(folder, "zeebe-broker-1-index.json")
	os.Rename(i0, i0+".tmp")
	os.Rename(i1, i0)
	os.Rename(i0+".tmp", i1)
	raw, _ := os.ReadFile(filepath.Join(folder, "manifest.json"))
	var m repo.Manifest
	json.Unmarshal(raw, &m)
	b0, b1 := m.Brokers[0], m.Brokers[1]
	m.Brokers[0].ArchiveSize, m.Brokers[0].ArchiveSHA256, m.Brokers[0].IndexSHA256, m.Brokers[0].DataDir = b1.ArchiveSize, b1.ArchiveSHA256, b1.IndexSHA256, b1.DataDir
	m.Brokers[1].ArchiveSize, m.Brokers[1].ArchiveSHA256, m.Brokers[1].IndexSHA256, m.Brokers[1].DataDir = b0.ArchiveSize, b0.ArchiveSHA256, b0.IndexSHA256, b0.DataDir
	raw, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(folder, "manifest.json"), raw, 0o644)

	code, _, stderr := e.run("restore", "swapped")
	if code != cli.ExitRefused || !strings.Contains(stderr, "lock.node-id") || !strings.Contains(stderr, "--force=node-id") {
		t.Fatalf("restore of swapped archives: exit %d\n%s", code, stderr)
	}
	if code, out, _ := e.run("verify", "--deep", "swapped"); code != cli.ExitFindings || !strings.Contains(out, "lock.node-id") {
		t.Errorf("verify --deep of swapped archives: exit %d\n%s", code, out)
	}
}

// Data with an error Zeebe would refuse is not committed as a backup unless --allow-findings;
// the brokers run again either way. verify finds a damaged archive; inspect reports the error.
func TestBackupWithFindingsAndVerify(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "clean"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	if code, out, stderr := e.run("verify", "--deep", "clean"); code != 0 || !strings.Contains(out, "found no error") {
		t.Fatalf("verify --deep of a clean backup: exit %d\n%s\n%s", code, out, stderr)
	}

	// Broker 0's stop command damages .topology.meta once the broker is down.
	b0 := e.c.Brokers[0]
	e.writeClusterFile(e.clusterFile, func(y *brokerYAML) {
		if y.NodeID == 0 {
			y.Stop += " && printf '\\377' | dd of=" + filepath.Join(b0.DataDir, ".topology.meta") + " bs=1 seek=20 conv=notrunc 2>/dev/null"
		}
	})
	code, _, stderr := e.run("backup", "--id", "damaged")
	if code != cli.ExitFindings || !strings.Contains(stderr, "topology") || !strings.Contains(stderr, "--allow-findings") {
		t.Fatalf("backup of damaged data: exit %d\n%s", code, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Fatalf("broker %d is not running after the refused backup", b.NodeID)
		}
	}
	if ms := e.manifests(); len(ms) != 1 {
		t.Fatalf("the damaged backup was committed: %d backups", len(ms))
	}
	if code, _, stderr := e.run("backup", "--id", "damaged-allowed", "--allow-findings"); code != 0 {
		t.Fatalf("backup --allow-findings: exit %d\n%s", code, stderr)
	}
	var found bool
	for _, m := range e.manifests() {
		if m.ID == "damaged-allowed" {
			for _, f := range m.Findings {
				found = found || strings.HasPrefix(f.Check, "topology.") && f.Broker == 0
			}
		}
	}
	if !found {
		t.Error("the manifest does not record the finding")
	}

	// A flipped byte in a stored archive.
	arch := filepath.Join(e.repoDir, repo.Folder("clean"), "zeebe-broker-2-data.tar.zst")
	raw, _ := os.ReadFile(arch)
	raw[len(raw)/2] ^= 1
	os.WriteFile(arch, raw, 0o644)
	if code, out, stderr := e.run("verify", "clean"); code != cli.ExitFailed || !strings.Contains(out, "DAMAGED broker 2") {
		t.Errorf("verify of a damaged archive: exit %d\n%s\n%s", code, out, stderr)
	}

	// inspect on a stopped broker's folder, clean and damaged.
	e.shutdown()
	f, _ := os.OpenFile(filepath.Join(b0.DataDir, ".topology.meta"), os.O_WRONLY, 0)
	f.WriteAt([]byte{0xff}, 20)
	f.Close()
	cmd := exec.Command(tool(t), "inspect", "--node-id", "1", e.c.Brokers[1].DataDir)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "no findings") && !strings.Contains(string(out), "INFO") {
		t.Errorf("inspect of a clean folder: %v\n%s", err, out)
	}
	cmd = exec.Command(tool(t), "inspect", "--node-id", "0", b0.DataDir)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != cli.ExitFindings || !strings.Contains(string(out), ".topology.meta") {
		t.Errorf("inspect of a damaged folder: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
}
