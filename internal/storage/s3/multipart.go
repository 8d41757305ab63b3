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
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// abortTimeout bounds the abort of a failed upload, which runs even when the Put's context is
// done.
const abortTimeout = 30 * time.Second

// upload is one multipart upload under way.
type upload struct {
	s        *Store
	op, key  string
	id       string
	size     int64
	mu       sync.Mutex // guards parts, digests and firstErr while parts are under way
	parts    []types.CompletedPart
	digests  [][]byte // the SHA-256 of each part, by part number - 1
	wg       sync.WaitGroup
	cancel   context.CancelCauseFunc
	firstErr error
}

// putMultipart stores src, whose first part is in first (a full buffer of the pool), as a
// multipart upload: each part is uploaded with its SHA-256 (which the server checks) by up to
// as many goroutines as the pool has buffers, while the next part is read; each request is
// retried by the SDK's retryer. The upload is completed (with If-None-Match: * when
// exclusive) once every part is stored, and aborted when anything fails.
func (s *Store) putMultipart(ctx context.Context, op, key string, src io.Reader, first []byte, exclusive bool) (int64, error) {
	in := &s3.CreateMultipartUploadInput{
		Bucket: &s.bucket, Key: aws.String(s.prefix + key), ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		StorageClass: types.StorageClass(s.opts.StorageClass), ServerSideEncryption: types.ServerSideEncryption(s.opts.SSE),
	}
	if s.opts.SSEKMSKeyID != "" {
		in.SSEKMSKeyId = aws.String(s.opts.SSEKMSKeyID)
	}
	var created *s3.CreateMultipartUploadOutput
	err := retryDenied(ctx, func() (err error) {
		created, err = s.client.CreateMultipartUpload(ctx, in)
		return err
	})
	if err != nil {
		s.buffers.put(first)
		return 0, s.fail(op, key, "s3:PutObject", err)
	}
	partsCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	u := &upload{s: s, op: op, key: key, id: aws.ToString(created.UploadId), cancel: cancel}
	if err := u.send(partsCtx, src, first); err != nil {
		return 0, u.abort(ctx, err)
	}
	if err := u.complete(ctx, exclusive); err != nil {
		return 0, u.abort(ctx, err)
	}
	return u.size, nil
}

// send uploads buf and every further part of src; it returns once every part is stored, or
// the first error (of the source or of a part).
func (u *upload) send(ctx context.Context, src io.Reader, buf []byte) error {
	for number := int32(1); ; number++ {
		if number > maxParts {
			u.s.buffers.put(buf)
			u.failed(fmt.Errorf("the blob is larger than %d parts of %d bytes: set a larger partSize (option partSize or ZEEBE_BACKUP_S3_PART_SIZE)", maxParts, u.s.opts.partSize()))
			break
		}
		u.size += int64(len(buf))
		u.mu.Lock() // the parts under way write into these slices
		u.digests = append(u.digests, nil)
		u.parts = append(u.parts, types.CompletedPart{})
		u.mu.Unlock()
		u.wg.Add(1)
		go u.part(ctx, number, buf)

		next, err := u.s.buffers.get(ctx)
		if err != nil {
			u.failed(err)
			break
		}
		n, err := io.ReadFull(src, next)
		if n > 0 && (err == nil || errors.Is(err, io.ErrUnexpectedEOF)) {
			buf = next[:n]
			continue
		}
		u.s.buffers.put(next)
		if !errors.Is(err, io.EOF) {
			u.failed(fmt.Errorf("read the source: %w", err))
		}
		break
	}
	u.wg.Wait()
	return u.err()
}

// part uploads one part and gives its buffer back.
func (u *upload) part(ctx context.Context, number int32, data []byte) {
	defer u.wg.Done()
	defer u.s.buffers.put(data)
	sum := sha256.Sum256(data)
	b64 := base64.StdEncoding.EncodeToString(sum[:])
	in := &s3.UploadPartInput{
		Bucket: &u.s.bucket, Key: aws.String(u.s.prefix + u.key), UploadId: &u.id, PartNumber: aws.Int32(number),
		ContentLength: aws.Int64(int64(len(data))), ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: &b64,
	}
	var out *s3.UploadPartOutput
	err := retryDenied(ctx, func() (err error) {
		in.Body = bytes.NewReader(data)
		out, err = u.s.client.UploadPart(ctx, in, withPayloadHash(hex.EncodeToString(sum[:])))
		return err
	})
	if err != nil {
		u.failed(u.s.fail(fmt.Sprintf("%s part %d of", u.op, number), u.key, "s3:PutObject", err))
		return
	}
	if got := aws.ToString(out.ChecksumSHA256); got != "" && got != b64 {
		u.failed(fmt.Errorf("part %d: the server reports the SHA-256 %s, the data sent has %s", number, got, b64))
		return
	}
	u.mu.Lock()
	u.parts[number-1] = types.CompletedPart{PartNumber: aws.Int32(number), ETag: out.ETag, ChecksumSHA256: &b64}
	u.digests[number-1] = sum[:]
	u.mu.Unlock()
}

// failed records the upload's first error and stops its other parts.
func (u *upload) failed(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.firstErr == nil {
		u.firstErr = err
		u.cancel(err)
	}
}

func (u *upload) err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.firstErr
}

// complete commits the upload and checks the checksum the server computed over the parts'
// SHA-256 against the one of the parts sent (S3's composite checksum: the SHA-256 of the
// parts' digests, "-" and the number of parts). A server that reports none is asked for the
// blob's size instead.
func (u *upload) complete(ctx context.Context, exclusive bool) error {
	in := &s3.CompleteMultipartUploadInput{
		Bucket: &u.s.bucket, Key: aws.String(u.s.prefix + u.key), UploadId: &u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	}
	if exclusive {
		in.IfNoneMatch = aws.String("*")
	}
	var out *s3.CompleteMultipartUploadOutput
	err := retryConflicts(ctx, func() error {
		return retryDenied(ctx, func() (err error) {
			out, err = u.s.client.CompleteMultipartUpload(ctx, in)
			return err
		})
	})
	if err != nil {
		return u.s.fail(u.op, u.key, "s3:PutObject", err)
	}
	composite := sha256.New()
	for _, d := range u.digests {
		composite.Write(d)
	}
	want := fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(composite.Sum(nil)), len(u.digests))
	if got := aws.ToString(out.ChecksumSHA256); got != "" {
		if got != want {
			return committed{u.s.corrupted(ctx, u.op, u.key, fmt.Sprintf("the server reports the checksum %s, the parts sent have %s", got, want))}
		}
		return nil
	}
	head, err := u.s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &u.s.bucket, Key: aws.String(u.s.prefix + u.key), IfMatch: out.ETag})
	if code, status := errorCode(err); code == "PreconditionFailed" || status == 412 {
		return nil // overwritten since: nothing left to check
	}
	if err != nil {
		return committed{u.s.fail(u.op+" (check the size of)", u.key, "s3:GetObject", err)}
	}
	if got := aws.ToInt64(head.ContentLength); got != u.size {
		return committed{u.s.corrupted(ctx, u.op, u.key, fmt.Sprintf("the server stored %d bytes, %d were sent", got, u.size))}
	}
	return nil
}

// committed is an error after the upload was completed: there is nothing left to abort.
type committed struct{ error }

func (c committed) Unwrap() error { return c.error }

// abort ends a failed upload so that its parts are removed, on a context of its own (the
// Put's may be done). An abort that fails leaves an incomplete upload, which no List shows;
// the error says so.
func (u *upload) abort(ctx context.Context, err error) error {
	var c committed
	if errors.As(err, &c) {
		return c.error
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, aerr := u.s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &u.s.bucket, Key: aws.String(u.s.prefix + u.key), UploadId: &u.id},
		func(o *s3.Options) { o.RetryMaxAttempts = 2 })
	if aerr != nil {
		return fmt.Errorf("%w (and its incomplete upload %s could not be aborted: %s; no listing shows it, and a lifecycle rule AbortIncompleteMultipartUpload, or MinIO's own expiry, removes it)", err, u.id, lastCause(aerr))
	}
	return err
}
