package restore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
)

// compareInstalled refuses only what the installed configuration really changes, and not what
// the cluster file or an edit asks for; a broker that is not running is compared on its file and
// the cluster file's env:, and the refusal says so.
func TestCompareInstalled(t *testing.T) {
	const current = "zeebe: {broker: {cluster: {nodeId: 1, clusterSize: 2}, gateway: {network: {port: 26600}}}}\nserver: {port: 8080}\n"
	cases := []struct {
		name, health, installed, plain string
		want                           []string // substrings of the one refusal; none: accepted
	}{
		{name: "unchanged, though the health URL names another port", health: "http://127.0.0.1:22002", installed: current},
		{name: "gateway port changed by the backed-up file", health: "http://127.0.0.1:9600",
			installed: strings.Replace(current, "26600", "26700", 1),
			want: []string{"broker 1 (local): zeebe.broker.gateway.network.port would change from 26600 (zeebe.broker.gateway.network.port in CONFIG) to 26700 (zeebe.broker.gateway.network.port in the backed-up configuration of broker 1)",
				"--set 1.zeebe.broker.gateway.network.port=26600", "set:", "--keep-target-config", "broker 1 is not running"}},
		{name: "gateway port changed by an edit", health: "http://127.0.0.1:9600",
			installed: strings.Replace(current, "26600", "26700", 1), plain: current},
		{name: "management port moved where the health URL points", health: "http://127.0.0.1:9700",
			installed: current + "management: {server: {port: 9700}}\n"},
		{name: "management port moved away from the health URL", health: "http://127.0.0.1:9600",
			installed: current + "management: {server: {port: 9700}}\n",
			want:      []string{"management.server.port would change from 9600 (default) to 9700", "the port of the cluster file's health URL http://127.0.0.1:9600 (9600)", "change its health URL"}},
		{name: "8.0-8.4: health on server.port", health: "http://127.0.0.1:8080",
			installed: strings.Replace(current, "port: 8080", "port: 8090", 1),
			want:      []string{"server.port would change from 8080 (server.port in CONFIG) to 8090", "health URL"}},
		{name: "another node id", health: "http://127.0.0.1:9600",
			installed: strings.Replace(current, "nodeId: 1", "nodeId: 0", 1),
			want:      []string{"zeebe.broker.cluster.nodeId would change from 1", "to 0", "the cluster file's node id (1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			install := t.TempDir()
			cfgPath := filepath.Join(install, "config", "application.yaml")
			os.MkdirAll(filepath.Join(install, "data"), 0o755)
			os.MkdirAll(filepath.Dir(cfgPath), 0o755)
			os.WriteFile(cfgPath, []byte(current), 0o644)
			d := &cluster.Description{Brokers: []cluster.Broker{{NodeID: 1, Host: cluster.Local, Config: cfgPath, InstallDir: install, Health: c.health}}}
			f, err := fleet.Resolve(context.Background(), d, func(cluster.Broker) (broker.Host, error) { return broker.Local{}, nil })
			if err != nil {
				t.Fatal(err)
			}
			m := f.Members[0]
			cur, err := fleet.ReadEffective(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			name := "the backed-up configuration of broker 1"
			after, afterValues, err := cur.Resolve(context.Background(), name, []byte(c.installed))
			if err != nil {
				t.Fatal(err)
			}
			plain := after
			if c.plain != "" {
				if plain, _, err = cur.Resolve(context.Background(), name, []byte(c.plain)); err != nil {
					t.Fatal(err)
				}
			}
			errs := compareInstalled(m, cur, after, afterValues, plain)
			if len(c.want) == 0 {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("%d refusals, want 1: %v", len(errs), errs)
			}
			for _, w := range c.want {
				if w = strings.ReplaceAll(w, "CONFIG", cfgPath); !strings.Contains(errs[0].Error(), w) {
					t.Errorf("refusal lacks %q:\n%v", w, errs[0])
				}
			}
		})
	}
}
