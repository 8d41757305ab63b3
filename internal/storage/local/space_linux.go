package local

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"
)

// FreeSpace returns the bytes available to an unprivileged user on the root folder's file
// system (statfs(2) f_bavail × f_bsize).
func (s *Store) FreeSpace(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", s.location, err)
	}
	d, err := s.root.Open(".")
	if err != nil {
		return 0, fmt.Errorf("free space of %s: %w", s.location, err)
	}
	defer d.Close()
	conn, err := d.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("free space of %s: %w", s.location, err)
	}
	var st unix.Statfs_t
	var statErr error
	if err := conn.Control(func(fd uintptr) { statErr = unix.Fstatfs(int(fd), &st) }); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", s.location, err)
	}
	if statErr != nil {
		return 0, fmt.Errorf("free space of %s: statfs: %w", s.location, statErr)
	}
	return int64(st.Bavail) * st.Bsize, nil
}
