// Package s3 is a [storage.Store] in a bucket of AWS S3 or an S3-compatible store (MinIO,
// Ceph, R2), below a prefix: s3://bucket/prefix. It uses the AWS SDK for Go v2: its credential
// chain (environment, shared files with AWS_PROFILE, web identity as on EKS, container and
// instance roles) is the only source of credentials, and its retryer retries each request.
//
// The key "a/b" is the object "prefix/a/b". Invariants:
//
//  1. Settings ([Options]) come from the options written beside the location (the cluster
//     file's repositoryOptions), each overridden by its environment variable; credentials are
//     never settings, never in the location, and never in an error: the errors name the
//     operation, the key, the store and its endpoint, what the failure means (credentials
//     refused, access denied and the permission to grant, bucket missing, server unreachable,
//     wrong region) and what to do.
//  2. Put reads up to 64 KiB of its source; a blob that ends there, or within one part, is
//     stored with one PutObject. A larger one is a multipart upload: parts of PartSize bytes
//     are read into buffers of a pool that the store's Puts share (Concurrency + 1 buffers, so
//     memory for uploads stays under PartSize × (Concurrency + 1) however many Puts run and
//     however large their blobs), each part is uploaded while the next is read, by up to that
//     many goroutines. Every body carries its SHA-256 (x-amz-checksum-sha256), which the server
//     checks, and the same digest signs the request (no second pass over the data); the
//     composite checksum the server reports on completion is compared with the parts' digests.
//  3. Nothing is visible before the commit: PutObject's success or CompleteMultipartUpload's.
//     A failed or cancelled Put aborts its multipart upload (on a context of its own); an
//     abort that fails too (the server is gone) leaves an incomplete upload, which no listing
//     shows and the error names; a bucket lifecycle rule (AbortIncompleteMultipartUpload) or
//     MinIO's own expiry removes it. The store does not offer storage.Remnants: MinIO lists
//     incomplete uploads by exact key only, not below a folder.
//  4. PutIfAbsent commits with If-None-Match: * (on PutObject, or on CompleteMultipartUpload),
//     which the server refuses with 412 when the key exists: of racing callers exactly one
//     wins. A 409 ConditionalRequestConflict is tried again.
//  5. Each request is retried on the errors the SDK deems retryable (HTTP 500, 502, 503, 504,
//     throttling, a reset or refused connection), 5 attempts with exponential backoff; a
//     write refused with AccessDenied is tried twice more, shortly after (MinIO on one drive
//     answers so to a write racing the removal of its empty folder).
//  6. Get streams the object; when the connection breaks, it asks for the rest of the same
//     version (Range from the offset read, If-Match on the ETag), up to 5 times; a blob
//     replaced meanwhile fails the read instead of mixing versions.
//  7. List pages through ListObjectsV2 and returns the keys sorted; objects whose names are no
//     valid keys (a console's folder marker "a/", a ".tmp-" segment) are not blobs and are left
//     out. A key that is also a folder of other keys ("a" and "a/b") is refused by Put, as by
//     the local store (MinIO would store both and list neither): a HEAD per folder above the
//     key and one listing of its own folder, before the upload; a check, not a lock.
//  8. The prefix counts against S3's 1024 bytes per key: a longer key is refused as invalid.
//  9. The store is a [storage.Prober]: Probe lists one key below the prefix, which needs the
//     server, the bucket, accepted credentials and s3:ListBucket; backup's pre-flight then
//     checks writing with its probe file. Open itself sends nothing.
//
// The SDK logs nothing (its logger is off); the SDK's own request checksums are computed only
// where S3 requires them, since Put sends its own.
package s3
