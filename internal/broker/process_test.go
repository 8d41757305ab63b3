package broker

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// startHolder starts a shell that runs script in folder wd with extra environment variables,
// and waits until it says ready.
func startHolder(t *testing.T, wd, script string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = wd
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "ready") {
		t.Fatalf("helper process did not start: %q %v", buf, err)
	}
	return cmd
}

// The process holding a data folder's file is found and inspected: its command line, working
// folder and only the environment variables Zeebe's configuration reads. A process that only
// has its working folder there is not a broker.
func TestCandidatesInspectTheProcessHoldingTheFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	os.MkdirAll(dir, 0o755)
	seg := filepath.Join(dir, "segment.log")
	os.WriteFile(seg, make([]byte, 4096), 0o644)

	shell := startHolder(t, dir, `echo ready; exec sleep 30`)
	holder := startHolder(t, root, `exec 3<"$SEG"; echo ready; exec sleep 30`,
		"SEG="+seg, "SERVER_PORT=8088", "management_server_port=9601", "ZEEBE_BROKER_CLUSTER_NODEID=2",
		"SPRING_CONFIG_ADDITIONAL_LOCATION=file:extra/", "CAMUNDA_CLUSTER_SIZE=3", "DB_PASSWORD=hunter2")

	procs, err := Candidates(context.Background(), Local{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].PID != holder.Process.Pid {
		t.Fatalf("candidates %+v; want only process %d (not the shell %d, whose working folder it is)", procs, holder.Process.Pid, shell.Process.Pid)
	}
	p := procs[0]
	want := map[string]string{"SERVER_PORT": "8088", "management_server_port": "9601", "ZEEBE_BROKER_CLUSTER_NODEID": "2",
		"SPRING_CONFIG_ADDITIONAL_LOCATION": "file:extra/", "CAMUNDA_CLUSTER_SIZE": "3"}
	for k, v := range want {
		if p.Env[k] != v {
			t.Errorf("Env[%s] = %q, want %q", k, p.Env[k], v)
		}
	}
	for k := range p.Env {
		if _, ok := want[k]; !ok {
			t.Errorf("Env holds %s, which Zeebe's configuration does not read", k)
		}
	}
	if p.WorkDir != root {
		t.Errorf("WorkDir %q, want %q", p.WorkDir, root)
	}
	if !slices.Equal(p.Args, []string{"sleep", "30"}) {
		t.Errorf("Args %q", p.Args)
	}

	holder.Process.Kill()
	holder.Wait()
	if procs, err := Candidates(context.Background(), Local{}, dir); err != nil || len(procs) != 0 {
		t.Fatalf("after the holder ended: %+v, %v", procs, err)
	}
	if _, err := (Local{}).Inspect(context.Background(), holder.Process.Pid); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("inspecting a process that ended: %v, want fs.ErrNotExist", err)
	}
}
