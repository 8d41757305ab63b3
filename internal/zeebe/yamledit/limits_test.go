package yamledit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
)

// A configuration with an alias bomb, deep nesting or an oversized value is refused before
// anything is expanded, with a short message that never echoes the input.
func TestHostileConfigurationsAreRefused(t *testing.T) {
	for _, c := range []struct{ name, src, what string }{
		{"bomb", "zeebe:\n  broker: {}\n" + limitstest.AliasBomb(), "aliases"},
		{"deep", limitstest.DeepYAML(limits.MaxYAMLDepth + 5), "nesting"},
		{"big", limitstest.Oversized(limits.MaxYAMLBytes), "size"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Apply(context.Background(), []byte(c.src), []Edit{{Key: "zeebe.broker.network.host", Value: "x"}})
			var le *limits.Error
			if !errors.As(err, &le) || !strings.Contains(le.What, c.what) {
				t.Fatalf("err = %.300v; want the %s limit", err, c.what)
			}
			if msg := err.Error(); len(msg) > 400 || strings.Contains(msg, limitstest.Secret) || strings.Contains(msg, "lol") {
				t.Fatalf("message of %d bytes echoes the input: %.400s", len(msg), msg)
			}
		})
	}
}

func TestApplyStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Apply(ctx, []byte("a: 1\n"), []Edit{{Key: "a", Value: "2"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply: err = %v, want context.Canceled", err)
	}
}
