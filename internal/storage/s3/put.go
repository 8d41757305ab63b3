package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
)

// peekSize is how much of a source Put reads before it takes a part buffer: a smaller blob
// (a lock, a manifest, an index) is stored at once, without waiting for a buffer that the
// parts of large uploads hold.
const peekSize = 64 << 10

// conflictRetries bounds the retries of a conditional write that S3 answered with 409
// ConditionalRequestConflict (another conditional write of the key was under way).
const conflictRetries = 5

// Put stores the whole of r under key: in one request when it fits one part, else as a
// multipart upload (multipart.go). Nothing is visible before the commit (PutObject's or
// CompleteMultipartUpload's success), and a failed Put aborts its upload.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent is Put with If-None-Match: * on the commit (PutObject or
// CompleteMultipartUpload), which S3 refuses with 412 when the key exists: of racing callers
// exactly one wins.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "put-if-absent", key, r, true)
}

func (s *Store) put(ctx context.Context, op, key string, r io.Reader, exclusive bool) (int64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	if err := s.folderConflict(ctx, key); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	src := ctxio.Reader(ctx, r)
	peek := make([]byte, peekSize)
	n, err := io.ReadFull(src, peek)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return s.putObject(ctx, op, key, peek[:n], exclusive)
	case err != nil:
		return 0, fmt.Errorf("%s %q: read the source: %w", op, key, err)
	}
	buf, err := s.buffers.get(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	copy(buf, peek)
	m, err := io.ReadFull(src, buf[n:])
	n += m
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		defer s.buffers.put(buf)
		return s.putObject(ctx, op, key, buf[:n], exclusive)
	case err != nil:
		s.buffers.put(buf)
		return 0, fmt.Errorf("%s %q: read the source: %w", op, key, err)
	}
	return s.putMultipart(ctx, op, key, src, buf, exclusive)
}

// putObject stores data in one PutObject request, with its SHA-256, which the server checks.
func (s *Store) putObject(ctx context.Context, op, key string, data []byte, exclusive bool) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	sum := sha256.Sum256(data)
	b64 := base64.StdEncoding.EncodeToString(sum[:])
	in := &s3.PutObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.prefix + key), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: &b64,
		StorageClass: types.StorageClass(s.opts.StorageClass), ServerSideEncryption: types.ServerSideEncryption(s.opts.SSE),
	}
	if s.opts.SSEKMSKeyID != "" {
		in.SSEKMSKeyId = aws.String(s.opts.SSEKMSKeyID)
	}
	if exclusive {
		in.IfNoneMatch = aws.String("*")
	}
	var out *s3.PutObjectOutput
	err := retryConflicts(ctx, func() error {
		return retryDenied(ctx, func() (err error) {
			in.Body = bytes.NewReader(data)
			out, err = s.client.PutObject(ctx, in, withPayloadHash(hex.EncodeToString(sum[:])))
			return err
		})
	})
	if err != nil {
		return 0, s.fail(op, key, "s3:PutObject", err)
	}
	if got := aws.ToString(out.ChecksumSHA256); got != "" && got != b64 {
		return 0, s.corrupted(ctx, op, key, fmt.Sprintf("the server reports the SHA-256 %s, the data sent has %s", got, b64))
	}
	return int64(len(data)), nil
}

// retryConflicts runs a conditional write again while S3 answers 409
// ConditionalRequestConflict: another write of the key was under way; once it is done, the
// write succeeds or fails with 412.
func retryConflicts(ctx context.Context, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if code, _ := errorCode(err); code != "ConditionalRequestConflict" || attempt == conflictRetries || ctx.Err() != nil {
			return err
		}
	}
}

// corrupted removes a blob whose stored content differs from what was sent, and says so.
func (s *Store) corrupted(ctx context.Context, op, key, what string) error {
	msg := fmt.Sprintf("%s %q in %s (endpoint %s): the stored blob is not what was sent: %s; it was removed", op, key, s.location, s.endpoint, what)
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	if _, err := s.client.DeleteObject(dctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)}); err != nil {
		msg = fmt.Sprintf("%s %q in %s (endpoint %s): the stored blob is not what was sent: %s; remove it (%v)", op, key, s.location, s.endpoint, what, lastCause(err))
	}
	return errors.New(msg)
}

// pool holds the part buffers of a store: at most n, allocated when first needed, shared by
// all its Puts, so that the uploads of a store use at most n × size bytes.
type pool struct {
	size int64
	free chan []byte
}

func newPool(n int, size int64) *pool {
	p := &pool{size: size, free: make(chan []byte, n)}
	for range n {
		p.free <- nil
	}
	return p
}

// get takes a buffer of the pool's size, waiting for one while all are in use.
func (p *pool) get(ctx context.Context) ([]byte, error) {
	select {
	case b := <-p.free:
		if b == nil {
			b = make([]byte, p.size)
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put gives a buffer back.
func (p *pool) put(b []byte) { p.free <- b[:cap(b)] }
