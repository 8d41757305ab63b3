//go:build !linux

package local

import (
	"context"
	"errors"
	"fmt"
)

// FreeSpace is implemented on Linux only; elsewhere it fails with an error wrapping
// errors.ErrUnsupported.
func (s *Store) FreeSpace(ctx context.Context) (int64, error) {
	return 0, fmt.Errorf("free space of %s: %w", s.location, errors.ErrUnsupported)
}
