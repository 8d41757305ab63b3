package cluster

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, fails only with a *DescriptionError of located problems,
// and what it accepts holds the package's invariants.
func FuzzParse(f *testing.F) {
	for _, s := range []string{full, base, brokersWithIDs("1", "0", "1"), "", "---\n~\n", "a: &x [*x]\n",
		"repository: /x\nbrokers:\n  - &b {nodeId: 0, <<: *b}\n", "brokers: &l [*l]\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		d, err := Parse(context.Background(), []byte(src), DefaultFile, checks())
		if err != nil {
			var de *DescriptionError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			for _, p := range de.Problems {
				if p.File != DefaultFile || p.Message == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
			return
		}
		if len(d.Brokers) == 0 || d.Repository == "" {
			t.Fatalf("accepted without brokers or repository: %+v", d)
		}
		for i, b := range d.Brokers {
			if b.NodeID != i {
				t.Fatalf("broker %d has node id %d", i, b.NodeID)
			}
			if !filepath.IsAbs(b.Config) || !filepath.IsAbs(b.InstallDir) || (b.DataDir != "" && !filepath.IsAbs(b.DataDir)) {
				t.Fatalf("relative path in %+v", b)
			}
			if b.Host != Local {
				t.Fatalf("host %q", b.Host)
			}
			if u, err := url.Parse(b.Health); err != nil || u.Host == "" || strings.HasSuffix(b.Health, "/") {
				t.Fatalf("health %q", b.Health)
			}
			if b.Stop.Run == "" || b.Start.Run == "" || b.Stop.Timeout <= 0 || b.Start.Timeout <= 0 {
				t.Fatalf("commands %+v %+v", b.Stop, b.Start)
			}
			if b.Env == nil || b.Set == nil {
				t.Fatal("nil map")
			}
		}
	})
}
