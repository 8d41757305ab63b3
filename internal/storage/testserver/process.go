package testserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds the wait for a server to answer; generous, as tests run under the race
	// detector on a loaded 2-core machine.
	startTimeout = 2 * time.Minute
	// stopTimeout bounds the wait for a server to exit after SIGTERM, then after SIGKILL.
	stopTimeout = 15 * time.Second
	// outputTail is how much of a server's latest output is kept for failure messages.
	outputTail = 16 << 10
)

// spec describes how to run one server.
type spec struct {
	name    string                  // for messages: "minio"
	bin     string                  // absolute path of the executable
	args    func(port int) []string // its arguments, given its port
	env     []string                // added to a minimal environment (PATH, HOME, TMPDIR)
	home    string                  // HOME for the server, inside the test's temporary folder
	secrets []string                // redacted from any output shown
	// ready reports whether the server at base (http://127.0.0.1:port) answers as expected.
	ready func(ctx context.Context, base string) error
}

// process is one server process, restartable on the same port.
type process struct {
	t    testing.TB
	spec spec
	port int
	base string // http://127.0.0.1:port

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	out  *tailBuffer
}

// startProcess starts the server on a free loopback port and waits until it answers; it
// registers its stop with t.Cleanup. Another process may take the port between the choice and
// the server's bind, so a server that exits early on its first start is tried on a new port,
// three times in all.
func startProcess(t testing.TB, s spec) *process {
	t.Helper()
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		port, perr := freePort()
		if perr != nil {
			t.Fatalf("testserver: %s: %v", s.name, perr)
		}
		p := &process{t: t, spec: s, port: port, base: "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		if err = p.start(); err == nil {
			t.Cleanup(p.stop)
			return p
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatalf("testserver: %v", err)
	return nil
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server and waits until it answers; on failure the server is stopped.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s on %s: already running", p.spec.name, p.base)
	}
	cmd := exec.Command(p.spec.bin, p.spec.args(p.port)...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + p.spec.home,
		"TMPDIR=" + p.spec.home,
	}, p.spec.env...)
	cmd.Dir = p.spec.home
	out := &tailBuffer{max: outputTail}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s (%s): %w; %s", p.spec.name, p.spec.bin, err, installHint)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // its exit status is read from cmd.ProcessState after done
		close(done)
	}()
	p.cmd, p.done, p.out = cmd, done, out

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		last = p.spec.ready(attempt, p.base)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-done:
			p.cmd = nil
			return fmt.Errorf("%s exited (%s) before it answered on %s; its last output:\n%s",
				p.spec.name, cmd.ProcessState, p.base, p.output())
		case <-ctx.Done():
			p.killLocked()
			return fmt.Errorf("%s did not answer on %s within %s (last check: %v); its last output:\n%s",
				p.spec.name, p.base, startTimeout, last, p.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// output is the server's latest output with its secrets redacted.
func (p *process) output() string {
	s := p.out.String()
	for _, secret := range p.spec.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	if strings.TrimSpace(s) == "" {
		return "(none)"
	}
	return s
}

// signalLocked sends sig to the server's process group and waits up to stopTimeout for it to
// exit; it reports whether it did.
func (p *process) signalLocked(sig syscall.Signal) bool {
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		p.t.Errorf("testserver: signal %s (pid %d): %v", p.spec.name, p.cmd.Process.Pid, err)
	}
	select {
	case <-p.done:
		return true
	case <-time.After(stopTimeout):
		return false
	}
}

// killLocked stops the server with SIGKILL and waits for it.
func (p *process) killLocked() {
	if p.cmd == nil {
		return
	}
	if !p.signalLocked(syscall.SIGKILL) {
		p.t.Errorf("testserver: %s (pid %d) still running %s after SIGKILL", p.spec.name, p.cmd.Process.Pid, stopTimeout)
	}
	p.cmd = nil
}

// kill stops the server at once with SIGKILL, as a crash would; safe from any goroutine.
func (p *process) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killLocked()
}

// stop ends the server gracefully (SIGTERM), with SIGKILL if it does not exit in time.
func (p *process) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	if p.signalLocked(syscall.SIGTERM) {
		p.cmd = nil
		return
	}
	p.killLocked()
}

// restart stops the server if it runs and starts it again on the same port with the same data.
func (p *process) restart() error {
	p.stop()
	return p.start()
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(data []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, data...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(data), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// answer is a server's answer to one request.
type answer struct {
	status int
	header http.Header
	body   string // its first 64 KiB
}

// get does an unauthenticated GET.
func get(ctx context.Context, url string) (answer, error) {
	return do(ctx, http.MethodGet, url, nil)
}

// do sends one request without a body to a test server, directly (no proxy, no kept
// connection).
func do(ctx context.Context, method, url string, header http.Header) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return answer{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if err != nil {
		return a, fmt.Errorf("read the answer to %s %s: %w", method, url, err)
	}
	return a, nil
}
