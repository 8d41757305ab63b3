package s3

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// maxResumes bounds how often one Get's reader asks again for the rest of the blob after its
// connection failed.
const maxResumes = 5

// Get opens a blob and streams it. When the connection fails while the blob is read, the
// reader asks for the rest of the same version (a ranged GET with If-Match on its ETag) and
// goes on, up to maxResumes times; a blob overwritten meanwhile fails the read.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.check(ctx, key); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)})
	if err != nil {
		return nil, s.fail("get", key, "s3:GetObject", err)
	}
	return &reader{s: s, ctx: ctx, key: key, body: out.Body, etag: aws.ToString(out.ETag), size: aws.ToInt64(out.ContentLength)}, nil
}

// reader is a blob's body that resumes after a failed connection.
type reader struct {
	s       *Store
	ctx     context.Context
	key     string
	body    io.ReadCloser
	etag    string
	size    int64
	off     int64
	resumes int
}

func (r *reader) Read(p []byte) (int, error) {
	for {
		n, err := r.body.Read(p)
		r.off += int64(n)
		switch {
		case err == nil || n > 0 && !errors.Is(err, io.EOF):
			return n, nil // a failure after data is seen again by the next Read
		case errors.Is(err, io.EOF) && r.off == r.size:
			return n, io.EOF
		case errors.Is(err, io.EOF):
			err = io.ErrUnexpectedEOF // the connection ended before the blob
		}
		if r.ctx.Err() != nil || r.resumes >= maxResumes || r.etag == "" {
			return n, r.s.fail("read", r.key, "s3:GetObject", err)
		}
		if n > 0 {
			return n, nil
		}
		if rerr := r.resume(); rerr != nil {
			return 0, rerr
		}
	}
}

// resume asks for the rest of the blob from r.off, of the version read so far.
func (r *reader) resume() error {
	r.resumes++
	r.body.Close()
	r.body = io.NopCloser(eofReader{})
	out, err := r.s.client.GetObject(r.ctx, &s3.GetObjectInput{
		Bucket: &r.s.bucket, Key: aws.String(r.s.prefix + r.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-", r.off)), IfMatch: aws.String(r.etag),
	})
	if err != nil {
		if code, status := errorCode(err); code == "PreconditionFailed" || status == 412 {
			return fmt.Errorf("read %q in %s: the blob was replaced while it was read; read it again", r.key, r.s.location)
		}
		return r.s.fail("read", r.key, "s3:GetObject", err)
	}
	r.body = out.Body
	return nil
}

func (r *reader) Close() error { return r.body.Close() }

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
