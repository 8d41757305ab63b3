package broker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
)

// fakeSSH stands for a host kind of another scheme.
func fakeSSH(opened *[]string) broker.Kind {
	return broker.Kind{
		Scheme: "ssh",
		Form:   "ssh://[user@]host[:port]",
		Check: func(spec string) error {
			if strings.HasSuffix(spec, "@") {
				return errors.New("names no host")
			}
			return nil
		},
		Open: func(_ context.Context, spec string) (broker.Host, error) {
			*opened = append(*opened, spec)
			return broker.Local{}, nil
		},
	}
}

func TestLocalKind(t *testing.T) {
	r := broker.NewRegistry(broker.LocalKind())
	for _, spec := range []string{"local", ""} {
		h, err := r.Open(t.Context(), spec)
		if err != nil || h != (broker.Local{}) {
			t.Errorf("Open(%q) = %v, %v; want broker.Local", spec, h, err)
		}
	}
	// ssh is not registered yet: refused with the hosts this version supports.
	for spec, want := range map[string]string{
		"ssh://zeebe@10.0.0.12": `"ssh://zeebe@10.0.0.12": scheme ssh is not supported; only host: local is supported by this version`,
		"10.0.0.10":             `"10.0.0.10" is not a host this version knows; only host: local is supported by this version`,
		"Local":                 `"Local" is not a host this version knows; only host: local is supported`,
		"local://x":             `"local://x" is not local; write local`,
		"ssh://%zz":             `"ssh://%zz" is not a valid URL; only host: local is supported`,
	} {
		if err := r.Check(spec); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Check(%q): %v; want %s", spec, err, want)
		}
		if _, err := r.Open(t.Context(), spec); err == nil {
			t.Errorf("Open(%q) succeeded", spec)
		}
	}
}

// A host goes to the kind of its scheme, which checks and opens it.
func TestKindsByScheme(t *testing.T) {
	var opened []string
	r := broker.NewRegistry(broker.LocalKind(), fakeSSH(&opened))
	if got := r.Schemes(); !slices.Equal(got, []string{"local", "ssh"}) {
		t.Errorf("Schemes = %v", got)
	}
	if _, err := r.Open(t.Context(), "SSH://zeebe@10.0.0.12"); err != nil || !slices.Equal(opened, []string{"SSH://zeebe@10.0.0.12"}) {
		t.Errorf("Open(ssh) = %v, opened %v", err, opened)
	}
	if err := r.Check("ssh://zeebe@"); err == nil || err.Error() != "names no host" {
		t.Errorf("the kind's own check: %v", err)
	}
	if err := r.Check("k8s://ns/pod"); err == nil || !strings.Contains(err.Error(), "scheme k8s is not supported; write local, or ssh://[user@]host[:port]") {
		t.Errorf("unknown scheme with two kinds: %v", err)
	}
	if err := broker.NewRegistry().Check("local"); err == nil || !strings.Contains(err.Error(), "this version has no host kind") {
		t.Errorf("empty registry: %v", err)
	}
}

// A password in a host is refused whatever the scheme, before the kind sees it, and never
// repeated.
func TestPasswordInAHostIsRefusedAndNotEchoed(t *testing.T) {
	var opened []string
	r := broker.NewRegistry(broker.LocalKind(), fakeSSH(&opened))
	for _, spec := range []string{"ssh://zeebe:hunter2@10.0.0.12", "k8s://admin:hunter2@cluster/ns"} {
		err := r.Check(spec)
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "***@") || !strings.Contains(err.Error(), "holds a password") {
			t.Errorf("Check(%q): %v", spec, err)
		}
		if _, err := r.Open(t.Context(), spec); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): %v", spec, err)
		}
	}
	if len(opened) != 0 {
		t.Errorf("the kind opened %v", opened)
	}
}

func TestNewRegistryRefusesDuplicatesAndHalfKinds(t *testing.T) {
	for name, kinds := range map[string][]broker.Kind{
		"duplicate": {broker.LocalKind(), broker.LocalKind()},
		"no check":  {{Scheme: "x", Open: broker.LocalKind().Open}},
		"no scheme": {{Check: broker.LocalKind().Check, Open: broker.LocalKind().Open}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewRegistry did not panic", name)
				}
			}()
			broker.NewRegistry(kinds...)
		}()
	}
}
