package azblob

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
// BlockSize × (Concurrency + 1) per store, whatever the number and size of the blobs, plus a
// small first buffer per Put running.
const (
	DefaultBlockSize   = 16 << 20
	DefaultConcurrency = 4
	MinBlockSize       = 1 << 20
	MaxBlockSize       = 4000 << 20 // Azure's largest block (service version 2019-12-12 on)
	MaxConcurrency     = 64
	maxBlocks          = 50_000 // Azure's most committed blocks in a blob
)

// Options are the settings of an Azure Blob repository: written beside its location (the
// cluster file's repositoryOptions, by the names in brackets), each overridden by its
// environment variable when that is set (Open reads them):
//
//   - Account (account; AZURE_STORAGE_ACCOUNT): the storage account, e.g. zeebebackups. Not
//     needed when the endpoint names it (Azurite's http://127.0.0.1:10000/devstoreaccount1) or
//     AZURE_STORAGE_CONNECTION_STRING is set.
//   - Endpoint (endpoint; AZURE_STORAGE_SERVICE_ENDPOINT): the Blob service's URL; "" for
//     https://ACCOUNT.blob.core.windows.net. An endpoint whose host is an IP address or
//     localhost (Azurite) names the account in its path: http://127.0.0.1:10000/ACCOUNT,
//     which is added when the endpoint has no path.
//   - CAFile (caFile; ZEEBE_BACKUP_AZBLOB_CA_FILE): PEM certificates trusted for the endpoint,
//     besides the system's.
//   - AccessTier (accessTier; ZEEBE_BACKUP_AZBLOB_ACCESS_TIER): Hot, Cool or Cold; "" for the
//     account's default. Archive is refused: a restore could not read such a blob without
//     rehydrating it first.
//   - BlockSize (blockSize; ZEEBE_BACKUP_AZBLOB_BLOCK_SIZE): bytes per staged block, 1MiB to
//     4000MiB, default 16MiB; a blob has at most 50,000 blocks, so the default stores blobs up
//     to 781 GiB.
//   - Concurrency (concurrency; ZEEBE_BACKUP_AZBLOB_CONCURRENCY): blocks uploaded at once per
//     store, 1 to 64, default 4.
//
// Credentials are no option: they come from AZURE_STORAGE_CONNECTION_STRING,
// AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, else from Azure's identity chain (see Open).
type Options struct {
	Account     string
	Endpoint    string
	CAFile      string
	AccessTier  string
	BlockSize   int64 // 0: DefaultBlockSize
	Concurrency int   // 0: DefaultConcurrency
}

// option is one setting: its name beside the location, its environment variable, and how a
// value is applied.
type option struct {
	name string
	env  string
	set  func(o *Options, v string) error
}

var options = []option{
	{"account", "AZURE_STORAGE_ACCOUNT", func(o *Options, v string) error {
		if !accountName.MatchString(v) {
			return fmt.Errorf("%q is not a storage account name; an account name has 3 to 24 lower-case letters and digits", v)
		}
		o.Account = v
		return nil
	}},
	{"endpoint", "AZURE_STORAGE_SERVICE_ENDPOINT", func(o *Options, v string) error {
		e, err := parseEndpoint(v)
		o.Endpoint = e
		return err
	}},
	{"caFile", "ZEEBE_BACKUP_AZBLOB_CA_FILE", func(o *Options, v string) error {
		if !strings.HasPrefix(v, "/") {
			return fmt.Errorf("%q is not an absolute path; write the full path of a PEM file", v)
		}
		o.CAFile = v
		return nil
	}},
	{"accessTier", "ZEEBE_BACKUP_AZBLOB_ACCESS_TIER", func(o *Options, v string) error {
		i := slices.IndexFunc(accessTiers, func(t string) bool { return strings.EqualFold(t, v) })
		switch {
		case strings.EqualFold(v, "Archive"):
			return fmt.Errorf("blobs in the Archive tier cannot be read before they are rehydrated, so no backup stored so could be restored directly; use Hot, Cool or Cold, or a lifecycle rule")
		case i < 0:
			return fmt.Errorf("%q is not an access tier; write Hot, Cool or Cold", v)
		}
		o.AccessTier = accessTiers[i]
		return nil
	}},
	{"blockSize", "ZEEBE_BACKUP_AZBLOB_BLOCK_SIZE", func(o *Options, v string) error {
		n, err := parseSize(v)
		if err != nil || n < MinBlockSize || n > MaxBlockSize {
			return fmt.Errorf("%q is not a block size from 1MiB to 4000MiB; write one like 16MiB or 64MiB", v)
		}
		o.BlockSize = n
		return nil
	}},
	{"concurrency", "ZEEBE_BACKUP_AZBLOB_CONCURRENCY", func(o *Options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxConcurrency {
			return fmt.Errorf("%q is not a number of blocks uploaded at once from 1 to %d", v, MaxConcurrency)
		}
		o.Concurrency = n
		return nil
	}},
}

// accessTiers are the tiers a backup may be written in, as Azure spells them.
var accessTiers = []string{"Hot", "Cool", "Cold"}

var (
	accountName = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	sizePattern = regexp.MustCompile(`^([0-9]+)\s*(B|KiB|MiB|GiB)?$`)
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
			return Options{}, &storage.OptionError{Name: name, Err: fmt.Errorf("azblob repositories take no option %s; they take %s (credentials come from the environment or Azure's identity chain, never from a file)", name, optionNames())}
		}
		if err := options[i].set(&o, strings.TrimSpace(opts[name])); err != nil {
			return Options{}, &storage.OptionError{Name: name, Err: err}
		}
	}
	return o, nil
}

// withEnvironment returns o with every option whose environment variable is set (lookup says)
// overridden; an error names the variable.
func (o Options) withEnvironment(lookup func(string) (string, bool)) (Options, error) {
	for _, op := range options {
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
	for _, op := range options {
		names = append(names, op.name)
	}
	return strings.Join(names, ", ")
}

// parseEndpoint checks an endpoint: an http or https URL with a host, and at most a path of
// one segment (the account, for a path-style endpoint such as Azurite's).
func parseEndpoint(v string) (string, error) {
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%q is not an endpoint; write the Blob service's URL, like https://ACCOUNT.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1", stripQuery(v))
	case u.User != nil:
		return "", fmt.Errorf("an endpoint with credentials; remove them: credentials come from the environment or Azure's identity chain")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("%q has a query or fragment (a SAS token?); write the endpoint alone, and a SAS token in AZURE_STORAGE_SAS_TOKEN", stripQuery(v))
	}
	path := strings.Trim(u.Path, "/")
	switch {
	case path == "":
	case !pathStyle(u.Hostname()):
		return "", fmt.Errorf("%q has a path; an endpoint that is a host name names the account in the host (https://ACCOUNT.blob.core.windows.net): write it without a path", v)
	case !accountName.MatchString(path):
		return "", fmt.Errorf("%q: %q is not a storage account name; write http://HOST:PORT/ACCOUNT", v, path)
	}
	if path == "" {
		return u.Scheme + "://" + u.Host, nil
	}
	return u.Scheme + "://" + u.Host + "/" + path, nil
}

// stripQuery drops what follows a '?' or '#': a SAS token never goes into a message.
func stripQuery(v string) string {
	if i := strings.IndexAny(v, "?#"); i >= 0 {
		return v[:i] + "?…"
	}
	return v
}

// pathStyle says whether a host names the account in the path of its URLs: an IP address or
// localhost, as Azurite serves, where ACCOUNT.host cannot be resolved.
func pathStyle(host string) bool {
	return net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost")
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

func (o Options) blockSize() int64 {
	if o.BlockSize == 0 {
		return DefaultBlockSize
	}
	return o.BlockSize
}

func (o Options) concurrency() int {
	if o.Concurrency == 0 {
		return DefaultConcurrency
	}
	return o.Concurrency
}
