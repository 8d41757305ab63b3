package broker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// slowHolders answers the first scan with a holder, then blocks every later scan until ctx
// ends: a machine so loaded that the scan running when the deadline comes is cut short.
type slowHolders struct {
	Host
	calls int
}

func (s *slowHolders) Holders(ctx context.Context, dir string) ([]Holder, error) {
	s.calls++
	if s.calls == 1 {
		return []Holder{{PID: 4242, Command: "zeebe-sim", Path: dir + "/raft-partition", How: "memory mapping"}}, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestProveDownReportsTheLastCompletedObservation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := ProveDown(ctx, &slowHolders{}, "http://127.0.0.1:1", "/data", 10*time.Millisecond)
	if !errors.Is(err, ErrStillUp) {
		t.Fatalf("err = %v, want ErrStillUp", err)
	}
	if !strings.Contains(err.Error(), "process 4242") || strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("err = %q, want the holder seen last, not the deadline", err)
	}
}

type neverAnswers struct{ Host }

func (neverAnswers) Holders(ctx context.Context, dir string) ([]Holder, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestProveDownSaysWhenNothingCompleted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := ProveDown(ctx, neverAnswers{}, "http://127.0.0.1:1", "/data", 10*time.Millisecond)
	if !errors.Is(err, ErrStillUp) || !strings.Contains(err.Error(), "no check completed") {
		t.Fatalf("err = %v", err)
	}
}
