package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

const signalsHelp = `Signals:
  SIGINT (Ctrl-C), SIGTERM, SIGHUP (a dropped SSH session or closed terminal) and SIGQUIT
  interrupt a run: it stops at the next safe point, starts again every broker it stopped,
  removes what it stored, releases its locks and exits 130. Once the data of a backup is
  captured, or a restore's brokers are starting, the run finishes instead. More signals do not
  cut the clean-up short. Under nohup (SIGHUP ignored) SIGHUP stays ignored. A closed standard
  output or error (a pipe into head, a terminal that went away) never stops the work: the
  output is dropped and the exit status is the work's. Only SIGKILL stops it at once; then
  'zeebe-backup recover' does what the run could not.`

// NotifySignals returns a context cancelled by the first interrupting signal (SIGINT, SIGTERM,
// SIGHUP unless it was ignored when the process started, SIGQUIT), and a stop function. Each
// signal is acknowledged on w. SIGPIPE is caught and dropped, so that a write to a closed
// standard output or error returns EPIPE instead of killing the process; the workflows then
// carry on, and clean-up (starting brokers again) is never cut short by a later signal.
func NotifySignals(parent context.Context, w io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	interrupting := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT}
	if !signal.Ignored(syscall.SIGHUP) {
		interrupting = append(interrupting, syscall.SIGHUP)
	}
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, append(interrupting, syscall.SIGPIPE)...)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		received := 0
		for {
			var sig os.Signal
			select {
			case sig = <-ch:
			case <-done:
				return
			}
			if sig == syscall.SIGPIPE {
				continue
			}
			received++
			if received == 1 {
				fmt.Fprintf(w, "zeebe-backup: %s received: stopping at the next safe point; every broker this run stopped is started again before it exits\n", signalName(sig))
				cancel(interrupted{sig})
				continue
			}
			fmt.Fprintf(w, "zeebe-backup: %s received: still finishing (starting the brokers again, releasing the locks), please wait; to abandon it anyway: kill -9 %d, then 'zeebe-backup recover'\n", signalName(sig), os.Getpid())
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		wg.Wait()
		cancel(nil)
	}
}

// interrupted is the cancellation cause of a run stopped by a signal (context.Cause).
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted by " + signalName(i.sig) }

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return sig.String()
}

// OutputStream wraps standard output or error so that a failed write (a closed pipe, a terminal
// that hung up) marks the stream gone: later writes are dropped without a system call and
// return the same error. Writers that must know (an archive written to standard output) see
// the error; progress and log lines, which ignore it, go nowhere and the work goes on.
type OutputStream struct {
	mu   sync.Mutex
	w    io.Writer
	gone error
}

// NewOutputStream wraps w.
func NewOutputStream(w io.Writer) *OutputStream { return &OutputStream{w: w} }

// Write implements io.Writer.
func (s *OutputStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone != nil {
		return 0, s.gone
	}
	n, err := s.w.Write(p)
	if err != nil {
		s.gone = fmt.Errorf("%w: %w", errOutputGone, err)
		return n, s.gone
	}
	return n, nil
}

// errOutputGone is wrapped by every write to a stream that failed once.
var errOutputGone = errors.New("output stream is gone")
