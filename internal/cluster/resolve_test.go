package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes an application.yaml under dir/config and returns its path.
func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "config", "application.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// clusterConfig is a broker's application.yaml in a cluster of 5, with extra lines below
// zeebe.broker.
func clusterConfig(nodeID int, extra string) string {
	return fmt.Sprintf("zeebe:\n  broker:\n    cluster:\n      nodeId: %d\n      clusterSize: 5\n      partitionsCount: 3\n      replicationFactor: 3\n%s", nodeID, extra)
}

// spec is one broker for describe.
type spec struct {
	config string
	extra  string // lines added to the broker's entry, indented by four spaces
	host   string // "" is local
}

// describe writes and loads a description of the brokers, broker i with node id i.
func describe(t *testing.T, brokers ...spec) *Description {
	t.Helper()
	var b strings.Builder
	b.WriteString("repository: /var/backups/zeebe\nbrokers:\n")
	for i, s := range brokers {
		if s.host == "" {
			s.host = Local
		}
		fmt.Fprintf(&b, "  - nodeId: %d\n    host: %s\n    config: %s\n    stop: 'true'\n    start: 'true'\n    health: http://localhost:%d\n", i, s.host, s.config, 9600+i)
		if s.extra != "" {
			for _, l := range strings.Split(s.extra, "\n") {
				b.WriteString("    " + l + "\n")
			}
		}
	}
	path := filepath.Join(t.TempDir(), DefaultFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), path, LoadOptions{})
	if err != nil {
		t.Fatalf("Load:\n%s\n%v", b.String(), err)
	}
	return d
}

func TestResolveDataDirectories(t *testing.T) {
	root := t.TempDir()
	relative := writeConfig(t, filepath.Join(root, "zeebe0"), clusterConfig(0, ""))                                                    // default "data"
	absolute := writeConfig(t, filepath.Join(root, "zeebe1"), clusterConfig(1, "    data:\n      directory: /var/lib/zeebe/data\n"))   // absolute in the file
	fromEnv := writeConfig(t, filepath.Join(root, "zeebe2"), clusterConfig(2, "    data:\n      directory: /never/used\n"))            // env wins
	otherInstall := writeConfig(t, filepath.Join(root, "zeebe3"), clusterConfig(3, "    data:\n      directory: ./store/../data2/\n")) // relative, explicit installDir
	explicit := writeConfig(t, filepath.Join(root, "zeebe4"), clusterConfig(4, "    data:\n      directory: /never/used\n"))           // dataDir wins

	d := describe(t,
		spec{config: relative},
		spec{config: absolute},
		spec{config: fromEnv, extra: "env: {ZEEBE_BROKER_DATA_DIRECTORY: /data/zeebe2}"},
		spec{config: otherInstall, extra: "installDir: /usr/local/zeebe"},
		spec{config: explicit, extra: "dataDir: /srv/zeebe4\nenv: {ZEEBE_BROKER_DATA_DIRECTORY: /also/not/used}"},
	)
	configs, err := d.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(root, "zeebe0", "data"),
		"/var/lib/zeebe/data",
		"/data/zeebe2",
		"/usr/local/zeebe/data2",
		"/srv/zeebe4",
	}
	for i, b := range d.Brokers {
		if b.DataDir != want[i] {
			t.Errorf("%s: DataDir %q, want %q", b.Name(), b.DataDir, want[i])
		}
		c := configs[b.NodeID]
		if c == nil || c.NodeID != b.NodeID || c.ClusterSize != 5 || c.PartitionsCount != 3 {
			t.Errorf("%s: config %+v", b.Name(), c)
		}
	}
	if len(configs) != 5 {
		t.Errorf("%d configs, want 5", len(configs))
	}
	// The config says where data is kept; an explicit dataDir only overrides ours.
	if got := configs[4].DataDirectory; got != "/also/not/used" {
		t.Errorf("broker 4 config DataDirectory = %q", got)
	}
}

func TestResolveLeavesRemoteBrokers(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), clusterConfig(0, ""))
	d := describe(t, spec{config: cfg}, spec{config: "/opt/zeebe/config/application.yaml", host: "ssh://zeebe@10.0.0.11"})
	configs, err := d.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) != 1 || configs[0] == nil {
		t.Errorf("configs = %v, want broker 0 only", configs)
	}
	if d.Brokers[1].DataDir != "" {
		t.Errorf("remote broker's DataDir = %q", d.Brokers[1].DataDir)
	}
}

func TestResolveErrors(t *testing.T) {
	root := t.TempDir()
	good := writeConfig(t, filepath.Join(root, "good"), clusterConfig(0, ""))
	missing := filepath.Join(root, "missing", "config", "application.yaml")
	wrongID := writeConfig(t, filepath.Join(root, "wrong"), clusterConfig(0, ""))
	badValue := writeConfig(t, filepath.Join(root, "bad"), clusterConfig(3, "    data:\n      logSegmentSize: lots\n"))

	d := describe(t, spec{config: good}, spec{config: missing}, spec{config: wrongID}, spec{config: badValue})
	_, err := d.Resolve(context.Background())
	if err == nil {
		t.Fatal("Resolve accepted a missing config")
	}
	file := d.Path
	for _, want := range []string{
		file + ":9: broker 1 (local): ",
		missing,
		"no such file or directory",
		file + ":15: broker 2 (local): config " + wrongID + " (with env) gives node id 0; the description says 2",
		file + ":21: broker 3 (local): config " + badValue + ": ",
		"zeebe.broker.data.logSegmentSize",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "broker 0") {
		t.Errorf("error names the good broker:\n%v", err)
	}
	for _, b := range d.Brokers {
		if b.DataDir != "" {
			t.Errorf("failed Resolve set %s's DataDir to %q", b.Name(), b.DataDir)
		}
	}
}

func TestResolveSharedDataDir(t *testing.T) {
	root := t.TempDir()
	a := writeConfig(t, filepath.Join(root, "a"), clusterConfig(0, "    data:\n      directory: /data\n"))
	b := writeConfig(t, filepath.Join(root, "b"), clusterConfig(1, ""))
	d := describe(t, spec{config: a}, spec{config: b, extra: "env: {ZEEBE_BROKER_DATA_DIRECTORY: /data/}"})
	_, err := d.Resolve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "broker 1 (local): data folder /data is also the one of broker 0 (local)") {
		t.Errorf("shared data folder: %v", err)
	}
}
