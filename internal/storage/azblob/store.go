package azblob

import (
	"context"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Store is a storage.Store in an Azure Blob container, below a prefix. It is safe for
// concurrent use.
type Store struct {
	client    *container.Client
	container string
	prefix    string // "" or ending in "/"
	location  string // azblob://container/prefix, for messages
	account   string
	endpoint  string // the Blob service's URL, for messages
	auth      auth
	opts      Options
	buffers   *pool         // Concurrency + 1 block buffers
	stages    chan struct{} // one entry per block being staged: at most Concurrency
	crcTable  *crc64.Table  // Azure's CRC-64 polynomial
}

var (
	_ storage.Store  = (*Store)(nil)
	_ storage.Prober = (*Store)(nil)
)

const (
	// maxNameLen is Azure's longest blob name, in characters.
	maxNameLen = 1024
	// crcPolynomial is the polynomial of Azure Storage's CRC-64 (x-ms-content-crc64).
	crcPolynomial = 0x9A6C9329AC4BC9B5
)

// Open opens the store at a location Parse (and WithOptions) returned; the environment
// overrides the options (see [Options]) and gives the credential (see resolve). It sends no
// request: Probe does.
func Open(_ context.Context, l storage.Location, oo OpenOptions) (*Store, error) {
	c, ok := l.Config.(Config)
	if !ok {
		return nil, fmt.Errorf("location %s was not parsed by the azblob backend", l.Text)
	}
	lookup := oo.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	o, err := c.Options.withEnvironment(lookup)
	if err != nil {
		return nil, err
	}
	t, err := resolve(o, lookup)
	if err != nil {
		return nil, err
	}
	client, err := newContainerClient(t, c.Container, o.CAFile, oo)
	if err != nil {
		return nil, err
	}
	return &Store{
		client: client, container: c.Container, prefix: c.Prefix, location: c.location(),
		account: t.account, endpoint: t.endpoint, auth: t.auth, opts: o,
		buffers: newPool(o.concurrency()+1, o.blockSize()), stages: make(chan struct{}, o.concurrency()),
		crcTable: crc64.MakeTable(crcPolynomial),
	}, nil
}

// Location returns azblob://container/prefix.
func (s *Store) Location() string { return s.location }

// Endpoint returns the Blob service's URL the store sends its requests to, for messages.
func (s *Store) Endpoint() string { return s.endpoint }

// Probe implements storage.Prober: it lists one blob below the prefix, which needs the
// service, the account, the container, accepted credentials and the permission to list blobs;
// it writes nothing.
func (s *Store) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("probe %s: %w", s.location, err)
	}
	pager := s.client.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: to.Ptr(s.prefix), MaxResults: to.Ptr(int32(1))})
	if _, err := pager.NextPage(ctx); err != nil {
		return s.fail("probe", "", "Storage Blob Data Reader (list)", err)
	}
	return nil
}

// Stat describes a blob with a Get Blob Properties request.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := s.check(ctx, key); err != nil {
		return storage.Info{}, fmt.Errorf("stat %q: %w", key, err)
	}
	props, err := s.client.NewBlobClient(s.prefix+key).GetProperties(ctx, nil)
	if err != nil {
		return storage.Info{}, s.fail("stat", key, "Storage Blob Data Reader", err)
	}
	return storage.Info{Key: key, Size: deref(props.ContentLength), ModTime: deref(props.LastModified)}, nil
}

// Get opens a blob: one Get Blob request whose body the caller reads. A read that breaks
// (a network error, a short body) is resumed from where it broke with a ranged request of the
// same version (If-Match its ETag), up to five times. At the end, the bytes read are checked
// against the blob's length and, for a blob this backend stored, its recorded SHA-256.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.check(ctx, key); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	resp, err := s.client.NewBlobClient(s.prefix+key).DownloadStream(ctx, nil)
	if err != nil {
		return nil, s.fail("get", key, "Storage Blob Data Reader", err)
	}
	body := resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 5})
	return newVerifier(s, key, body, deref(resp.ContentLength), metadataValue(resp.Metadata, metaSHA256)), nil
}

// List returns the blobs below the prefix whose keys start with prefix, sorted, 5,000 a page.
// Blobs whose names are no valid keys (a folder marker "a/", a name with a ".tmp-" segment)
// are not blobs of this store and are left out; so are uncommitted blobs (blocks staged by a
// Put that did not finish), which the listing does not include.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.Info, error) {
	if err := storage.ValidPrefix(prefix); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	infos := []storage.Info{}
	pager := s.client.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: to.Ptr(s.prefix + prefix), MaxResults: to.Ptr(int32(5000))})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list", prefix, "Storage Blob Data Reader", err)
		}
		for _, item := range page.Segment.BlobItems {
			key, ok := strings.CutPrefix(deref(item.Name), s.prefix)
			if !ok || storage.ValidKey(key) != nil || item.Properties == nil {
				continue
			}
			infos = append(infos, storage.Info{Key: key, Size: deref(item.Properties.ContentLength), ModTime: deref(item.Properties.LastModified)})
		}
	}
	slices.SortFunc(infos, func(a, b storage.Info) int { return strings.Compare(a.Key, b.Key) })
	return infos, nil
}

// Delete removes a blob and its snapshots; an absent key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	_, err := s.client.NewBlobClient(s.prefix+key).Delete(ctx, &blob.DeleteOptions{DeleteSnapshots: to.Ptr(blob.DeleteSnapshotsOptionTypeInclude)})
	if err != nil {
		if err = s.fail("delete", key, "Storage Blob Data Contributor", err); isNotExist(err) {
			return nil
		}
		return err
	}
	return nil
}

// check refuses an invalid key, one that makes too long a blob name below the prefix, and a
// done context.
func (s *Store) check(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s.prefix + key); n > maxNameLen {
		return fmt.Errorf("%w %q: below the prefix %q the blob name has %d characters, Azure takes at most %d; use a shorter prefix", storage.ErrInvalidKey, key, s.prefix, n, maxNameLen)
	}
	return ctx.Err()
}

// metadataValue looks a metadata value up by name: the SDK keys metadata by the names of the
// answer's headers, whose case HTTP does not keep.
func metadataValue(m map[string]*string, name string) string {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return deref(v)
		}
	}
	return ""
}

// deref is the value p points to, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
