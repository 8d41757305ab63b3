package faulty

import (
	"context"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// One type per optional power, each passing to the wrapper; New embeds exactly those of the
// wrapped store in the Store it returns.
type (
	spacePower    struct{ w *wrapper }
	remnantsPower struct{ w *wrapper }
	proberPower   struct{ w *wrapper }
)

// withPowers returns w with the powers named: one struct type per combination, each embedding
// the wrapper and the types of its powers.
func withPowers(w *wrapper, space, remnants, prober bool) Store {
	s, r, p := spacePower{w}, remnantsPower{w}, proberPower{w}
	switch {
	case space && remnants && prober:
		return struct {
			*wrapper
			spacePower
			remnantsPower
			proberPower
		}{w, s, r, p}
	case space && remnants:
		return struct {
			*wrapper
			spacePower
			remnantsPower
		}{w, s, r}
	case space && prober:
		return struct {
			*wrapper
			spacePower
			proberPower
		}{w, s, p}
	case remnants && prober:
		return struct {
			*wrapper
			remnantsPower
			proberPower
		}{w, r, p}
	case space:
		return struct {
			*wrapper
			spacePower
		}{w, s}
	case remnants:
		return struct {
			*wrapper
			remnantsPower
		}{w, r}
	case prober:
		return struct {
			*wrapper
			proberPower
		}{w, p}
	}
	return w
}

var (
	_ storage.SpaceReporter = spacePower{}
	_ storage.Remnants      = remnantsPower{}
	_ storage.Prober        = proberPower{}
)

// FreeSpace passes through to the wrapped SpaceReporter or fails as a fault says.
func (p spacePower) FreeSpace(ctx context.Context) (int64, error) {
	if f := p.w.hit(OpFreeSpace, ""); f != nil {
		return 0, fmt.Errorf("free space: %w", f.act(ctx))
	}
	return p.w.inner.(storage.SpaceReporter).FreeSpace(ctx)
}

// Remnants passes through to the wrapped Remnants or fails as a fault says.
func (p remnantsPower) Remnants(ctx context.Context, folder string) ([]string, error) {
	if f := p.w.hit(OpRemnants, folder); f != nil {
		return nil, fmt.Errorf("remnants in %q: %w", folder, f.act(ctx))
	}
	return p.w.inner.(storage.Remnants).Remnants(ctx, folder)
}

// RemoveRemnants passes through to the wrapped Remnants or fails as a fault says.
func (p remnantsPower) RemoveRemnants(ctx context.Context, folder string) error {
	if f := p.w.hit(OpRemoveRemnants, folder); f != nil {
		return fmt.Errorf("remove remnants in %q: %w", folder, f.act(ctx))
	}
	return p.w.inner.(storage.Remnants).RemoveRemnants(ctx, folder)
}

// Probe passes through to the wrapped Prober or fails as a fault says.
func (p proberPower) Probe(ctx context.Context) error {
	if f := p.w.hit(OpProbe, ""); f != nil {
		return fmt.Errorf("probe: %w", f.act(ctx))
	}
	return p.w.inner.(storage.Prober).Probe(ctx)
}
