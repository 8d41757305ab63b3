package faulty

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// ErrInjected is the error a fault returns when it names none.
var ErrInjected = errors.New("injected fault")

// Op names a Store method.
type Op string

// The methods faults can hit.
const (
	OpPut         Op = "put"
	OpPutIfAbsent Op = "put-if-absent"
	OpGet         Op = "get"
	OpStat        Op = "stat"
	OpList        Op = "list"
	OpDelete      Op = "delete"
	// The optional powers, hit only when the wrapped store has them.
	OpFreeSpace      Op = "free-space"
	OpRemnants       Op = "remnants"
	OpRemoveRemnants Op = "remove-remnants"
	OpProbe          Op = "probe"
)

// Fault describes one injected failure.
type Fault struct {
	Op Op // the method it hits
	// Key is a path.Match pattern the key (for List: the prefix; for Remnants and
	// RemoveRemnants: the folder; FreeSpace and Probe have none) must match, "" for any.
	Key string
	// Nth is 0 to hit every matching call, or n > 0 to hit only the nth matching call (1-based).
	Nth int
	// Err is the error to fail with; nil means ErrInjected.
	Err error
	// AfterBytes > 0 lets Put, PutIfAbsent and Get move this many bytes before the fault acts.
	AfterBytes int64
	// Block makes the fault wait for the call's context to be done instead of failing with Err.
	Block bool
	// OnHit, if not nil, is called when the fault hits, before it acts (e.g. to learn that a
	// Put is now blocked).
	OnHit func(op Op, key string)
}

type fault struct {
	Fault
	seen int
}

// Store is a fault-injecting wrapper around a storage.Store: the store, and the controls of
// its faults.
type Store interface {
	storage.Store
	// Add installs a fault. It panics if f.Key is not a valid path.Match pattern.
	Add(f Fault)
	// Clear removes every fault.
	Clear()
	// Calls returns how many calls of op the wrapper has seen, hit by a fault or not.
	Calls(op Op) int
}

// wrapper is the Store of a wrapped store without optional powers; withPowers (powers.go)
// adds those of the wrapped store.
type wrapper struct {
	inner  storage.Store
	mu     sync.Mutex
	faults []*fault
	calls  map[Op]int
}

var _ Store = (*wrapper)(nil)

// New wraps inner. The wrapper has the optional powers of inner (storage.SpaceReporter,
// storage.Remnants, storage.Prober), and only those: a check that depends on a power runs
// through the wrapper exactly when it would run on inner.
func New(inner storage.Store) Store {
	w := &wrapper{inner: inner, calls: make(map[Op]int)}
	_, space := inner.(storage.SpaceReporter)
	_, remnants := inner.(storage.Remnants)
	_, prober := inner.(storage.Prober)
	return withPowers(w, space, remnants, prober)
}

// Add installs a fault.
func (s *wrapper) Add(f Fault) {
	if _, err := path.Match(f.Key, ""); err != nil {
		panic(fmt.Sprintf("faulty: bad key pattern %q: %v", f.Key, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{Fault: f})
}

// Clear removes every fault.
func (s *wrapper) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Calls counts the calls of op.
func (s *wrapper) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// hit counts the call and returns the first fault that hits it, or nil.
func (s *wrapper) hit(op Op, key string) *Fault {
	s.mu.Lock()
	s.calls[op]++
	var hit *Fault
	for _, f := range s.faults {
		if f.Op != op {
			continue
		}
		if ok, _ := path.Match(f.Key, key); f.Key != "" && !ok {
			continue
		}
		f.seen++
		if hit == nil && (f.Nth == 0 || f.seen == f.Nth) {
			hit = &f.Fault
		}
	}
	s.mu.Unlock()
	if hit != nil && hit.OnHit != nil {
		hit.OnHit(op, key)
	}
	return hit
}

// act makes a hit fault fail or block the call.
func (f *Fault) act(ctx context.Context) error {
	if f.Block {
		<-ctx.Done()
		return ctx.Err()
	}
	if f.Err != nil {
		return f.Err
	}
	return ErrInjected
}
