package faulty_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/faulty"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/mem"
)

// powers lists the optional powers a store shows to a type assertion.
func powers(s storage.Store) []string {
	var out []string
	if _, ok := s.(storage.SpaceReporter); ok {
		out = append(out, "space")
	}
	if _, ok := s.(storage.Remnants); ok {
		out = append(out, "remnants")
	}
	if _, ok := s.(storage.Prober); ok {
		out = append(out, "prober")
	}
	return out
}

// Stores with one power each, and every combination of them.
type (
	spaceOnly    struct{ *mem.Store }
	remnantsOnly struct{ *mem.Store }
	proberOnly   struct{ *mem.Store }
	spaceProber  struct {
		spaceOnly
		proberPower
	}
	remnantsProber struct {
		remnantsOnly
		proberPower
	}
	spaceRemnants struct {
		spaceOnly
		remnantsPower
	}
	allThree struct {
		spaceOnly
		remnantsPower
		proberPower
	}
	proberPower   struct{}
	remnantsPower struct{}
)

var errUnreachable = errors.New("the server is down")

func (proberOnly) Probe(context.Context) error { return errUnreachable }

func (proberPower) Probe(context.Context) error { return errUnreachable }

func (remnantsPower) Remnants(context.Context, string) ([]string, error) { return nil, nil }

func (remnantsPower) RemoveRemnants(context.Context, string) error { return nil }

func (spaceOnly) FreeSpace(context.Context) (int64, error) { return 12345, nil }

func (remnantsOnly) Remnants(context.Context, string) ([]string, error) {
	return []string{"/r/.tmp-1"}, nil
}

func (remnantsOnly) RemoveRemnants(context.Context, string) error { return nil }

// The wrapper has exactly the optional powers of the store it wraps.
func TestWrapperKeepsExactlyThePowersOfTheWrappedStore(t *testing.T) {
	l, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for name, inner := range map[string]storage.Store{
		"local":            l,
		"mem":              mem.New(),
		"space only":       spaceOnly{mem.New()},
		"remnants only":    remnantsOnly{mem.New()},
		"prober only":      proberOnly{mem.New()},
		"space and prober": spaceProber{spaceOnly: spaceOnly{mem.New()}},
		"remnants, prober": remnantsProber{remnantsOnly: remnantsOnly{mem.New()}},
		"space, remnants":  spaceRemnants{spaceOnly: spaceOnly{mem.New()}},
		"all three":        allThree{spaceOnly: spaceOnly{mem.New()}},
	} {
		want := powers(inner)
		if got := powers(faulty.New(inner)); !slices.Equal(got, want) {
			t.Errorf("%s: the wrapper has powers %v, the wrapped store %v", name, got, want)
		}
	}
}

// Over local, the wrapper reports the free space of the folder; over mem it does not claim
// to know it. Its FreeSpace and Remnants pass through, and faults hit them.
func TestFreeSpaceAndRemnantsPassThrough(t *testing.T) {
	ctx := t.Context()
	l, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := faulty.New(l)
	sr, ok := s.(storage.SpaceReporter)
	if !ok {
		t.Fatal("a faulty store over a local one reports no free space: the backup's free-space pre-flight would be off")
	}
	if free, err := sr.FreeSpace(ctx); err != nil || free <= 0 {
		t.Errorf("FreeSpace = %d, %v; want the folder's free bytes", free, err)
	}
	if _, ok := faulty.New(mem.New()).(storage.SpaceReporter); ok {
		t.Error("a faulty store over mem claims to know its free space")
	}

	errFull := errors.New("statfs failed")
	s.Add(faulty.Fault{Op: faulty.OpFreeSpace, Err: errFull})
	if _, err := sr.FreeSpace(ctx); !errors.Is(err, errFull) {
		t.Errorf("FreeSpace with a fault: %v, want the fault's error", err)
	}
	if got := s.Calls(faulty.OpFreeSpace); got != 2 {
		t.Errorf("Calls(free-space) = %d, want 2", got)
	}

	rs := faulty.New(remnantsOnly{mem.New()}).(storage.Remnants)
	if got, err := rs.Remnants(ctx, "b/"); err != nil || !slices.Equal(got, []string{"/r/.tmp-1"}) {
		t.Errorf("Remnants = %v, %v; want the wrapped store's", got, err)
	}
	rs.(faulty.Store).Add(faulty.Fault{Op: faulty.OpRemoveRemnants, Key: "b/"})
	if err := rs.RemoveRemnants(ctx, "b/"); !errors.Is(err, faulty.ErrInjected) {
		t.Errorf("RemoveRemnants(b/) with a fault: %v, want ErrInjected", err)
	}
	if err := rs.RemoveRemnants(ctx, "c/"); err != nil {
		t.Errorf("RemoveRemnants(c/), no fault: %v", err)
	}
}

// Probe passes through to the wrapped store's, and faults hit it.
func TestProbePassesThrough(t *testing.T) {
	ctx := t.Context()
	s := faulty.New(proberOnly{mem.New()})
	p, ok := s.(storage.Prober)
	if !ok {
		t.Fatal("a faulty store over a Prober is none: the pre-flight probe would be off")
	}
	if err := p.Probe(ctx); !errors.Is(err, errUnreachable) {
		t.Errorf("Probe = %v, want the wrapped store's error", err)
	}
	errDown := errors.New("injected: down")
	s.Add(faulty.Fault{Op: faulty.OpProbe, Err: errDown})
	if err := p.Probe(ctx); !errors.Is(err, errDown) {
		t.Errorf("Probe with a fault = %v, want the fault's error", err)
	}
	if got := s.Calls(faulty.OpProbe); got != 2 {
		t.Errorf("Calls(probe) = %d, want 2", got)
	}
}
