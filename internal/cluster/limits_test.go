package cluster

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

// A cluster file with an alias bomb, deep nesting or an oversized value is refused with one
// short problem naming the limit, and nothing of the input.
func TestHostileClusterFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, src, want string }{
		{"bomb", base + limitstest.AliasBomb(), "the number of nodes reached through aliases exceeds the limit of 10000 nodes"},
		// Fewer aliases than the limit, but each repeating a wrong broker: the report is cut.
		{"aliased-problems", "repository: /x\nx: &x [{a: 1}, {a: 1}, {a: 1}]\nbrokers: &b [*x, *x, *x, *x, *x, *x, *x, *x]\n", ""},
		{"deep", base + "extra:\n" + indent(limitstest.DeepYAML(limits.MaxYAMLDepth+5)), "the nesting depth exceeds the limit of 64 levels"},
		{"big", base + limitstest.Oversized(limits.MaxYAMLBytes), "the size of the file exceeds the limit of 1048576 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".yaml")
			if err := os.WriteFile(path, []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), path, checks())
			var de *DescriptionError
			if !errors.As(err, &de) {
				t.Fatalf("err = %.300v; want a *DescriptionError", err)
			}
			if c.want != "" && (len(de.Problems) != 1 || !strings.Contains(de.Problems[0].Message, c.want)) {
				t.Fatalf("problems %+v; want one saying %q", de.Problems, c.want)
			}
			if len(de.Problems) > maxProblems+1 {
				t.Fatalf("%d problems", len(de.Problems))
			}
			msg := err.Error()
			if len(msg) > 4000 || strings.Contains(msg, limitstest.Secret) || !strings.Contains(msg, path) {
				t.Fatalf("message of %d bytes: %.400s", len(msg), msg)
			}
		})
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, path, checks()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Load: err = %v, want context.Canceled", err)
	}
	if _, err := Parse(ctx, []byte(base), path, checks()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Parse: err = %v, want context.Canceled", err)
	}
}
