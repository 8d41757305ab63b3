package fanout_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/fanout"
)

// Every item runs, at the same time, even when some fail, and the errors come back joined in
// the items' order.
func TestEachRunsAllConcurrentlyAndJoinsInOrder(t *testing.T) {
	items := []string{"a", "b", "c", "d"}
	var started sync.WaitGroup
	started.Add(len(items))
	results := make([]string, len(items))
	err := fanout.Each(items, func(i int, s string) error {
		started.Done()
		// Each waits for all to have started: a sequential run would never get past here.
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("%s: the items did not run concurrently", s)
		}
		results[i] = s + "!"
		if s == "b" || s == "d" {
			return fmt.Errorf("%s failed", s)
		}
		return nil
	})
	if err == nil || err.Error() != "b failed\nd failed" {
		t.Fatalf("error %q, want b's then d's", err)
	}
	for i, s := range items {
		if results[i] != s+"!" {
			t.Errorf("item %d (%s) did not run: %q", i, s, results[i])
		}
	}
}

func TestEachKeepsWrappedErrors(t *testing.T) {
	errBoom := errors.New("boom")
	err := fanout.Each([]int{1, 2}, func(_ int, n int) error {
		if n == 2 {
			return fmt.Errorf("item 2: %w", errBoom)
		}
		return nil
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("%v does not wrap the item's error", err)
	}
	if err := fanout.Each([]int{}, func(int, int) error { return errBoom }); err != nil {
		t.Fatalf("no items: %v", err)
	}
}
