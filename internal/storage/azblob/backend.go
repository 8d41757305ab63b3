package azblob

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

// Scheme is the URL scheme of Azure Blob repositories.
const Scheme = "azblob"

// Config is what Parse and WithOptions make of a location: the container, the prefix below
// which the store's keys live, and the options written beside the location (the environment,
// read by Open, overrides them).
type Config struct {
	Container string
	Prefix    string // "" or a valid key prefix ending in "/"
	Options
}

// Backend is the Azure Blob backend for a storage.Registry: azblob://container or
// azblob://container/prefix, with the options of [Options]; credentials come from the
// environment or Azure's identity chain only (see [Open]).
func Backend() storage.Backend {
	return storage.Backend{
		Scheme:  Scheme,
		Form:    "azblob://container/prefix",
		Parse:   Parse,
		Options: WithOptions,
		Open: func(ctx context.Context, l storage.Location) (storage.Store, error) {
			return Open(ctx, l, OpenOptions{})
		},
	}
}

// maxPrefixLen is the longest prefix, in characters: half of a blob name, so that the keys of
// a repository (a folder and a file name, well under 200 characters) fit below it.
const maxPrefixLen = maxNameLen / 2

// containerName is Azure's rule for container names: 3 to 63 lower-case letters, digits and
// hyphens, starting and ending with a letter or digit, no two hyphens in a row.
var containerName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// Parse checks an Azure Blob location: azblob://container or azblob://container/prefix,
// nothing else (no account or credentials, no port: the account and endpoint are options; no
// query, where a SAS token would be). The prefix's segments follow the rules of keys
// (storage.ValidKey). Text is the location as written; Config a Config without options.
func Parse(loc string) (storage.Location, error) {
	shown := stripQuery(redact.Text(loc))
	u, err := url.Parse(loc)
	switch {
	case err != nil:
		return storage.Location{}, fmt.Errorf("%q is not a valid URL; write azblob://container/prefix", shown)
	case !strings.EqualFold(u.Scheme, Scheme):
		return storage.Location{}, fmt.Errorf("%q is not an azblob:// URL; write azblob://container/prefix", shown)
	case u.Opaque != "" || u.Host == "":
		return storage.Location{}, fmt.Errorf("%q names no container; write azblob://container or azblob://container/prefix", shown)
	case u.User != nil:
		return storage.Location{}, fmt.Errorf("%q has an account or credentials before the container; write azblob://container/prefix, the account as the option account or in AZURE_STORAGE_ACCOUNT, and credentials in the environment (AZURE_STORAGE_KEY, AZURE_STORAGE_CONNECTION_STRING) or Azure's identity chain", redact.Text(u.Scheme+"://"+u.Host+u.Path))
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return storage.Location{}, fmt.Errorf("%q has a query or fragment; write azblob://container/prefix, settings as repository options and a SAS token in AZURE_STORAGE_SAS_TOKEN", shown)
	case u.Port() != "" || strings.HasSuffix(u.Host, ":"):
		return storage.Location{}, fmt.Errorf("%q has a port; write azblob://container/prefix, and the Blob service's address as the option endpoint or in AZURE_STORAGE_SERVICE_ENDPOINT", shown)
	case !containerName.MatchString(u.Host):
		return storage.Location{}, fmt.Errorf("%q: %q is not a container name; a container name has 3 to 63 lower-case letters, digits and hyphens, starts and ends with a letter or digit and has no two hyphens in a row", shown, u.Host)
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	if prefix != "" {
		if err := storage.ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
			return storage.Location{}, fmt.Errorf("%q: the prefix %q is not usable: %s; write azblob://container/prefix with segments separated by single slashes", shown, prefix, strings.TrimPrefix(err.Error(), storage.ErrInvalidKey.Error()+" "))
		}
		prefix = strings.TrimSuffix(prefix, "/") + "/"
		if n := utf8.RuneCountInString(prefix); n > maxPrefixLen {
			return storage.Location{}, fmt.Errorf("%q: the prefix has %d characters; write one of at most %d, so that every key of a repository fits in Azure's blob names of %d characters", shown, n, maxPrefixLen, maxNameLen)
		}
	}
	return storage.Location{Text: loc, Config: Config{Container: u.Host, Prefix: prefix}}, nil
}

// WithOptions applies the options written beside a location Parse returned (see [Options]).
// Its errors are *storage.OptionError.
func WithOptions(l storage.Location, opts storage.Options) (storage.Location, error) {
	c, ok := l.Config.(Config)
	if !ok {
		return storage.Location{}, fmt.Errorf("location %s was not parsed by the azblob backend", l.Text)
	}
	o, err := parseOptions(opts)
	if err != nil {
		return storage.Location{}, err
	}
	c.Options = o
	l.Config = c
	return l, nil
}

// location is how messages name the store: azblob://container/prefix, without a trailing
// slash.
func (c Config) location() string {
	return strings.TrimSuffix(Scheme+"://"+c.Container+"/"+c.Prefix, "/")
}
