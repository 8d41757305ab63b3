package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
)

// base is a valid one-broker description; tests replace parts of lines, keeping line numbers.
const base = `repository: /var/backups/zeebe
brokers:
  - nodeId: 0
    host: local
    config: /opt/zeebe/config/application.yaml
    stop: systemctl stop zeebe
    start: systemctl start zeebe
    health: http://localhost:9600
`

// brokersWithIDs is a valid description but for the node ids: broker i starts on line 3+6i,
// its node id on the same line.
func brokersWithIDs(ids ...string) string {
	var b strings.Builder
	b.WriteString("repository: /var/backups/zeebe\nbrokers:\n")
	for i, id := range ids {
		fmt.Fprintf(&b, "  - nodeId: %s\n    host: local\n    config: /opt/zeebe%d/config/application.yaml\n", id, i)
		fmt.Fprintf(&b, "    stop: systemctl stop zeebe\n    start: systemctl start zeebe\n    health: http://localhost:%d\n", 9600+i)
	}
	return b.String()
}

func mustParse(t *testing.T, src string, opts LoadOptions) *Description {
	t.Helper()
	d, err := Parse(context.Background(), []byte(src), DefaultFile, opts)
	if err != nil {
		t.Fatalf("Parse:\n%s\n%v", src, err)
	}
	return d
}

// parseProblems parses a description that must be wrong and returns its problems as strings.
func parseProblems(t *testing.T, src string, opts LoadOptions) []string {
	t.Helper()
	d, err := Parse(context.Background(), []byte(src), "./"+DefaultFile, opts)
	if err == nil {
		t.Fatalf("Parse accepted:\n%s\n%+v", src, d)
	}
	var de *DescriptionError
	if !errors.As(err, &de) {
		t.Fatalf("Parse error %T, want *DescriptionError: %v", err, err)
	}
	if d != nil {
		t.Errorf("Parse returned a description with its error")
	}
	out := make([]string, len(de.Problems))
	for i, p := range de.Problems {
		out[i] = p.String()
	}
	if got := strings.Join(out, "\n"); got != err.Error() {
		t.Errorf("Error() = %q, want the problems one per line %q", err.Error(), got)
	}
	return out
}

// checks are the checks the tool gives Load: the registries main builds (local storage, hosts
// on this machine), so that the messages tested are the ones users read.
func checks() LoadOptions {
	return LoadOptions{
		CheckRepository: func(loc string, options map[string]string) (string, error) {
			return storage.NewRegistry(local.Backend()).Check(loc, options)
		},
		CheckHost: broker.NewRegistry(broker.LocalKind()).Check,
	}
}

// withRepo is checks with the --repo override.
func withRepo(loc string) LoadOptions {
	o := checks()
	o.Repository = loc
	return o
}

// withSSH is checks with a host kind "ssh" that takes every ssh:// URL: the package takes a
// host that the registry takes, of any kind, and keeps it as written.
func withSSH() LoadOptions {
	o := checks()
	o.CheckHost = broker.NewRegistry(broker.LocalKind(), broker.Kind{
		Scheme: "ssh",
		Form:   "ssh://[user@]host[:port]",
		Check:  func(string) error { return nil },
		Open: func(context.Context, string) (broker.Host, error) {
			return nil, errors.New("not opened by these tests")
		},
	}).Check
	return o
}
