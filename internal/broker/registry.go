package broker

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
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
// so it is safe for concurrent use. A nil *Registry has no kind: it refuses every host.
type Registry struct {
	kinds []Kind
}

// NewRegistry registers kinds. It panics on a kind without Scheme, Check or Open, or on two
// kinds of one scheme: the list is written in main, so either is a programming error.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{}
	for _, k := range kinds {
		switch {
		case k.Scheme == "" || k.Scheme != strings.ToLower(k.Scheme) || k.Check == nil || k.Open == nil:
			panic(fmt.Sprintf("broker: host kind %q needs a lower-case scheme, Check and Open", k.Scheme))
		case r.kind(k.Scheme) != nil:
			panic(fmt.Sprintf("broker: two host kinds for scheme %q", k.Scheme))
		}
		r.kinds = append(r.kinds, k)
	}
	return r
}

// Schemes lists the registered schemes in the order they were registered.
func (r *Registry) Schemes() []string {
	if r == nil {
		return nil
	}
	out := make([]string, len(r.kinds))
	for i, k := range r.kinds {
		out[i] = k.Scheme
	}
	return out
}

func (r *Registry) kind(scheme string) *Kind {
	if r == nil {
		return nil
	}
	for i := range r.kinds {
		if r.kinds[i].Scheme == scheme {
			return &r.kinds[i]
		}
	}
	return nil
}

// Check validates a broker's host with its kind. A URL that holds a password is refused
// whatever its scheme: credentials are never read from a host value.
func (r *Registry) Check(spec string) error {
	_, err := r.lookup(spec)
	return err
}

// lookup returns the kind of spec, checked.
func (r *Registry) lookup(spec string) (*Kind, error) {
	scheme := spec
	if spec == "" {
		scheme = LocalScheme
	}
	isURL := strings.Contains(spec, "://")
	if isURL {
		u, err := url.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid URL; %s", redact.Text(spec), r.forms())
		}
		if _, ok := u.User.Password(); ok {
			return nil, fmt.Errorf("%q holds a password; remove it: credentials are never read from a host value (an ssh host would use its key or agent)", redact.Text(spec))
		}
		scheme = strings.ToLower(u.Scheme)
	}
	k := r.kind(scheme)
	switch {
	case k == nil && isURL:
		return nil, fmt.Errorf("%q: scheme %s is not supported; %s", redact.Text(spec), scheme, r.forms())
	case k == nil:
		return nil, fmt.Errorf("%q is not a host this version knows; %s", redact.Text(spec), r.forms())
	}
	if err := k.Check(spec); err != nil {
		return nil, err
	}
	return k, nil
}

// forms says which hosts this version supports and how to write them.
func (r *Registry) forms() string {
	if r == nil || len(r.kinds) == 0 {
		return "this version has no host kind"
	}
	forms := make([]string, len(r.kinds))
	for i, k := range r.kinds {
		forms[i] = k.Form
	}
	if len(forms) == 1 {
		return fmt.Sprintf("only host: %s is supported by this version", forms[0])
	}
	return fmt.Sprintf("write %s", strings.Join(forms, ", or "))
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
