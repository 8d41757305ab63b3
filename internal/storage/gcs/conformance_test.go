package gcs_test

import (
	"fmt"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/storagetest"
)

// The conformance suite against a real fake-gcs-server on loopback, each subtest in a prefix
// of its own.
func TestConformance(t *testing.T) {
	srv := emulated(t)
	n := 0
	storagetest.Run(t, func(t *testing.T) storage.Store {
		n++
		return open(t, srv.Bucket, fmt.Sprintf("conformance/%02d", n), nil)
	})
}
