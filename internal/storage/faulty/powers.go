package faulty

import (
	"context"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// The wrappers of stores with optional powers: New picks the one with exactly the powers of
// the wrapped store.
type (
	withSpace    struct{ *wrapper }
	withRemnants struct{ *wrapper }
	withBoth     struct{ *wrapper }
)

var (
	_ storage.SpaceReporter = withSpace{}
	_ storage.Remnants      = withRemnants{}
	_ storage.SpaceReporter = withBoth{}
	_ storage.Remnants      = withBoth{}
)

func (s withSpace) FreeSpace(ctx context.Context) (int64, error) { return s.freeSpace(ctx) }

func (s withRemnants) Remnants(ctx context.Context, folder string) ([]string, error) {
	return s.remnants(ctx, folder)
}

func (s withRemnants) RemoveRemnants(ctx context.Context, folder string) error {
	return s.removeRemnants(ctx, folder)
}

func (s withBoth) FreeSpace(ctx context.Context) (int64, error) { return s.freeSpace(ctx) }

func (s withBoth) Remnants(ctx context.Context, folder string) ([]string, error) {
	return s.remnants(ctx, folder)
}

func (s withBoth) RemoveRemnants(ctx context.Context, folder string) error {
	return s.removeRemnants(ctx, folder)
}

// freeSpace passes through to the wrapped SpaceReporter or fails as a fault says.
func (s *wrapper) freeSpace(ctx context.Context) (int64, error) {
	if f := s.hit(OpFreeSpace, ""); f != nil {
		return 0, fmt.Errorf("free space: %w", f.act(ctx))
	}
	return s.inner.(storage.SpaceReporter).FreeSpace(ctx)
}

// remnants passes through to the wrapped Remnants or fails as a fault says.
func (s *wrapper) remnants(ctx context.Context, folder string) ([]string, error) {
	if f := s.hit(OpRemnants, folder); f != nil {
		return nil, fmt.Errorf("remnants in %q: %w", folder, f.act(ctx))
	}
	return s.inner.(storage.Remnants).Remnants(ctx, folder)
}

// removeRemnants passes through to the wrapped Remnants or fails as a fault says.
func (s *wrapper) removeRemnants(ctx context.Context, folder string) error {
	if f := s.hit(OpRemoveRemnants, folder); f != nil {
		return fmt.Errorf("remove remnants in %q: %w", folder, f.act(ctx))
	}
	return s.inner.(storage.Remnants).RemoveRemnants(ctx, folder)
}
