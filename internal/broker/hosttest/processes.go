package hosttest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
)

func (s suite) processes(t *testing.T) {
	s.cases(t, []namedCase{
		{"HoldersFindsOpenFilesAndWorkingFolders", holders},
		{"HoldersOfAnAbsentFolder", func(e *env) {
			_, err := e.h.Holders(e.ctx, e.p("absent"))
			e.absent("Holders of an absent path", e.p("absent"), err)
		}},
		{"InspectReturnsOnlyTheConfiguration", inspect},
	})
}

// holderOf finds pid among the holders of dir.
func (e *env) holderOf(dir string, pid int) (broker.Holder, bool, error) {
	hs, err := e.h.Holders(e.ctx, dir)
	if err != nil {
		return broker.Holder{}, false, err
	}
	i := slices.IndexFunc(hs, func(h broker.Holder) bool { return h.PID == pid })
	if i < 0 {
		return broker.Holder{}, false, nil
	}
	return hs[i], true, nil
}

func holders(e *env) {
	e.mkdir("data")
	e.mkdir("data/sub")
	e.write("data/sub/segment.log", make([]byte, 8192), 0o644)
	e.sh("ln -s data link")
	seg, sub := e.realPath(e.p("data", "sub", "segment.log")), e.realPath(e.p("data", "sub"))
	open := e.background("cd / && exec 3<" + q(seg) + " && exec sleep 61")
	cwd := e.background("cd " + q(sub) + " && exec sleep 62")
	want := map[int]broker.Holder{
		open: {PID: open, Path: seg, How: "open file"},
		cwd:  {PID: cwd, Path: sub, How: "working folder"},
	}
	// Through the folder and through a symbolic link to it.
	for _, dir := range []string{e.p("data"), e.p("link")} {
		for pid, w := range want {
			e.eventually(10*time.Second, func() (bool, string) {
				h, found, err := e.holderOf(dir, pid)
				switch {
				case err != nil:
					return false, fmt.Sprintf("Holders(%s): %v", dir, err)
				case !found:
					return false, fmt.Sprintf("Holders(%s) does not list process %d, which holds %s as its %s", dir, pid, w.Path, w.How)
				case h.Path != w.Path || h.How != w.How || !strings.Contains(h.Command, "sleep"):
					return false, fmt.Sprintf("Holders(%s) lists %+v; want %+v and its command line", dir, h, w)
				}
				return true, ""
			})
		}
	}
	e.sh(fmt.Sprintf("kill -9 %d %d", open, cwd))
	for pid := range want {
		e.eventually(10*time.Second, func() (bool, string) {
			h, found, err := e.holderOf(e.p("data"), pid)
			return err == nil && !found, fmt.Sprintf("after process %d ended: Holders lists %+v (%v)", pid, h, err)
		})
	}
}

// Only what configures Zeebe leaves the host: a planted secret never comes back.
func inspect(e *env) {
	e.mkdir("wd")
	wd := e.realPath(e.p("wd"))
	const secret = "hunter2-hosttest"
	pid := e.background("cd " + q(wd) + " && export ZEEBE_BROKER_CLUSTER_NODEID=7 management_server_port=9601 " +
		"SPRING_CONFIG_ADDITIONAL_LOCATION=file:extra/ DB_PASSWORD=" + secret + " && exec sleep 63")
	var p broker.Process
	e.eventually(10*time.Second, func() (bool, string) {
		var err error
		p, err = e.h.Inspect(e.ctx, pid)
		return err == nil && slices.Equal(p.Args, []string{"sleep", "63"}), fmt.Sprintf("Inspect(%d) = %+v, %v; want the command line sleep 63", pid, p.Args, err)
	})
	// Once more: a read while the shell turned into sleep (exec) may mix the two.
	p, err := e.h.Inspect(e.ctx, pid)
	if err != nil {
		e.t.Fatal(err)
	}
	if p.PID != pid || p.WorkDir != wd {
		e.t.Errorf("Inspect(%d): pid %d, working folder %q; want %q", pid, p.PID, p.WorkDir, wd)
	}
	for k, v := range map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": "7", "management_server_port": "9601", "SPRING_CONFIG_ADDITIONAL_LOCATION": "file:extra/"} {
		if p.Env[k] != v {
			e.t.Errorf("Env[%s] = %q; want %q", k, p.Env[k], v)
		}
	}
	for k, v := range p.Env {
		if !broker.ConfigEnv(k) || strings.Contains(k+"="+v, secret) {
			e.t.Errorf("Inspect returned %s, which Zeebe's configuration does not read", k)
		}
	}
	if strings.Contains(fmt.Sprint(p.Args, p.WorkDir), secret) {
		e.t.Error("Inspect returned the planted secret")
	}
	e.sh(fmt.Sprintf("kill -9 %d", pid))
	e.waitEnded(pid, "was killed, still runs")
}
