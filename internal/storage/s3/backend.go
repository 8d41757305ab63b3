package s3

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Scheme is the URL scheme of S3 repositories.
const Scheme = "s3"

// Config is what Parse and Options make of a location: the bucket, the prefix below which the
// store's keys live, and the options written beside the location (the environment, read by
// Open, overrides them).
type Config struct {
	Bucket string
	Prefix string // "" or a valid key prefix ending in "/"
	Options
}

// Backend is the S3 backend for a storage.Registry: s3://bucket or s3://bucket/prefix, with the
// options of [Options] written beside it; credentials come from the AWS credential chain only.
func Backend() storage.Backend {
	return storage.Backend{
		Scheme:  Scheme,
		Form:    "s3://bucket/prefix",
		Parse:   Parse,
		Options: WithOptions,
		Open: func(ctx context.Context, l storage.Location) (storage.Store, error) {
			return Open(ctx, l, OpenOptions{})
		},
	}
}

// bucketName is what S3 and the S3-compatible stores take as a bucket name (AWS allows only
// lower case for new buckets; older buckets and other stores have more).
var bucketName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$`)

// Parse checks an S3 location: s3://bucket or s3://bucket/prefix, nothing else (no
// credentials, no port: the endpoint is an option; no query). The prefix's segments follow
// the rules of keys (storage.ValidKey). Text is the location as written; Config a Config
// without options.
func Parse(loc string) (storage.Location, error) {
	shown := redact.Text(loc)
	u, err := url.Parse(loc)
	switch {
	case err != nil:
		return storage.Location{}, fmt.Errorf("%q is not a valid URL; write s3://bucket/prefix", shown)
	case !strings.EqualFold(u.Scheme, Scheme):
		return storage.Location{}, fmt.Errorf("%q is not an s3:// URL; write s3://bucket/prefix", shown)
	case u.Opaque != "" || u.Host == "":
		return storage.Location{}, fmt.Errorf("%q names no bucket; write s3://bucket or s3://bucket/prefix", shown)
	case u.User != nil:
		return storage.Location{}, fmt.Errorf("%q holds credentials; remove them: the keys are read from the AWS credential chain (environment, shared files, web identity, instance role)", shown)
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		return storage.Location{}, fmt.Errorf("%q has a port; write s3://bucket/prefix, and the server's address as the option endpoint or in AWS_ENDPOINT_URL", shown)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return storage.Location{}, fmt.Errorf("%q has a query or fragment; write s3://bucket/prefix, and settings as repositoryOptions", shown)
	case !bucketName.MatchString(u.Host) || strings.Contains(u.Host, ".."):
		return storage.Location{}, fmt.Errorf("%q: %q is not a bucket name; a bucket name has 3 to 63 letters, digits, dots and hyphens, starting and ending with a letter or digit", shown, u.Host)
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	if prefix != "" {
		if err := storage.ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
			_, problem, _ := strings.Cut(err.Error(), `": `) // after `invalid key "...": `
			return storage.Location{}, fmt.Errorf("%q: the prefix %q is not usable (%s); write s3://bucket/prefix with segments separated by single slashes", shown, prefix, problem)
		}
		prefix = strings.TrimSuffix(prefix, "/") + "/"
	}
	return storage.Location{Text: loc, Config: Config{Bucket: u.Host, Prefix: prefix}}, nil
}

// WithOptions applies the options written beside a location Parse returned (see [Options]).
func WithOptions(l storage.Location, opts storage.Options) (storage.Location, error) {
	c, ok := l.Config.(Config)
	if !ok {
		return storage.Location{}, fmt.Errorf("location %s was not parsed by the s3 backend", l.Text)
	}
	o, err := parseOptions(opts)
	if err != nil {
		return storage.Location{}, err
	}
	c.Options = o
	l.Config = c
	return l, nil
}

// location is how messages name the store: s3://bucket/prefix, without a trailing slash.
func (c Config) location() string {
	return strings.TrimSuffix("s3://"+c.Bucket+"/"+c.Prefix, "/")
}
