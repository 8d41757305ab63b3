// Package fanout runs one piece of work per item concurrently, as backup, restore, recover,
// verify and the fleet's drivers do per broker: every item is worked on, whatever the others
// return, and the caller gets all the errors at once, in the items' order.
package fanout

import (
	"errors"
	"sync"
)

// Each runs fn for every item concurrently, with the item's index, waits for all of them and
// returns their errors joined in the items' order (nil when none failed). fn may write to the
// i-th element of a slice the caller made for the results: each call has its own index.
func Each[T any](items []T, fn func(i int, item T) error) error {
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i, item)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
