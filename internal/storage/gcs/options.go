package gcs

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Defaults and limits of the upload settings. A Put holds one chunk in memory, whatever the
// size of the object.
const (
	DefaultChunkSize = 16 << 20
	ChunkUnit        = 256 << 10 // Cloud Storage takes resumable chunks in multiples of 256 KiB
	MaxChunkSize     = 512 << 20
)

// EmulatorVariable is the variable that points Google's clients at an emulator, such as
// fake-gcs-server: host:port or a URL. When it is set, it replaces the endpoint and requests
// carry no credentials (the client library reads it itself).
const EmulatorVariable = "STORAGE_EMULATOR_HOST"

// Options are the settings of a GCS repository: written beside its location (the cluster
// file's repository options, by the names in brackets), each overridden by its environment
// variable when that is set (Open reads them):
//
//   - Endpoint (endpoint; ZEEBE_BACKUP_GCS_ENDPOINT): the server's URL, scheme, host and port,
//     e.g. https://storage-example.p.googleapis.com for a private endpoint; "" for Cloud
//     Storage. STORAGE_EMULATOR_HOST, when set, overrides it and turns credentials off.
//   - CAFile (caFile; ZEEBE_BACKUP_GCS_CA_FILE): PEM certificates trusted for the endpoint,
//     besides the system's.
//   - StorageClass (storageClass; ZEEBE_BACKUP_GCS_STORAGE_CLASS): STANDARD, NEARLINE,
//     COLDLINE or ARCHIVE; "" for the bucket's default. Every class reads at once (the colder
//     ones cost more to read and have a minimum storage duration).
//   - KMSKey (kmsKey; ZEEBE_BACKUP_GCS_KMS_KEY): the Cloud KMS key new objects are encrypted
//     with, projects/P/locations/L/keyRings/R/cryptoKeys/K; "" for the bucket's default.
//   - ChunkSize (chunkSize; ZEEBE_BACKUP_GCS_CHUNK_SIZE): bytes per request of a resumable
//     upload, a multiple of 256KiB up to 512MiB, default 16MiB: each Put holds one chunk in
//     memory and retries a failed chunk from it.
//
// Credentials are no option: they come from Google's standard chain (the JSON file named by
// GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default credentials, the metadata
// server as on GCE and GKE with workload identity).
type Options struct {
	Endpoint     string
	CAFile       string
	StorageClass string
	KMSKey       string
	ChunkSize    int // 0: DefaultChunkSize
}

// setting is one option: its name in the repository options, its environment variable, and
// how a value is applied.
type setting struct {
	name string
	env  string
	set  func(o *Options, v string) error
}

var settings = []setting{
	{"endpoint", "ZEEBE_BACKUP_GCS_ENDPOINT", func(o *Options, v string) error {
		e, err := parseEndpoint(v)
		o.Endpoint = e
		return err
	}},
	{"caFile", "ZEEBE_BACKUP_GCS_CA_FILE", func(o *Options, v string) error {
		if !strings.HasPrefix(v, "/") {
			return fmt.Errorf("%q is not an absolute path; write the full path of a PEM file", v)
		}
		o.CAFile = v
		return nil
	}},
	{"storageClass", "ZEEBE_BACKUP_GCS_STORAGE_CLASS", func(o *Options, v string) error {
		c := strings.ToUpper(v)
		if !slices.Contains(storageClasses, c) {
			return fmt.Errorf("%q is not a storage class; write one of %s", v, strings.Join(storageClasses, ", "))
		}
		o.StorageClass = c
		return nil
	}},
	{"kmsKey", "ZEEBE_BACKUP_GCS_KMS_KEY", func(o *Options, v string) error {
		if !kmsKeyPattern.MatchString(v) {
			return fmt.Errorf("%q is not a Cloud KMS key name; write projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY", v)
		}
		o.KMSKey = v
		return nil
	}},
	{"chunkSize", "ZEEBE_BACKUP_GCS_CHUNK_SIZE", func(o *Options, v string) error {
		n, err := parseSize(v)
		if err != nil || n < ChunkUnit || n > MaxChunkSize || n%ChunkUnit != 0 {
			return fmt.Errorf("%q is not a chunk size: write a multiple of 256KiB up to 512MiB, like 16MiB or 64MiB", v)
		}
		o.ChunkSize = int(n)
		return nil
	}},
}

var (
	storageClasses = []string{"STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"}
	kmsKeyPattern  = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)
	sizePattern    = regexp.MustCompile(`^([0-9]+)\s*(B|KiB|MiB|GiB)?$`)
)

// WithOptions applies the options written beside a location Parse returned (see [Options]);
// every error is a *storage.OptionError. Like Parse it touches nothing.
func WithOptions(l storage.Location, opts storage.Options) (storage.Location, error) {
	c, ok := l.Config.(Config)
	if !ok {
		return storage.Location{}, fmt.Errorf("location %s was not parsed by the gcs backend", l.Text)
	}
	names := make([]string, 0, len(opts))
	for name := range opts {
		names = append(names, name)
	}
	slices.Sort(names)
	var o Options
	for _, name := range names {
		i := slices.IndexFunc(settings, func(op setting) bool { return op.name == name })
		if i < 0 {
			return storage.Location{}, &storage.OptionError{Name: name, Err: fmt.Errorf("gs repositories take no option %s; they take %s (credentials come from Google's standard chain, never from repository options)", name, optionNames())}
		}
		if err := settings[i].set(&o, strings.TrimSpace(opts[name])); err != nil {
			return storage.Location{}, &storage.OptionError{Name: name, Err: err}
		}
	}
	c.Options = o
	l.Config = c
	return l, nil
}

// withEnvironment returns o with every option whose environment variable is set (lookup says)
// overridden; an error names the variable.
func (o Options) withEnvironment(lookup func(string) (string, bool)) (Options, error) {
	for _, op := range settings {
		v, ok := lookup(op.env)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		if err := op.set(&o, strings.TrimSpace(v)); err != nil {
			return Options{}, fmt.Errorf("environment variable %s: %w", op.env, err)
		}
	}
	return o, nil
}

func optionNames() string {
	var names []string
	for _, op := range settings {
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
		return "", fmt.Errorf("%q is not an endpoint; write the server's URL, like https://storage.example.com or http://127.0.0.1:4443", v)
	case u.User != nil:
		return "", fmt.Errorf("an endpoint with credentials; remove them: credentials come from Google's standard chain")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%q has more than a scheme, host and port; write the server's URL, like https://storage.example.com", v)
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

func (o Options) chunkSize() int {
	if o.ChunkSize == 0 {
		return DefaultChunkSize
	}
	return o.ChunkSize
}
