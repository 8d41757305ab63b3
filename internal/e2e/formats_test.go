package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// A backup in the formats earlier commits wrote (manifest format 1, indexes as bare arrays
// with Go's mode bits) is shown as stored, verified and restored by this build: the restore
// checks what it extracts against the converted format 1 indexes.
func TestBackupOfManifestFormat1IsVerifiedAndRestored(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	if code, _, stderr := e.run("backup", "--id", "old"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, stderr)
	}
	folder := filepath.Join(e.repoDir, repo.Folder("old"))
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(folder, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var m map[string]any
	if err := json.Unmarshal(read("manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	if m["formatVersion"] != float64(repo.ManifestFormat) {
		t.Fatalf("the backup wrote manifest format %v, want %d", m["formatVersion"], repo.ManifestFormat)
	}
	// Write it back as format 1 did: each index is json.Marshal of the archive's entries.
	m["formatVersion"] = 1
	for _, b := range m["brokers"].([]any) {
		b := b.(map[string]any)
		var x repo.Index
		if err := json.Unmarshal(read(b["index"].(string)), &x); err != nil {
			t.Fatal(err)
		}
		v1, err := json.Marshal(x.ArchiveEntries())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(v1), `[{"path":`) {
			t.Fatalf("not a format 1 index: %.100s", v1)
		}
		if err := os.WriteFile(filepath.Join(folder, b["index"].(string)), v1, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(v1)
		b["indexSha256"] = hex.EncodeToString(sum[:])
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "manifest.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}

	if code, out, stderr := e.run("show", "--json", "old"); code != 0 || !strings.Contains(out, `"formatVersion": 1,`) {
		t.Fatalf("show --json: exit %d, want the manifest as stored (format 1)\n%s%s", code, out, stderr)
	}
	if code, out, stderr := e.run("verify", "--deep", "old"); code != 0 {
		t.Fatalf("verify --deep of a format 1 backup: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := e.run("restore", "old"); code != 0 {
		t.Fatalf("restore of a format 1 backup: exit %d\n%s%s", code, out, stderr)
	}
	for _, b := range e.c.Brokers {
		if !ready(b) {
			t.Errorf("broker %d is not ready after the restore", b.NodeID)
		}
	}
}
