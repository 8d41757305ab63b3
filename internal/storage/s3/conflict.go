package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// folderConflict refuses a key that is a blob's folder, or below a blob ("a/b" and "a"), as
// the local and mem stores do: S3 would store both, but MinIO then lists neither the blob
// nor the folder's keys (it keeps objects as folders of its disk). It costs a HEAD per folder
// above the key and one listing of the key's own folder, before anything is uploaded; it is
// a check, not a lock (two Puts racing for "a" and "a/b" may both pass it).
func (s *Store) folderConflict(ctx context.Context, key string) error {
	for i := range len(key) {
		if key[i] != '/' {
			continue
		}
		_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key[:i])})
		if err == nil {
			return fmt.Errorf("%q is a blob, not a folder", key[:i])
		}
		if err = s.fail("stat", key[:i], "s3:GetObject", err); !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + key + "/"), MaxKeys: aws.Int32(1)})
	if err != nil {
		return s.fail("list", key+"/", "s3:ListBucket", err)
	}
	if len(out.Contents) > 0 {
		return fmt.Errorf("a folder of blobs such as %q", aws.ToString(out.Contents[0].Key)[len(s.prefix):])
	}
	return nil
}

// deniedRetries are the pauses before a write refused with AccessDenied is tried again: MinIO
// on one drive answers AccessDenied to a write into a folder that a concurrent Delete is
// removing as it became empty. Credentials that may not write are refused again, a little
// later.
var deniedRetries = [...]time.Duration{50 * time.Millisecond, 250 * time.Millisecond}

// retryDenied runs write again after the pauses of deniedRetries while it fails with
// AccessDenied.
func retryDenied(ctx context.Context, write func() error) error {
	err := write()
	for _, pause := range deniedRetries {
		if code, _ := errorCode(err); code != "AccessDenied" {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		err = write()
	}
	return err
}
