// Package hosttest is the conformance suite of broker.Host: every Host (Local, and later SSH
// and Kubernetes hosts) runs it from its tests with Run. It checks each role's contract
// through the Host alone: it builds what it needs on the host with Host.Run (POSIX sh,
// coreutils) and the Files methods, and never touches the host's files directly, so that a
// remote host runs it unchanged.
//
// The cases that need root on the host (mounting filesystems, giving a file to another owner)
// run only with the Privileged option; without it the suite needs no privilege.
package hosttest

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
)

// NewHost gives a Host to test and the absolute path, on that host, of a scratch folder that
// exists and is empty, and is removed (with what the case left in it) when t ends.
type NewHost func(t *testing.T) (broker.Host, string)

// Option tunes Run.
type Option func(*options)

type options struct {
	privileged bool
}

// Privileged adds the cases that need root on the host: a tmpfs and a bind mount below the
// scratch folder (mount and umount), and WriteFile giving a file to another owner.
func Privileged() Option { return func(o *options) { o.privileged = true } }

// Run checks every contract of broker.Host on hosts made by newHost, one fresh host and
// scratch folder per case.
func Run(t *testing.T, newHost NewHost, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := suite{newHost: newHost, opts: o}
	t.Run("Commands", s.commands)
	t.Run("Files", s.files)
	t.Run("Processes", s.processes)
	t.Run("Mover", s.mover)
}

type suite struct {
	newHost NewHost
	opts    options
}

// env is one case's host and scratch folder.
type env struct {
	t   *testing.T
	ctx context.Context
	h   broker.Host
	dir string
}

// cases runs each named case on a fresh env.
func (s suite) cases(t *testing.T, cases []namedCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(s.env(t)) })
	}
}

type namedCase struct {
	name string
	run  func(e *env)
}

func (s suite) env(t *testing.T) *env {
	t.Helper()
	h, dir := s.newHost(t)
	e := &env{t: t, ctx: t.Context(), h: h, dir: dir}
	if !path.IsAbs(dir) {
		t.Fatalf("the scratch folder %q is not an absolute path", dir)
	}
	names, err := h.ReadDir(e.ctx, dir)
	if err != nil || len(names) != 0 {
		t.Fatalf("the scratch folder %s: %q, %v; want an empty folder", dir, names, err)
	}
	return e
}

// p is a path below the scratch folder.
func (e *env) p(rel ...string) string { return path.Join(append([]string{e.dir}, rel...)...) }

// q quotes s for sh.
func q(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// sh runs a command in the scratch folder and fails the case when it fails.
func (e *env) sh(command string) string {
	e.t.Helper()
	out, err := e.h.Run(e.ctx, "cd "+q(e.dir)+" || exit 1\n"+command, 30*time.Second, nil)
	if err != nil {
		e.t.Fatalf("run %q on %s: %v\n%s", command, e.h.Name(), err, out)
	}
	return out
}

func (e *env) write(rel string, data []byte, perm fs.FileMode) {
	e.t.Helper()
	if err := e.h.WriteFile(e.ctx, e.p(rel), data, perm, nil); err != nil {
		e.t.Fatalf("WriteFile %s: %v", rel, err)
	}
}

func (e *env) mkdir(rel string) {
	e.t.Helper()
	if err := e.h.Mkdir(e.ctx, e.p(rel), 0o755); err != nil {
		e.t.Fatalf("Mkdir %s: %v", rel, err)
	}
}

func (e *env) stat(p string) broker.FileInfo {
	e.t.Helper()
	fi, err := e.h.Stat(e.ctx, p)
	if err != nil {
		e.t.Fatalf("Stat %s: %v", p, err)
	}
	return fi
}

func (e *env) realPath(p string) string {
	e.t.Helper()
	r, err := e.h.RealPath(e.ctx, p)
	if err != nil {
		e.t.Fatalf("RealPath %s: %v", p, err)
	}
	return r
}

// absent fails the case unless err says "absent"; what says what returned it.
// The error names the path.
func (e *env) absent(what, path string, err error) {
	e.t.Helper()
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		e.t.Errorf("%s: %v; want an error that wraps fs.ErrNotExist and names %s", what, err, path)
	}
}

// eventually polls cond until it holds, failing the case with what it says last after d.
func (e *env) eventually(d time.Duration, cond func() (bool, string)) {
	e.t.Helper()
	end := time.Now().Add(d)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			e.t.Fatalf("after %s: %s", d, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
