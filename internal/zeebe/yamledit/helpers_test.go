package yamledit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// applyEdits runs Apply, compares the result with want, and checks with config.LoadValues on
// real files that every edited key reads the new value and every other key the old one.
func applyEdits(t *testing.T, in, want string, edits ...Edit) {
	t.Helper()
	out, err := Apply(context.Background(), []byte(in), edits)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if string(out) != want {
		t.Fatalf("Apply output:\n%s\nwant:\n%s", out, want)
	}
	checkLoaded(t, in, string(out), edits, nil)
}

// checkLoaded loads the configuration before and after the edits with config.LoadValues. An
// old key may disappear only when it was empty and the edits nest a key below it.
func checkLoaded(t *testing.T, before, after string, edits []Edit, env map[string]string) {
	t.Helper()
	dir := t.TempDir()
	b := load(t, config.LoadOptions{Files: []string{writeFile(t, dir, "before.yaml", before)}, Env: env})
	a := load(t, config.LoadOptions{Files: []string{writeFile(t, dir, "after.yaml", after)}, Env: env})
	want := make(map[string]string)
	for _, e := range edits {
		want[config.CanonicalKey(e.Key)] = e.Value
	}
	for k, v := range want {
		if got, _, ok := a.Lookup(k); !ok || got != v {
			t.Errorf("after the edits, Lookup(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	for _, k := range b.Keys("") {
		if _, edited := want[k]; edited {
			continue
		}
		old, _, _ := b.Lookup(k)
		got, _, ok := a.Lookup(k)
		if !ok && old == "" && nestsBelow(want, k) {
			continue
		}
		if !ok || got != old {
			t.Errorf("after the edits, Lookup(%q) = %q, %v; want the old %q", k, got, ok, old)
		}
	}
	for _, k := range a.Keys("") {
		if _, edited := want[k]; !edited && len(b.Keys(k)) == 0 {
			if _, _, ok := b.Lookup(k); !ok {
				t.Errorf("after the edits, %q is set; it was not before", k)
			}
		}
	}
}

func nestsBelow(want map[string]string, prefix string) bool {
	for k := range want {
		if strings.HasPrefix(k, prefix+".") {
			return true
		}
	}
	return false
}

func wantEditError(t *testing.T, in string, e Edit, parts ...string) {
	t.Helper()
	_, err := Apply(context.Background(), []byte(in), []Edit{e})
	wantErr(t, err, parts...)
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(t *testing.T, opts config.LoadOptions) *config.Values {
	t.Helper()
	v, err := config.LoadValues(context.Background(), opts)
	if err != nil {
		t.Fatalf("LoadValues: %v", err)
	}
	return v
}

// loadBroker reads a configuration file as a broker's.
func loadBroker(t *testing.T, content string) *config.Broker {
	t.Helper()
	b, err := load(t, config.LoadOptions{Files: []string{writeFile(t, t.TempDir(), "application.yaml", content)}}).Broker()
	if err != nil {
		t.Fatalf("Broker: %v", err)
	}
	return b
}
