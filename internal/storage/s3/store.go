package s3

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Store is a storage.Store in an S3 bucket, below a prefix. It is safe for concurrent use.
type Store struct {
	client   *s3.Client
	bucket   string
	prefix   string // "" or ending in "/"
	location string // s3://bucket/prefix, for messages
	endpoint string // the endpoint's URL (or "AWS S3 in <region>"), for messages
	region   string
	opts     Options
	buffers  *pool
}

var (
	_ storage.Store  = (*Store)(nil)
	_ storage.Prober = (*Store)(nil)
)

// Open opens the store at a location Parse (and WithOptions) returned; the environment
// overrides the options (see [Options]). It sends no request: Probe does.
func Open(ctx context.Context, l storage.Location, oo OpenOptions) (*Store, error) {
	c, ok := l.Config.(Config)
	if !ok {
		return nil, fmt.Errorf("location %s was not parsed by the s3 backend", l.Text)
	}
	lookup := oo.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	o, err := c.Options.withEnvironment(lookup)
	if err != nil {
		return nil, err
	}
	client, region, endpoint, err := newClient(ctx, o, oo)
	if err != nil {
		return nil, err
	}
	return &Store{
		client: client, bucket: c.Bucket, prefix: c.Prefix, location: c.location(), endpoint: endpoint,
		region: region, opts: o, buffers: newPool(o.concurrency()+1, o.partSize()),
	}, nil
}

// Location returns s3://bucket/prefix.
func (s *Store) Location() string { return s.location }

// Endpoint returns the endpoint the store sends its requests to, for messages.
func (s *Store) Endpoint() string { return s.endpoint }

// Probe implements storage.Prober: it lists one key below the prefix, which needs the server,
// the bucket, accepted credentials and the permission s3:ListBucket.
func (s *Store) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("probe %s: %w", s.location, err)
	}
	_, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix), MaxKeys: aws.Int32(1)})
	if err != nil {
		return s.fail("list", "", "s3:ListBucket", err)
	}
	return nil
}

// Stat describes a blob with a HEAD request.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := s.check(ctx, key); err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)})
	if err != nil {
		return storage.Info{}, s.fail("stat", key, "s3:GetObject", err)
	}
	return storage.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// List returns the blobs below the prefix whose keys start with prefix, sorted, page by page.
// Objects whose names are no valid keys (a folder marker "a/" made by a console, a name with
// a ".tmp-" segment) are not blobs of this store and are left out.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.Info, error) {
	if err := storage.ValidPrefix(prefix); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	infos := []storage.Info{}
	// MinIO refuses a prefix whose last segment is "." or ".." (as a path it would not
	// take); such a listing asks for the folder and keeps what starts with the prefix.
	asked := prefix
	if last := prefix[strings.LastIndex(prefix, "/")+1:]; last == "." || last == ".." {
		asked = prefix[:len(prefix)-len(last)]
	}
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + asked)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list", prefix, "s3:ListBucket", err)
		}
		for _, obj := range page.Contents {
			key, ok := strings.CutPrefix(aws.ToString(obj.Key), s.prefix)
			if !ok || !strings.HasPrefix(key, prefix) || storage.ValidKey(key) != nil {
				continue
			}
			infos = append(infos, storage.Info{Key: key, Size: aws.ToInt64(obj.Size), ModTime: aws.ToTime(obj.LastModified)})
		}
	}
	slices.SortFunc(infos, func(a, b storage.Info) int { return strings.Compare(a.Key, b.Key) })
	return infos, nil
}

// Delete removes a blob; S3 answers an absent key like a present one.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)}); err != nil {
		return s.fail("delete", key, "s3:DeleteObject", err)
	}
	return nil
}

// check refuses an invalid key, or one too long with the prefix (S3 keys have at most
// maxKeyLen bytes), and a done context.
func (s *Store) check(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	if len(s.prefix)+len(key) > maxKeyLen {
		return fmt.Errorf("%w %q: longer than %d bytes with the prefix %q (S3's limit)", storage.ErrInvalidKey, key, maxKeyLen, s.prefix)
	}
	return ctx.Err()
}

// maxKeyLen is the longest S3 key (the prefix included) in bytes.
const maxKeyLen = 1024
