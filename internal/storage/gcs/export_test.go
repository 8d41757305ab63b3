package gcs

import "time"

// SetRetryDeadline shortens the retries of a store, for fault tests that would otherwise wait
// DefaultRetryDeadline.
func SetRetryDeadline(s *Store, d time.Duration) { s.retryDeadline = d }

// SetListPageSize makes List read pages of n names, to test paging with a few objects.
func SetListPageSize(s *Store, n int64) { s.pageSize = n }

// OptionsInForce are a store's options once the environment is applied.
func OptionsInForce(s *Store) Options { return s.cfg.Options }
