package cluster

import (
	"context"
	"maps"
	"os"
	"strings"
	"testing"
	"time"
)

// exampleFile is the commented example cluster file shipped in docs/.
const exampleFile = "../../docs/zeebe-backup.example.yaml"

// TestExampleFileParses keeps docs/zeebe-backup.example.yaml honest: it loads with the real
// parser without a single problem and says what its comments say.
func TestExampleFileParses(t *testing.T) {
	d, err := Load(context.Background(), exampleFile, checks())
	if err != nil {
		t.Fatalf("the example cluster file does not load: %v", err)
	}
	if d.Repository != "/var/backups/zeebe" || d.Gateway != "127.0.0.1:26500" || d.Version != "8.5.3" {
		t.Errorf("repository, gateway, version = %q, %q, %q; want /var/backups/zeebe, 127.0.0.1:26500, 8.5.3", d.Repository, d.Gateway, d.Version)
	}
	if len(d.Brokers) != 3 {
		t.Fatalf("%d brokers, want 3", len(d.Brokers))
	}
	type want struct {
		config, installDir, dataDir string
		env, set                    map[string]string
		stop, start                 Command
		health                      string
	}
	adv := map[string]string{"zeebe.broker.network.advertisedHost": "127.0.0.1"}
	wants := []want{
		{
			config: "/opt/zeebe-0/config/application.yaml", installDir: "/opt/zeebe-0", dataDir: "/opt/zeebe-0/data",
			env:    map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": "0", "ZEEBE_LOG_LEVEL": "info"},
			set:    adv,
			stop:   Command{Run: "systemctl stop zeebe@0", Timeout: DefaultStopTimeout},
			start:  Command{Run: "systemctl start zeebe@0", Timeout: 3 * time.Minute},
			health: "http://127.0.0.1:9600",
		},
		{
			config: "/opt/zeebe-1/config/application.yaml", installDir: "/opt/zeebe-1", dataDir: "/opt/zeebe-1/data",
			env:    map[string]string{"ZEEBE_BROKER_CLUSTER_NODEID": "1"},
			set:    adv,
			stop:   Command{Run: "systemctl stop zeebe@1", Timeout: 2 * time.Minute},
			start:  Command{Run: "systemctl start zeebe@1", Timeout: 3 * time.Minute},
			health: "http://127.0.0.1:9610",
		},
		{
			// only the required keys: installDir defaults to the folder above config's,
			// dataDir waits for Resolve, timeouts are the defaults.
			config: "/opt/zeebe-2/config/application.yaml", installDir: "/opt/zeebe-2", dataDir: "",
			env:    map[string]string{},
			set:    map[string]string{},
			stop:   Command{Run: "systemctl stop zeebe@2", Timeout: DefaultStopTimeout},
			start:  Command{Run: "systemctl start zeebe@2", Timeout: DefaultStartTimeout},
			health: "http://127.0.0.1:9620",
		},
	}
	for i, w := range wants {
		b := d.Brokers[i]
		if b.NodeID != i || b.Host != Local {
			t.Errorf("brokers[%d]: node id %d on %q, want %d on local", i, b.NodeID, b.Host, i)
		}
		if b.Config != w.config || b.InstallDir != w.installDir || b.DataDir != w.dataDir {
			t.Errorf("%s: config, installDir, dataDir = %q, %q, %q; want %q, %q, %q", b.Name(), b.Config, b.InstallDir, b.DataDir, w.config, w.installDir, w.dataDir)
		}
		if !maps.Equal(b.Env, w.env) || !maps.Equal(b.Set, w.set) {
			t.Errorf("%s: env %v, set %v; want %v, %v", b.Name(), b.Env, b.Set, w.env, w.set)
		}
		if b.Stop != w.stop || b.Start != w.start {
			t.Errorf("%s: stop %+v, start %+v; want %+v, %+v", b.Name(), b.Stop, b.Start, w.stop, w.start)
		}
		if b.Health != w.health {
			t.Errorf("%s: health %q, want %q", b.Name(), b.Health, w.health)
		}
	}
}

// TestExampleFileShowsEveryKey fails when the parser learns a key the example does not show
// in use (outside comments).
func TestExampleFileShowsEveryKey(t *testing.T) {
	src, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for line := range strings.Lines(string(src)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, part := range strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ',' || r == '-' }) {
			if k, _, ok := strings.Cut(strings.TrimSpace(part), ":"); ok {
				used[k] = true
			}
		}
	}
	for _, keys := range [][]string{topKeys, brokerKeys, commandKeys} {
		for _, k := range keys {
			if !used[k] {
				t.Errorf("the example cluster file does not use the key %s; show it with a comment", k)
			}
		}
	}
}
