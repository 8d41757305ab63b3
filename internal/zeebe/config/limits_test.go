package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
)

// wantRefused checks that err refuses the input for a limit with a short message that names
// the file (when given) and never echoes the secret.
func wantRefused(t *testing.T, err error, what, file string) {
	t.Helper()
	var le *limits.Error
	if !errors.As(err, &le) || !strings.Contains(le.What, what) {
		t.Fatalf("err = %.300v; want the %s limit", err, what)
	}
	msg := err.Error()
	if len(msg) > 400 || strings.Contains(msg, limitstest.Secret) || strings.Contains(msg, "lol") {
		t.Fatalf("message of %d bytes echoes the input: %.400s", len(msg), msg)
	}
	if file != "" && !strings.Contains(msg, file) {
		t.Fatalf("message does not name %s: %s", file, msg)
	}
}

// A broker configuration with an alias bomb, deep nesting or an oversized value is refused
// before anything is expanded, by LoadValues from a file or inline (and by yamledit.Apply:
// see its tests).
func TestHostileConfigurationsAreRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct{ name, src, what string }{
		{"bomb", "zeebe:\n  broker: {}\n" + limitstest.AliasBomb(), "aliases"},
		{"deep", limitstest.DeepYAML(limits.MaxYAMLDepth + 5), "nesting"},
		{"big", limitstest.Oversized(limits.MaxYAMLBytes), "size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".yaml")
			if err := os.WriteFile(path, []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadValues(ctx, LoadOptions{Files: []string{path}})
			wantRefused(t, err, c.what, path)

			_, err = LoadValues(ctx, LoadOptions{Inline: []Inline{{Name: "backed-up", Data: []byte(c.src)}}})
			wantRefused(t, err, c.what, "backed-up")

			_, err = LoadValues(ctx, LoadOptions{Env: map[string]string{additionalLocationEnv: "optional:file:" + path}})
			wantRefused(t, err, c.what, path)
		})
	}
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "application.yaml")
	if err := os.WriteFile(path, []byte("zeebe: {broker: {cluster: {nodeId: 0}}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadValues(ctx, LoadOptions{Files: []string{path}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("LoadValues: err = %v, want context.Canceled", err)
	}
}
