package gcs

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"google.golang.org/api/googleapi"
	raw "google.golang.org/api/storage/v1"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// writerMetadata is the custom metadata that holds a random token of the PutIfAbsent that
// created the object, so that a retried create whose first try succeeded (its answer lost)
// knows the object is its own.
const writerMetadata = "zeebe-backup-writer"

// Put stores the whole of r under key with a resumable upload (see the package documentation).
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := s.put(ctx, key, r, false)
	if err != nil {
		return 0, fmt.Errorf("put %q: %w", key, err)
	}
	return n, nil
}

// PutIfAbsent is Put with the condition ifGenerationMatch=0: Cloud Storage commits the object
// only if the key holds none, and fails with an error wrapping storage.ErrExists otherwise.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := s.put(ctx, key, r, true)
	if err != nil {
		return 0, fmt.Errorf("put-if-absent %q: %w", key, err)
	}
	return n, nil
}

func (s *Store) put(ctx context.Context, key string, r io.Reader, exclusive bool) (int64, error) {
	if err := check(ctx, key); err != nil {
		return 0, err
	}
	obj := &raw.Object{Name: s.name(key), ContentType: "application/octet-stream", StorageClass: s.cfg.StorageClass}
	src := &source{r: ctxio.Reader(ctx, r), crc: crc32.New(castagnoli)}
	// The library reads the source chunk by chunk into one buffer (a source that fits in one
	// chunk is sent whole, with its metadata) and sends the CRC32C of the whole object, which
	// Cloud Storage checks before it commits. Cloud Storage commits only when the last chunk
	// arrives: a failing source or a cancelled context ends the upload before that.
	call := s.svc.Objects.Insert(s.cfg.Bucket, obj).Context(ctx).Projection("noAcl").Media(src,
		googleapi.ChunkSize(s.cfg.chunkSize()), googleapi.ContentType(obj.ContentType),
		googleapi.EnableAutoChecksum(), googleapi.ChunkRetryDeadline(s.retryDeadline))
	if s.cfg.KMSKey != "" {
		call = call.KmsKeyName(s.cfg.KMSKey)
	}
	var token string
	if exclusive {
		token = rand.Text()
		obj.Metadata = map[string]string{writerMetadata: token}
		call = call.IfGenerationMatch(0)
	}
	// The library bounds the retries of a chunk (ChunkRetryDeadline) but not those of the
	// request that starts a session or sends a small object whole; this bounds them all by the
	// retry budget since the server last took a chunk.
	var progress atomic.Int64
	progress.Store(time.Now().UnixNano())
	call = call.ProgressUpdater(func(int64, int64) { progress.Store(time.Now().UnixNano()) })
	call = call.WithRetry(backoff(), func(err error) bool {
		return time.Since(time.Unix(0, progress.Load())) < s.retryBudget(err)
	})

	created, err := call.Do()
	switch {
	case src.err != nil: // the upload failed with it: nothing was committed
		return 0, fmt.Errorf("read the data to store: %w", src.err)
	case err == nil:
		return src.n, s.verify(ctx, key, created, src)
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case exclusive && status(err) == http.StatusPreconditionFailed:
		return s.createdAnyway(ctx, key, token, src)
	}
	return 0, s.explain(err)
}

// createdAnyway looks at the object of a PutIfAbsent that Cloud Storage refused as existing:
// when a retry of the request that created it was refused, the object is this Put's own (its
// token), and the Put succeeded.
func (s *Store) createdAnyway(ctx context.Context, key, token string, src *source) (int64, error) {
	o, err := s.attrs(ctx, s.name(key))
	if err != nil || o.Metadata[writerMetadata] != token {
		return 0, storage.ErrExists
	}
	return src.n, s.verify(ctx, key, o, src)
}

// verify checks the object Cloud Storage reports against what was read from the source: its
// size and CRC32C. A mismatch removes the object (this generation only) and fails.
func (s *Store) verify(ctx context.Context, key string, o *raw.Object, src *source) error {
	crc := src.crc.Sum32()
	stored, ok := decodeCRC32C(o.Crc32c)
	if int64(o.Size) == src.n && ok && stored == crc {
		return nil
	}
	problem := fmt.Sprintf("%s stored %d bytes with CRC32C %q, but %d bytes with CRC32C %08x were sent", s.endpoint, o.Size, o.Crc32c, src.n, crc)
	if err := s.delete(ctx, o.Name, o.Generation); err != nil {
		return fmt.Errorf("%s; removing the damaged object failed too: %w; remove %s/%s", problem, s.explain(err), s.Location(), key)
	}
	return fmt.Errorf("%s; the damaged object was removed: store it again", problem)
}

// decodeCRC32C reads a CRC32C as the JSON API writes it: base64 of 4 bytes, big-endian.
func decodeCRC32C(v string) (uint32, bool) {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(b), true
}

// source is the reader a Put sends: it counts the bytes read and computes their CRC32C, and
// remembers its error, to tell it from the upload's.
type source struct {
	r   io.Reader
	n   int64
	crc hash.Hash32
	err error
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	s.crc.Write(p[:n])
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}
