package s3_test

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/storagetest"
)

// The conformance suite on a real MinIO server, with the default part size: the suite's blobs
// (up to 5 MiB) are stored with one PutObject each. Each store is a bucket of its own.
func TestConformance(t *testing.T) {
	srv := server(t)
	storagetest.Run(t, bucketStores(t, srv, nil))
}

// The conformance suite again with the smallest part size, so that its blobs over 5 MiB are
// multipart uploads (PutIfAbsent's If-None-Match on CompleteMultipartUpload included).
func TestConformanceMultipart(t *testing.T) {
	srv := server(t)
	storagetest.Run(t, bucketStores(t, srv, storage.Options{"partSize": "5MiB", "concurrency": "2"}))
}
