package e2e_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// The pausing build the tests stop at a phase (internal/e2e/zbtest) has the tool's storage
// backends and host kinds: both refuse the same unknown schemes with the same words, which
// list what each supports.
func TestPausingBuildHasTheToolsPlugins(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(file, []byte("repository: "+dir+"\nbrokers:\n  - nodeId: 0\n    host: nope://h\n    config: "+dir+"/c.yaml\n    stop: 'true'\n    start: 'true'\n    health: http://127.0.0.1:9600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list", "--repo", "nope://x"}, {"status", "--cluster", file}} {
		var outs [2]string
		var codes [2]int
		for i, bin := range []string{tool(t), pausingTool(t)} {
			cmd := exec.Command(bin, args...)
			out, _ := cmd.CombinedOutput()
			outs[i], codes[i] = string(out), cmd.ProcessState.ExitCode()
		}
		if !strings.Contains(outs[0], "scheme nope is not supported") {
			t.Errorf("%v: the tool does not refuse the unknown scheme:\n%s", args, outs[0])
		}
		if outs[0] != outs[1] || codes[0] != codes[1] {
			t.Errorf("%v: the tool and its pausing build differ:\nexit %d: %s\nexit %d: %s", args, codes[0], outs[0], codes[1], outs[1])
		}
	}
}

// The tool itself reads no test hook from its environment: told to pause, it does not.
func TestToolDoesNotPause(t *testing.T) {
	e := newEnv(t, simtest.Options{})
	e.startCluster()
	pause, _ := pauseAt(t, "stopping")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a pause would wait forever
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(t), "backup", "--id", "b1", "--cluster", e.clusterFile)
	cmd.Env = append(append(os.Environ(), pause...), "ZEEBE_BACKUP_TEST_PAUSE_AT=stopping")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "paused at") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
}
