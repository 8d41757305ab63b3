package broker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A process with an open file, a memory mapping or its working folder below the data folder is
// a holder; once it is gone, there is none.
func TestHoldersFindsEveryKindOfHold(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	seg := filepath.Join(dir, "sub", "segment.log")
	os.WriteFile(seg, make([]byte, 8192), 0o644)
	cases := map[string]struct {
		script string
		how    string
	}{
		"open file":      {`exec 3<"$SEG"; echo ready; exec sleep 30`, "open file"},
		"working folder": {`cd "$DIR/sub"; echo ready; exec sleep 30`, "working folder"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command("/bin/sh", "-c", c.script)
			cmd.Env = append(os.Environ(), "SEG="+seg, "DIR="+dir)
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			buf := make([]byte, 6)
			if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "ready") {
				t.Fatalf("helper process did not start: %q %v", buf, err)
			}
			holders, err := Local{}.Holders(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range holders {
				if h.PID == cmd.Process.Pid && h.How == c.how {
					found = true
				}
			}
			if !found {
				t.Fatalf("process %d not reported as holding %s by %s: %+v", cmd.Process.Pid, dir, c.how, holders)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if holders, err := (Local{}).Holders(context.Background(), dir); err != nil || len(holders) != 0 {
				t.Fatalf("after the process ended: %+v, %v", holders, err)
			}
		})
	}
}

// Through a symbolic link to the data folder, holds on the real path count.
func TestHoldersThroughASymlinkedDataFolder(t *testing.T) {
	real := filepath.Join(t.TempDir(), "real")
	os.MkdirAll(real, 0o755)
	os.WriteFile(filepath.Join(real, "f"), nil, 0o644)
	link := filepath.Join(t.TempDir(), "data")
	os.Symlink(real, link)
	f, err := os.Open(filepath.Join(real, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("/bin/sh", "-c", `exec 3<"$F"; exec sleep 30`)
	cmd.Env = append(os.Environ(), "F="+filepath.Join(real, "f"))
	cmd.Start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		holders, err := Local{}.Holders(context.Background(), link)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range holders {
			if h.PID == cmd.Process.Pid {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the holder behind the symbolic link was not found")
}

func TestRunKillsTheProcessGroupAtTheTimeout(t *testing.T) {
	start := time.Now()
	out, err := Local{}.Run(context.Background(), "echo started; sleep 30 & sleep 30", 300*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(out, "started") {
		t.Fatalf("out %q, err %v", out, err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Run did not return at its timeout")
	}
	if out, err := (Local{}).Run(context.Background(), "exit 3", time.Second, nil); err == nil {
		t.Fatalf("a failing command returned no error: %q", out)
	}
}

// A fake proc tree: a process that only maps a file below the folder (as Zeebe does with journal
// segments once their descriptor is closed), and one whose descriptors cannot be read.
func TestHoldersFromAFakeProc(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(dir, 0o755)
	proc := t.TempDir()
	mapped := filepath.Join(proc, "4242")
	os.MkdirAll(filepath.Join(mapped, "fd"), 0o755)
	os.Symlink("/", filepath.Join(mapped, "cwd"))
	os.WriteFile(filepath.Join(mapped, "cmdline"), []byte("java\x00-jar\x00zeebe.jar"), 0o644)
	os.WriteFile(filepath.Join(mapped, "maps"), []byte(
		"7f00-7f10 r--p 00000000 fd:00 42 /usr/lib/libc.so.6\n"+
			"7f20-7f30 rw-s 00000000 fd:00 43 "+dir+"/raft-partition/partitions/1/raft-partition-partition-1-1.log\n"), 0o644)
	holders, err := procHolders(context.Background(), proc, dir)
	if err != nil || len(holders) != 1 || holders[0].PID != 4242 || holders[0].How != "memory mapping" || holders[0].Command != "java -jar zeebe.jar" {
		t.Fatalf("holders %+v, %v", holders, err)
	}

	// fd is not a folder: the process cannot be inspected, and it runs as the folder's owner.
	blind := filepath.Join(proc, "4343")
	os.MkdirAll(blind, 0o755)
	os.WriteFile(filepath.Join(blind, "fd"), nil, 0o644)
	os.WriteFile(filepath.Join(blind, "comm"), []byte("zeebe\n"), 0o644)
	_, err = procHolders(context.Background(), proc, dir)
	if err == nil || !strings.Contains(err.Error(), "cannot inspect processes 4343 (zeebe)") {
		t.Fatalf("an uninspectable process of the owner: %v", err)
	}
}
