package s3

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Defaults and limits of the upload settings. Memory for uploads is at most
// PartSize × (Concurrency + 1) per store, whatever the number and size of the objects.
const (
	DefaultPartSize    = 16 << 20
	DefaultConcurrency = 4
	MinPartSize        = 5 << 20 // S3's least part size (but for the last part)
	MaxPartSize        = 5 << 30 // S3's largest part
	MaxConcurrency     = 64
	maxParts           = 10_000 // S3's most parts in an upload
)

// Options are the settings of an S3 repository: written beside its location (the cluster
// file's repositoryOptions, by the names in brackets), each overridden by its environment
// variable when that is set (Open reads them):
//
//   - Endpoint (endpoint; AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL): the server's URL, e.g.
//     http://127.0.0.1:9000 for MinIO; "" for AWS S3 (or the profile's endpoint_url).
//   - Region (region; AWS_REGION, else AWS_DEFAULT_REGION): else the profile's, else us-east-1.
//   - PathStyle (pathStyle; ZEEBE_BACKUP_S3_PATH_STYLE): address the bucket in the path
//     (http://host/bucket/key) instead of the host name (http://bucket.host/key); unset: path
//     style when the endpoint's host is an IP address or localhost.
//   - CAFile (caFile; AWS_CA_BUNDLE): PEM certificates trusted for the endpoint, besides the
//     system's.
//   - StorageClass (storageClass; ZEEBE_BACKUP_S3_STORAGE_CLASS): e.g. STANDARD_IA; "" for the
//     bucket's default. GLACIER and DEEP_ARCHIVE are refused: a restore could not read them.
//   - SSE (sse; ZEEBE_BACKUP_S3_SSE): server-side encryption, AES256 or aws:kms; SSEKMSKeyID
//     (sseKmsKeyId; ZEEBE_BACKUP_S3_SSE_KMS_KEY_ID) the KMS key of aws:kms ("" for the
//     account's default key).
//   - PartSize (partSize; ZEEBE_BACKUP_S3_PART_SIZE): bytes per part of a multipart upload,
//     5MiB to 5GiB, default 16MiB; an object has at most 10,000 parts, so the default stores
//     objects up to 156 GiB.
//   - Concurrency (concurrency; ZEEBE_BACKUP_S3_CONCURRENCY): parts uploaded at once, 1 to 64,
//     default 4.
//
// Credentials are no option: they come from the AWS credential chain (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, the shared files with AWS_PROFILE, web identity as on EKS, the
// container or instance role).
type Options struct {
	Endpoint     string
	Region       string
	PathStyle    *bool // nil: decided by the endpoint
	CAFile       string
	StorageClass string
	SSE          string
	SSEKMSKeyID  string
	PartSize     int64 // 0: DefaultPartSize
	Concurrency  int   // 0: DefaultConcurrency
}

// option is one setting: its name in repositoryOptions, its environment variables (the first
// set wins), and how a value is applied.
type option struct {
	name string
	env  []string
	set  func(o *Options, v string) error
}

var options = []option{
	{"endpoint", []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}, func(o *Options, v string) error {
		e, err := parseEndpoint(v)
		o.Endpoint = e
		return err
	}},
	{"region", []string{"AWS_REGION", "AWS_DEFAULT_REGION"}, func(o *Options, v string) error {
		if !regionPattern.MatchString(v) {
			return fmt.Errorf("%q is not a region; write one like eu-west-1", v)
		}
		o.Region = v
		return nil
	}},
	{"pathStyle", []string{"ZEEBE_BACKUP_S3_PATH_STYLE"}, func(o *Options, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		o.PathStyle = &b
		return nil
	}},
	{"caFile", []string{"AWS_CA_BUNDLE"}, func(o *Options, v string) error {
		if !strings.HasPrefix(v, "/") {
			return fmt.Errorf("%q is not an absolute path; write the full path of a PEM file", v)
		}
		o.CAFile = v
		return nil
	}},
	{"storageClass", []string{"ZEEBE_BACKUP_S3_STORAGE_CLASS"}, func(o *Options, v string) error {
		switch {
		case v == "GLACIER" || v == "DEEP_ARCHIVE":
			return fmt.Errorf("%s objects cannot be read without a restore request, so no backup stored so could be restored directly; use GLACIER_IR, STANDARD_IA or a lifecycle rule", v)
		case !storageClassPattern.MatchString(v):
			return fmt.Errorf("%q is not a storage class; write one like STANDARD or STANDARD_IA", v)
		}
		o.StorageClass = v
		return nil
	}},
	{"sse", []string{"ZEEBE_BACKUP_S3_SSE"}, func(o *Options, v string) error {
		if v != "AES256" && v != "aws:kms" && v != "aws:kms:dsse" {
			return fmt.Errorf("%q is not a server-side encryption; write AES256, aws:kms or aws:kms:dsse", v)
		}
		o.SSE = v
		return nil
	}},
	{"sseKmsKeyId", []string{"ZEEBE_BACKUP_S3_SSE_KMS_KEY_ID"}, func(o *Options, v string) error {
		o.SSEKMSKeyID = v
		return nil
	}},
	{"partSize", []string{"ZEEBE_BACKUP_S3_PART_SIZE"}, func(o *Options, v string) error {
		n, err := parseSize(v)
		if err != nil || n < MinPartSize || n > MaxPartSize {
			return fmt.Errorf("%q is not a part size from 5MiB to 5GiB; write one like 16MiB or 64MiB", v)
		}
		o.PartSize = n
		return nil
	}},
	{"concurrency", []string{"ZEEBE_BACKUP_S3_CONCURRENCY"}, func(o *Options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxConcurrency {
			return fmt.Errorf("%q is not a number of parts uploaded at once from 1 to %d", v, MaxConcurrency)
		}
		o.Concurrency = n
		return nil
	}},
}

var (
	regionPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	storageClassPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,62}$`)
	sizePattern         = regexp.MustCompile(`^([0-9]+)\s*(B|KiB|MiB|GiB)?$`)
)

// parseOptions applies the options written beside a location; every error is a
// *storage.OptionError.
func parseOptions(opts storage.Options) (Options, error) {
	var o Options
	names := make([]string, 0, len(opts))
	for name := range opts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		i := slices.IndexFunc(options, func(op option) bool { return op.name == name })
		if i < 0 {
			return Options{}, &storage.OptionError{Name: name, Err: fmt.Errorf("s3 repositories take no option %s; they take %s (credentials come from the AWS credential chain, never from a file)", name, optionNames())}
		}
		if err := options[i].set(&o, strings.TrimSpace(opts[name])); err != nil {
			return Options{}, &storage.OptionError{Name: name, Err: err}
		}
	}
	if err := o.check(); err != nil {
		return Options{}, &storage.OptionError{Name: "sseKmsKeyId", Err: err}
	}
	return o, nil
}

// withEnvironment returns o with every option whose environment variable is set (lookup says)
// overridden; an error names the variable.
func (o Options) withEnvironment(lookup func(string) (string, bool)) (Options, error) {
	for _, op := range options {
		for _, name := range op.env {
			v, ok := lookup(name)
			if !ok || v == "" {
				continue
			}
			if err := op.set(&o, strings.TrimSpace(v)); err != nil {
				return Options{}, fmt.Errorf("environment variable %s: %w", name, err)
			}
			break
		}
	}
	if err := o.check(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// check refuses settings that contradict each other.
func (o Options) check() error {
	if o.SSEKMSKeyID != "" && !strings.HasPrefix(o.SSE, "aws:kms") {
		return fmt.Errorf("a KMS key is given without sse: aws:kms; set sse to aws:kms, or remove the key")
	}
	return nil
}

func optionNames() string {
	var names []string
	for _, op := range options {
		names = append(names, op.name)
	}
	return strings.Join(names, ", ")
}

// parseEndpoint checks an endpoint: an http or https URL with a host, and nothing but an
// optional port and a "/" after it.
func parseEndpoint(v string) (string, error) {
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%q is not an endpoint; write the server's URL, like https://s3.example.com or http://127.0.0.1:9000", v)
	case u.User != nil:
		return "", fmt.Errorf("an endpoint with credentials; remove them: the keys are read from the AWS credential chain")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%q has more than a scheme, host and port; write the server's URL, like https://s3.example.com", v)
	}
	return u.Scheme + "://" + u.Host, nil
}

// parseSize reads a size in bytes, or with a binary unit: 16MiB, 1GiB.
func parseSize(v string) (int64, error) {
	m := sizePattern.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size", v)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, err
	}
	shift := map[string]uint{"": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30}[m[2]]
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is too large", v)
	}
	return n << shift, nil
}

// pathStyle says whether requests name the bucket in the path: as set, else for an endpoint
// that is an IP address or localhost (which virtual-hosted names cannot reach).
func (o Options) pathStyle() bool {
	if o.PathStyle != nil {
		return *o.PathStyle
	}
	if o.Endpoint == "" {
		return false
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	return net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost")
}

func (o Options) partSize() int64 {
	if o.PartSize == 0 {
		return DefaultPartSize
	}
	return o.PartSize
}

func (o Options) concurrency() int {
	if o.Concurrency == 0 {
		return DefaultConcurrency
	}
	return o.Concurrency
}
