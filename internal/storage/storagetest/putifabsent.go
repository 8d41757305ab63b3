package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

func testPutIfAbsent(t *testing.T, s storage.Store) {
	ctx := t.Context()
	n, err := s.PutIfAbsent(ctx, "locks/exclusive", bytes.NewReader([]byte("first")))
	if err != nil || n != 5 {
		t.Fatalf("first PutIfAbsent = %d, %v; want 5, nil", n, err)
	}
	_, err = s.PutIfAbsent(ctx, "locks/exclusive", bytes.NewReader([]byte("second")))
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second PutIfAbsent error = %v, want one wrapping storage.ErrExists", err)
	}
	wantContent(t, s, "locks/exclusive", []byte("first"))
	wantKeys(t, s, "", "locks/exclusive")

	// A blob stored by Put counts as well, an empty one too.
	put(t, s, "locks/by-put", nil)
	if _, err := s.PutIfAbsent(ctx, "locks/by-put", bytes.NewReader([]byte("x"))); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("PutIfAbsent over a Put blob: error = %v, want one wrapping storage.ErrExists", err)
	}
	wantContent(t, s, "locks/by-put", []byte{})

	// Once deleted, the key is free again.
	if err := s.Delete(ctx, "locks/exclusive"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutIfAbsent(ctx, "locks/exclusive", bytes.NewReader([]byte("third"))); err != nil {
		t.Fatalf("PutIfAbsent after Delete: %v", err)
	}
	wantContent(t, s, "locks/exclusive", []byte("third"))
}

// testPutIfAbsentRace lets 16 callers race for each of a few keys: exactly one wins each.
func testPutIfAbsentRace(t *testing.T, s storage.Store) {
	const racers, rounds = 16, 5
	for round := range rounds {
		key := fmt.Sprintf("race/%d/lock", round)
		errs := make([]error, racers)
		contents := make([][]byte, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			contents[i] = append([]byte(fmt.Sprintf("racer %d of round %d\n", i, round)), randomBytes(32<<10, uint64(i))...)
			wg.Go(func() {
				<-start
				_, errs[i] = s.PutIfAbsent(t.Context(), key, bytes.NewReader(contents[i]))
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: racers %d and %d both won", round, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, storage.ErrExists):
				t.Fatalf("round %d: racer %d: error = %v, want one wrapping storage.ErrExists", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no racer won", round)
		}
		wantContent(t, s, key, contents[winner])
		wantKeys(t, s, fmt.Sprintf("race/%d/", round), key)
	}
}
