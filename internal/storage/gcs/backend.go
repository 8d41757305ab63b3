package gcs

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Scheme is the URL scheme of Google Cloud Storage repositories.
const Scheme = "gs"

// Config is what Parse and WithOptions make of a location: the bucket, the prefix below which
// the store's keys live, and the options written beside the location (the environment, read
// by Open, overrides them).
type Config struct {
	Bucket string
	Prefix string // "" or a valid key prefix ending in "/"
	Options
}

// Backend is the Google Cloud Storage backend for a storage.Registry: gs://bucket or
// gs://bucket/prefix, with the options of [Options] written beside it; credentials come from
// Google's standard chain only (see [Open]).
func Backend() storage.Backend {
	return storage.Backend{
		Scheme:  Scheme,
		Form:    "gs://bucket/prefix",
		Parse:   Parse,
		Options: WithOptions,
		Open: func(ctx context.Context, l storage.Location) (storage.Store, error) {
			return Open(ctx, l)
		},
	}
}

// Parse checks a GCS location: gs://bucket or gs://bucket/prefix, nothing else (no
// credentials, no port: the endpoint is an option; no query). The bucket follows Cloud
// Storage's naming rules; the prefix's segments follow the rules of keys (storage.ValidKey).
// Text is the location as written; Config a Config without options. Parse touches nothing.
func Parse(loc string) (storage.Location, error) {
	shown := redact.Text(loc)
	u, err := url.Parse(loc)
	switch {
	case err != nil:
		return storage.Location{}, fmt.Errorf("%q is not a valid URL; write gs://bucket/prefix", shown)
	case !strings.EqualFold(u.Scheme, Scheme):
		return storage.Location{}, fmt.Errorf("%q is not a gs:// URL; write gs://bucket/prefix", shown)
	case u.Opaque != "" || u.Host == "":
		return storage.Location{}, fmt.Errorf("%q names no bucket; write gs://bucket or gs://bucket/prefix", shown)
	case u.User != nil:
		return storage.Location{}, fmt.Errorf("%q holds credentials; remove them: credentials come from Google's standard chain (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default credentials, the metadata server as on GKE)", shown)
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		return storage.Location{}, fmt.Errorf("%q has a port; write gs://bucket/prefix, and a server's address as the option endpoint or in STORAGE_EMULATOR_HOST", shown)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return storage.Location{}, fmt.Errorf("%q has a query or fragment; write gs://bucket/prefix, and settings as repository options", shown)
	}
	if problem := bucketProblem(u.Host); problem != "" {
		return storage.Location{}, fmt.Errorf("%q: %q is not a bucket name: %s", shown, u.Host, problem)
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	if prefix != "" {
		trimmed := strings.TrimSuffix(prefix, "/")
		if err := storage.ValidKey(trimmed); err != nil {
			problem := strings.TrimPrefix(err.Error(), fmt.Sprintf("%s %q: ", storage.ErrInvalidKey, trimmed))
			return storage.Location{}, fmt.Errorf("%q: the prefix %q is not usable: %s; write gs://bucket/prefix with segments separated by single slashes", shown, prefix, problem)
		}
		prefix = strings.TrimSuffix(prefix, "/") + "/"
	}
	return storage.Location{Text: loc, Config: Config{Bucket: u.Host, Prefix: prefix}}, nil
}

var (
	bucketChars    = regexp.MustCompile(`^[a-z0-9._-]+$`)
	bucketEnds     = regexp.MustCompile(`^[a-z0-9](.*[a-z0-9])?$`)
	bucketAsGoogle = regexp.MustCompile(`g[o0][o0]gle`)
)

// bucketProblem says what breaks Cloud Storage's bucket naming rules, or "" if nothing does:
// 3 to 63 lower-case letters, digits, '-', '_' and '.' (up to 222 with dots, each dot-separated
// part at most 63), starting and ending with a letter or digit, not an IP address, not
// starting with "goog" nor containing "google" or a look-alike.
func bucketProblem(b string) string {
	const rules = "bucket names have 3 to 63 lower-case letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
	switch {
	case strings.ToLower(b) != b && bucketChars.MatchString(strings.ToLower(b)):
		return "it has upper-case letters; " + rules
	case !bucketChars.MatchString(b) || !bucketEnds.MatchString(b):
		return rules
	case len(b) < 3:
		return "shorter than 3 characters; " + rules
	case !strings.Contains(b, ".") && len(b) > 63:
		return "longer than 63 characters; " + rules
	case len(b) > 222:
		return "longer than 222 characters"
	case net.ParseIP(b) != nil:
		return "an IP address is no bucket name"
	case strings.HasPrefix(b, "goog") || bucketAsGoogle.MatchString(b):
		return `bucket names may not start with "goog" nor contain "google" or a look-alike`
	}
	for _, part := range strings.Split(b, ".") {
		if part == "" || len(part) > 63 {
			return "each dot-separated part has 1 to 63 characters"
		}
	}
	return ""
}

// location is how messages name the store: gs://bucket/prefix, without a trailing slash.
func (c Config) location() string {
	return strings.TrimSuffix("gs://"+c.Bucket+"/"+c.Prefix, "/")
}
