package cli_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
)

// A write to a closed pipe fails once with EPIPE (the process is not killed: SIGPIPE is
// caught), and every later write is dropped with the same error.
func TestOutputStreamOfAClosedPipe(t *testing.T) {
	_, stop := cli.NotifySignals(context.Background(), &strings.Builder{})
	defer stop()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	s := cli.NewOutputStream(w)
	if _, err := s.Write([]byte("lost\n")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("first write to a closed pipe: %v, want EPIPE", err)
	}
	if _, err := s.Write([]byte("lost too\n")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("later write: %v, want the first error", err)
	}
}

// The first interrupting signal cancels the context; later ones only say to wait.
func TestNotifySignalsCancelsOnceAndAnswersLaterSignals(t *testing.T) {
	var out syncBuilder
	ctx, stop := cli.NotifySignals(context.Background(), &out)
	defer stop()
	self, _ := os.FindProcess(os.Getpid())
	if err := self.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not cancel the run")
	}
	if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "SIGHUP") {
		t.Errorf("cause %v, want the signal", cause)
	}
	self.Signal(syscall.SIGINT)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "still finishing") {
		if time.Now().After(deadline) {
			t.Fatalf("a second signal is not answered:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
