package storage

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/scheme"
)

// FileScheme is the scheme of a plain path: "/var/backups/zeebe" is parsed by the backend
// registered as "file", like "file:///var/backups/zeebe".
const FileScheme = "file"

// Options are the settings written beside a repository location (the cluster file's
// repositoryOptions:), by name, as written; nil when there are none. Each backend says which it
// takes; credentials are never among them.
type Options map[string]string

// Location is a repository location parsed by its backend.
type Location struct {
	Scheme string // the scheme of the backend that parsed it; FileScheme for a plain path
	Text   string // the location as it is shown and kept: a path cleaned, a URL as written
	Config any    // what the backend parsed, for its Open (a folder, a bucket and prefix)
}

// String returns the location as it is shown and kept.
func (l Location) String() string { return l.Text }

// Backend is a kind of store, chosen by the scheme of a location.
type Backend struct {
	// Scheme is the URL scheme, lower case ("file", "s3").
	Scheme string
	// Form says how a location of this backend is written, for messages, e.g.
	// "s3://bucket/prefix".
	Form string
	// Parse checks a location of this scheme (for FileScheme, a plain path too) and returns
	// it parsed; Text and Config are the backend's, Scheme is set by the registry. Its
	// errors quote the location through redact.Text and say what to write instead. Parse
	// touches nothing: no files, no network.
	Parse func(loc string) (Location, error)
	// Options, if not nil, applies the options written beside a location Parse returned and
	// returns it with them (in Config). It refuses an option it does not take, or a value it
	// cannot use, with an *OptionError. Like Parse it touches nothing (no environment either:
	// Open reads that). A backend without Options refuses every option.
	Options func(l Location, opts Options) (Location, error)
	// Open opens the store at a location Parse (and Options) returned.
	Open func(ctx context.Context, loc Location) (Store, error)
}

// Registry finds the backend of a location by its scheme. It is built once (in main) and not
// changed afterwards, so it is safe for concurrent use.
type Registry struct {
	*scheme.Table[Backend]
}

// NewRegistry registers storage backends (Schemes lists them, Get finds one). It panics on one
// without a lower-case Scheme or its functions, or on two of one scheme: the list is written
// in main, so either is a programming error.
func NewRegistry(backends ...Backend) *Registry {
	schemeOf, formOf := func(b Backend) string { return b.Scheme }, func(b Backend) string { return b.Form }
	complete := func(b Backend) bool { return b.Parse != nil && b.Open != nil }
	return &Registry{scheme.NewTable("storage backends", schemeOf, formOf, complete, backends...)}
}

// LocationError is a location that cannot be used as written. Its message quotes the location
// with any password masked, says what is wrong and what to write; it names no field, so that
// callers can say where the location came from.
type LocationError struct {
	Err error
}

func (e *LocationError) Error() string { return redact.Text(e.Err.Error()) }

func (e *LocationError) Unwrap() error { return e.Err }

// OptionError is an option that a backend refuses: Name is the option, Err says what is wrong
// and what to write, without naming it (callers name it with where it was written).
type OptionError struct {
	Name string
	Err  error
}

func (e *OptionError) Error() string { return fmt.Sprintf("option %s: %v", e.Name, e.Err) }

func (e *OptionError) Unwrap() error { return e.Err }

// Option names the option and says what is wrong with it, for a caller that names the option
// its own way (the cluster file's repositoryOptions.NAME with its line).
func (e *OptionError) Option() (name, problem string) { return e.Name, redact.Text(e.Err.Error()) }

// urlScheme matches the scheme of a URL; a location without one is a plain path.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// Parse checks loc and the options written beside it (nil for none) and returns it parsed by
// the backend of its scheme. A URL that holds a password is refused whatever its scheme:
// credentials are never read from a location. Every error is a *LocationError; one about an
// option wraps an *OptionError.
func (r *Registry) Parse(loc string, opts Options) (Location, error) {
	l, _, err := r.parse(loc, opts)
	if err != nil {
		return Location{}, &LocationError{Err: err}
	}
	return l, nil
}

func (r *Registry) parse(loc string, opts Options) (Location, Backend, error) {
	name, plain := FileScheme, true
	if m := urlScheme.FindStringSubmatch(loc); m != nil {
		plain = false
		name = strings.ToLower(m[1])
		u, err := url.Parse(loc)
		if err != nil {
			return Location{}, Backend{}, fmt.Errorf("%q is not a valid URL; %s", redact.Text(loc), r.forms())
		}
		if _, ok := u.User.Password(); ok {
			return Location{}, Backend{}, fmt.Errorf("%q holds credentials; remove them from the URL: credentials are never read from a location", redact.Text(loc))
		}
	}
	b, ok := r.Get(name)
	if !ok {
		if plain {
			return Location{}, Backend{}, fmt.Errorf("%q is a path, which no storage backend of this version takes; %s", redact.Text(loc), r.forms())
		}
		return Location{}, Backend{}, fmt.Errorf("%q: scheme %s is not supported; %s", redact.Text(loc), name, r.forms())
	}
	l, err := b.Parse(loc)
	if err != nil {
		return Location{}, Backend{}, err
	}
	l.Scheme = b.Scheme
	switch {
	case b.Options != nil:
		if l, err = b.Options(l, opts); err != nil {
			return Location{}, Backend{}, err
		}
	case len(opts) > 0:
		return Location{}, Backend{}, &OptionError{Name: firstName(opts), Err: fmt.Errorf("%s repositories take no options; remove it", b.Scheme)}
	}
	return l, b, nil
}

// forms says which locations this version supports and how to write them.
func (r *Registry) forms() string {
	return r.Supported("this version has no storage backend", "this version supports %[1]s only: write %[2]s", "this version supports %[1]s: write %[2]s")
}

// firstName is the first of the options' names in sorted order, for a message.
func firstName(opts Options) string {
	names := make([]string, 0, len(opts))
	for name := range opts {
		names = append(names, name)
	}
	slices.Sort(names)
	return names[0]
}

// Check is Parse for validation: it returns the location as it is shown and kept.
func (r *Registry) Check(loc string, opts Options) (string, error) {
	l, err := r.Parse(loc, opts)
	return l.Text, err
}

// Open parses loc with its options and opens its store. A location or option that does not
// parse gives a *LocationError; a store that cannot be opened an error naming the location.
func (r *Registry) Open(ctx context.Context, loc string, opts Options) (Store, error) {
	l, b, err := r.parse(loc, opts)
	if err != nil {
		return nil, &LocationError{Err: err}
	}
	s, err := b.Open(ctx, l)
	if err != nil {
		return nil, fmt.Errorf("open repository %s: %w", l.Text, err)
	}
	return s, nil
}

// FlagLocation returns a location given on the command line as Parse takes it: a relative
// path is made absolute against the working directory (in a cluster file it is refused, as it
// would depend on where the tool runs). Anything else is returned as given.
func FlagLocation(loc string) (string, error) {
	if loc == "" || urlScheme.MatchString(loc) || filepath.IsAbs(loc) {
		return loc, nil
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return "", &LocationError{Err: fmt.Errorf("%q: %w", loc, err)}
	}
	return abs, nil
}
