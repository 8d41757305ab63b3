package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// A backup killed while it stores a file leaves that file's temporary name in its folder:
// recover removes everything the backup stored, the temporary files too, and the id can then
// be used again for a clean backup. A folder that no unfinished operation records is not the
// tool's: a backup with its id is refused, naming the folder to remove.
func TestRecoverRemovesEverythingAKilledBackupStored(t *testing.T) {
	e := newEnv(t, simtest.Options{Partitions: 1, RecordsPerSecond: 100})
	e.startCluster()
	folder := filepath.Join(e.repoDir, "zeebe-backup-killed")

	pause, _ := pauseAt(t, "archiving")
	p := e.startTool(pause, "backup", "--id", "killed")
	p.waitPaused("archiving")
	// What a Put killed before its rename leaves: a temporary file in the backup's folder,
	// beside a file already stored.
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{".tmp-KILLEDPUT": "half an archive", "zeebe-broker-0-config.yml": "stored"} {
		if err := os.WriteFile(filepath.Join(folder, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p.kill()

	code, out, stderr := e.run("recover")
	if code != 0 {
		t.Fatalf("recover: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "removed the incomplete backup killed") {
		t.Errorf("recover does not say it removed the backup:\n%s", stderr)
	}
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(folder)
		t.Fatalf("recover left the folder of the killed backup (%v): %v", err, names(entries))
	}
	e.checkAllReady(t, stderr)

	// The id is free again, and the new backup holds only its own files.
	if code, _, stderr := e.run("backup", "--id", "killed"); code != 0 {
		t.Fatalf("backup with the id again: exit %d\n%s", code, stderr)
	}
	entries, err := os.ReadDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), ".tmp-") {
			t.Errorf("the new backup holds %s", en.Name())
		}
	}
	e.checkNothingLeft(t, []string{"killed"})

	// A folder of temporary files that no lock records (the lock was removed by hand): not the
	// tool's to remove, so the id is refused before anything is stopped, naming the folder.
	stale := filepath.Join(e.repoDir, "zeebe-backup-stale")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, ".tmp-OLD"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = e.run("backup", "--id", "stale")
	if code != cli.ExitRefused || !strings.Contains(stderr, "rm -r "+stale) {
		t.Fatalf("a backup id whose folder holds temporary files: exit %d, want %d naming 'rm -r %s'\n%s", code, cli.ExitRefused, stale, stderr)
	}
	e.checkAllReady(t, stderr)
	if _, err := os.Stat(filepath.Join(stale, ".tmp-OLD")); err != nil {
		t.Errorf("the refused backup touched the folder: %v", err)
	}
	// The command the refusal names resolves it.
	if err := os.RemoveAll(stale); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := e.run("backup", "--id", "stale"); code != 0 {
		t.Fatalf("backup once the folder is removed: exit %d\n%s", code, stderr)
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, en := range entries {
		out = append(out, en.Name())
	}
	return out
}
