package broker

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
	"github.com/zeebe-backup/zeebe-backup/internal/scheme"
)

// LocalScheme is the host of a broker on this machine: "local" (an empty host is local too).
const LocalScheme = "local"

// Kind is a kind of host, chosen by the host value of a broker: "local", or a URL whose
// scheme is the kind's ("ssh://zeebe@10.0.0.12" for a kind "ssh").
type Kind struct {
	// Scheme is "local", or the lower-case URL scheme of the kind's hosts.
	Scheme string
	// Form says how a host of this kind is written, for messages: "local",
	// "ssh://[user@]host[:port]".
	Form string
	// Check validates a host of this kind; its errors quote the host through redact.Text
	// and say what to write instead. It touches nothing: no files, no network.
	Check func(spec string) error
	// Open returns the host; spec passed Check.
	Open func(ctx context.Context, spec string) (Host, error)
}

// LocalKind is the kind of "local" (and of an empty host): Local, this machine.
func LocalKind() Kind {
	return Kind{
		Scheme: LocalScheme,
		Form:   LocalScheme,
		Check: func(spec string) error {
			if spec != "" && spec != LocalScheme {
				return fmt.Errorf("%q is not local; write local", redact.Text(spec))
			}
			return nil
		},
		Open: func(context.Context, string) (Host, error) { return Local{}, nil },
	}
}

// Registry finds the kind of a host. It is built once (in main) and not changed afterwards,
// so it is safe for concurrent use.
type Registry struct {
	*scheme.Table[Kind]
}

// NewRegistry registers host kinds (Schemes lists them, Get finds one). It panics on one
// without a lower-case Scheme or its functions, or on two of one scheme: the list is written
// in main, so either is a programming error.
func NewRegistry(kinds ...Kind) *Registry {
	schemeOf, formOf := func(k Kind) string { return k.Scheme }, func(k Kind) string { return k.Form }
	complete := func(k Kind) bool { return k.Check != nil && k.Open != nil }
	return &Registry{scheme.NewTable("host kinds", schemeOf, formOf, complete, kinds...)}
}

// Check validates a broker's host with its kind. A URL that holds a password is refused
// whatever its scheme: credentials are never read from a host value.
func (r *Registry) Check(spec string) error {
	_, err := r.lookup(spec)
	return err
}

// lookup returns the kind of spec, checked.
func (r *Registry) lookup(spec string) (Kind, error) {
	name := spec
	if spec == "" {
		name = LocalScheme
	}
	isURL := strings.Contains(spec, "://")
	if isURL {
		u, err := url.Parse(spec)
		if err != nil {
			return Kind{}, fmt.Errorf("%q is not a valid URL; %s", redact.Text(spec), r.forms())
		}
		if _, ok := u.User.Password(); ok {
			return Kind{}, fmt.Errorf("%q holds a password; remove it: credentials are never read from a host value (an ssh host would use its key or agent)", redact.Text(spec))
		}
		name = u.Scheme
	}
	k, ok := r.Get(name)
	ok = ok && (isURL || k.Scheme == name) // a URL's scheme is read in any case, a bare name exactly
	switch {
	case !ok && isURL:
		return Kind{}, fmt.Errorf("%q: scheme %s is not supported; %s", redact.Text(spec), strings.ToLower(name), r.forms())
	case !ok:
		return Kind{}, fmt.Errorf("%q is not a host this version knows; %s", redact.Text(spec), r.forms())
	}
	if err := k.Check(spec); err != nil {
		return Kind{}, err
	}
	return k, nil
}

// forms says which hosts this version supports and how to write them.
func (r *Registry) forms() string {
	return r.Supported("this version has no host kind", "only host: %[2]s is supported by this version", "write %[2]s")
}

// Open checks spec and opens the host of its kind.
func (r *Registry) Open(ctx context.Context, spec string) (Host, error) {
	k, err := r.lookup(spec)
	if err != nil {
		return nil, err
	}
	h, err := k.Open(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("open host %s: %w", redact.Text(spec), err)
	}
	return h, nil
}
