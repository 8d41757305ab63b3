package fleet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
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

// describe writes and loads a description of the brokers, broker i with node id i: broker i's
// entry starts on line 3+6i when it has no extra lines.
func describe(t *testing.T, brokers ...spec) *cluster.Description {
	t.Helper()
	var b strings.Builder
	b.WriteString("repository: /var/backups/zeebe\nbrokers:\n")
	for i, s := range brokers {
		if s.host == "" {
			s.host = cluster.Local
		}
		fmt.Fprintf(&b, "  - nodeId: %d\n    host: %s\n    config: %s\n    stop: 'true'\n    start: 'true'\n    health: http://localhost:%d\n", i, s.host, s.config, 9600+i)
		if s.extra != "" {
			for _, l := range strings.Split(s.extra, "\n") {
				b.WriteString("    " + l + "\n")
			}
		}
	}
	path := filepath.Join(t.TempDir(), cluster.DefaultFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := cluster.Load(context.Background(), path, cluster.LoadOptions{})
	if err != nil {
		t.Fatalf("Load:\n%s\n%v", b.String(), err)
	}
	return d
}

// localHosts gives every broker this machine.
func localHosts(cluster.Broker) (broker.Host, error) { return broker.Local{}, nil }

// servedHost is a host whose files exist only in memory, answering as os does (a folder, a
// prefix of a served path, cannot be read; anything else is missing); it records every read.
type servedHost struct {
	broker.Local
	files map[string]string

	mu   sync.Mutex
	read []string
}

func (h *servedHost) ReadFile(_ context.Context, path string) ([]byte, error) {
	h.mu.Lock()
	h.read = append(h.read, path)
	h.mu.Unlock()
	if data, ok := h.files[path]; ok {
		return []byte(data), nil
	}
	for p := range h.files {
		if strings.HasPrefix(p, path+"/") {
			return nil, fmt.Errorf("read %s: %w", path, &fs.PathError{Op: "read", Path: path, Err: syscall.EISDIR})
		}
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

// wantUnchanged fails when a failed Resolve returned a fleet or filled a data folder.
func wantUnchanged(t *testing.T, f *Fleet, d *cluster.Description) {
	t.Helper()
	if f != nil {
		t.Errorf("a failed Resolve returned a fleet of %d members", len(f.Members))
	}
	for _, b := range d.Brokers {
		if b.DataDir != "" {
			t.Errorf("failed Resolve set %s's DataDir to %q", b.Name(), b.DataDir)
		}
	}
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
	f, err := Resolve(context.Background(), d, localHosts)
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
	if len(f.Members) != 5 {
		t.Fatalf("%d members, want 5", len(f.Members))
	}
	for i, b := range d.Brokers {
		m := f.Members[i]
		if b.DataDir != want[i] || m.DataDir != want[i] || m.Broker.DataDir != want[i] {
			t.Errorf("%s: DataDir %q, member's %q (its broker's %q), want %q", b.Name(), b.DataDir, m.DataDir, m.Broker.DataDir, want[i])
		}
		c := m.Config
		if m.Broker.NodeID != b.NodeID || c == nil || c.NodeID != b.NodeID || c.ClusterSize != 5 || c.PartitionsCount != 3 {
			t.Errorf("%s: member %s, config %+v", b.Name(), m.Broker.Name(), c)
		}
		if raw, _ := os.ReadFile(b.Config); string(m.ConfigData) != string(raw) {
			t.Errorf("%s: ConfigData %q, want the file's bytes", b.Name(), m.ConfigData)
		}
	}
	// The config says where data is kept; an explicit dataDir only overrides ours.
	if got := f.Members[4].Config.DataDirectory; got != "/also/not/used" {
		t.Errorf("broker 4 config DataDirectory = %q", got)
	}
	if f.Description != d || f.Shape != (Shape{zeebe.Shape{ClusterSize: 5, PartitionsCount: 3, ReplicationFactor: 3}, "zeebe-cluster"}) {
		t.Errorf("fleet description %p (want %p), shape %+v", f.Description, d, f.Shape)
	}
}

// A broker's configuration, and a file its env: names, are read through its Host, never from
// this machine's disk: here neither exists on disk, and a remote broker's host serves them.
func TestResolveReadsThroughTheHost(t *testing.T) {
	local := writeConfig(t, t.TempDir(), clusterConfig(0, ""))
	remote := filepath.Join(t.TempDir(), "elsewhere", "config", "application.yaml") // not on disk
	extra := filepath.Join(filepath.Dir(remote), "override.yaml")
	folder := filepath.Join(filepath.Dir(remote), "conf.d")
	data := t.TempDir()
	h := &servedHost{files: map[string]string{
		remote:                                   clusterConfig(1, "    data:\n      directory: /never/used\n"),
		extra:                                    "zeebe.broker.data.directory: " + data + "\n",
		filepath.Join(folder, "application.yml"): "zeebe.broker.gateway.network.port: 26777\n",
	}}
	d := describe(t, spec{config: local}, spec{config: remote, host: "ssh://zeebe@127.0.0.1",
		extra: "env: {SPRING_CONFIG_ADDITIONAL_LOCATION: 'file:" + extra + "," + folder + "'}"})
	hosts := func(b cluster.Broker) (broker.Host, error) {
		if b.IsLocal() {
			return broker.Local{}, nil
		}
		return h, nil
	}
	f, err := Resolve(context.Background(), d, hosts)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Members[1]
	if m.Host != broker.Host(h) || m.Config.NodeID != 1 || m.DataDir != data || m.Config.GatewayPort != 26777 || string(m.ConfigData) != h.files[remote] {
		t.Errorf("remote member: host %v, node id %d, data folder %q, gateway port %d, ConfigData %q", m.Host, m.Config.NodeID, m.DataDir, m.Config.GatewayPort, m.ConfigData)
	}
	wantRead := []string{remote, extra, folder, filepath.Join(folder, "application.yaml"), filepath.Join(folder, "application.yml")}
	if !reflect.DeepEqual(h.read, wantRead) {
		t.Errorf("the remote host read %q, want %q", h.read, wantRead)
	}

	// The configuration it runs with resolves the bytes read, reading again only what its
	// environment names, on its host.
	e, err := ReadEffective(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if e.Broker.ResolveDataDirectory(m.Broker.InstallDir) != data || e.Broker.GatewayPort != 26777 {
		t.Errorf("effective configuration: data folder %q, gateway port %d", e.Broker.DataDirectory, e.Broker.GatewayPort)
	}
	if again := h.read[len(wantRead):]; !reflect.DeepEqual(again, wantRead[1:]) {
		t.Errorf("ReadEffective read %q on the host, want only %q", again, wantRead[1:])
	}

	// The same description read from this machine fails: the files are not here.
	d = describe(t, spec{config: local}, spec{config: remote, host: "ssh://zeebe@127.0.0.1"})
	f, err = Resolve(context.Background(), d, localHosts)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), remote) {
		t.Errorf("read on this machine: %v, want %s missing", err, remote)
	}
	wantUnchanged(t, f, d)

	// A host that cannot be had is refused, naming the broker and its line.
	refuse := func(b cluster.Broker) (broker.Host, error) {
		if b.IsLocal() {
			return broker.Local{}, nil
		}
		return nil, errors.New("only host: local is supported")
	}
	f, err = Resolve(context.Background(), d, refuse)
	if err == nil || !strings.Contains(err.Error(), d.Path+":9: broker 1 (ssh://zeebe@127.0.0.1): only host: local is supported") {
		t.Errorf("refused host: %v", err)
	}
	wantUnchanged(t, f, d)
}

func TestResolveErrors(t *testing.T) {
	root := t.TempDir()
	good := writeConfig(t, filepath.Join(root, "good"), clusterConfig(0, ""))
	missing := filepath.Join(root, "missing", "config", "application.yaml")
	wrongID := writeConfig(t, filepath.Join(root, "wrong"), clusterConfig(0, ""))
	badValue := writeConfig(t, filepath.Join(root, "bad"), clusterConfig(3, "    data:\n      logSegmentSize: lots\n"))

	d := describe(t, spec{config: good}, spec{config: missing}, spec{config: wrongID}, spec{config: badValue})
	f, err := Resolve(context.Background(), d, localHosts)
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
	wantUnchanged(t, f, d)
}

func TestResolveSharedDataDir(t *testing.T) {
	root := t.TempDir()
	a := writeConfig(t, filepath.Join(root, "a"), clusterConfig(0, "    data:\n      directory: /data\n"))
	b := writeConfig(t, filepath.Join(root, "b"), clusterConfig(1, ""))
	d := describe(t, spec{config: a}, spec{config: b, extra: "env: {ZEEBE_BROKER_DATA_DIRECTORY: /data/}"})
	f, err := Resolve(context.Background(), d, localHosts)
	if err == nil || !strings.Contains(err.Error(), d.Path+":9: broker 1 (local): data folder /data is also the one of broker 0 (local)") {
		t.Errorf("shared data folder: %v", err)
	}
	wantUnchanged(t, f, d)
}

// Zeebe 8.4+'s rule: a node id at or beyond the configured clusterSize is a broker of a cluster
// scaled at runtime, and so are more brokers than clusterSize; only a negative node id is
// refused, and a configuration's node id must be the description's.
func TestResolveNodeIDPolicy(t *testing.T) {
	root := t.TempDir()
	var specs []spec
	for n := range 6 { // clusterSize 3, brokers 0..5
		body := fmt.Sprintf("zeebe.broker.cluster: {nodeId: %d, clusterSize: 3, partitionsCount: 6, replicationFactor: 3}\n", n)
		specs = append(specs, spec{config: writeConfig(t, filepath.Join(root, fmt.Sprint(n)), body)})
	}
	d := describe(t, specs...)
	f, err := Resolve(context.Background(), d, localHosts)
	if err != nil {
		t.Fatalf("a cluster scaled from 3 to 6 brokers: %v", err)
	}
	if len(f.Members) != 6 || f.Members[5].Config.NodeID != 5 || f.Shape.ClusterSize != 3 {
		t.Errorf("%d members, shape %+v", len(f.Members), f.Shape)
	}

	negative := writeConfig(t, filepath.Join(root, "negative"), "zeebe.broker.cluster: {nodeId: 0, clusterSize: 3, partitionsCount: 6, replicationFactor: 3}\n")
	d = describe(t, spec{config: negative, extra: "env: {ZEEBE_BROKER_CLUSTER_NODEID: '-1'}"})
	f, err = Resolve(context.Background(), d, localHosts)
	if err == nil || !strings.Contains(err.Error(), d.Path+":3: broker 0 (local): config "+negative) || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("negative node id: %v", err)
	}
	wantUnchanged(t, f, d)
}

// Every configuration must give the same cluster size, partitions count, replication factor
// and cluster name; each that differs from the first broker's is named, all together, with
// another broker's problem.
func TestResolveShapeDisagreement(t *testing.T) {
	root := t.TempDir()
	d := describe(t,
		spec{config: writeConfig(t, filepath.Join(root, "0"), clusterConfig(0, ""))},
		spec{config: writeConfig(t, filepath.Join(root, "1"), strings.Replace(clusterConfig(1, ""), "partitionsCount: 3", "partitionsCount: 4", 1))},
		spec{config: writeConfig(t, filepath.Join(root, "2"), clusterConfig(2, "      clusterName: other\n"))},
		spec{config: filepath.Join(root, "3", "missing.yaml")},
	)
	f, err := Resolve(context.Background(), d, localHosts)
	if err == nil {
		t.Fatal("Resolve accepted configurations that disagree")
	}
	for _, want := range []string{
		d.Path + ":9: broker 1 (local): its configuration " + d.Brokers[1].Config + ` has clusterSize 5, partitionsCount 4, replicationFactor 3, clusterName "zeebe-cluster"; broker 0 (local) has 5, 3, 3, "zeebe-cluster": all brokers must agree`,
		d.Path + ":15: broker 2 (local): its configuration " + d.Brokers[2].Config + ` has clusterSize 5, partitionsCount 3, replicationFactor 3, clusterName "other"`,
		d.Path + ":21: broker 3 (local): ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	wantUnchanged(t, f, d)
}

// TestExampleFileResolves runs the example cluster file against brokers installed the way it
// describes (its /opt paths moved into a temporary folder): the configurations resolve, and
// broker 2, which writes no dataDir, gets Zeebe's default data folder below its installDir.
func TestExampleFileResolves(t *testing.T) {
	src, err := os.ReadFile("../../docs/zeebe-backup.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for n := range 3 {
		// node ids 0 and 1 come from env:, as the example's units set them; 2 from the file.
		body := "zeebe:\n  broker:\n    cluster:\n      clusterSize: 3\n      partitionsCount: 3\n      replicationFactor: 3\n"
		if n == 2 {
			body += "      nodeId: 2\n"
		}
		writeConfig(t, filepath.Join(root, "opt", "zeebe-"+string(rune('0'+n))), body)
	}
	moved := strings.ReplaceAll(string(src), "/opt/", filepath.Join(root, "opt")+"/")
	path := filepath.Join(root, cluster.DefaultFile)
	if err := os.WriteFile(path, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := cluster.Load(context.Background(), path, cluster.LoadOptions{})
	if err != nil {
		t.Fatalf("the example with moved paths does not load: %v", err)
	}
	f, err := Resolve(context.Background(), d, localHosts)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	for n := range 3 {
		want := filepath.Join(root, "opt", "zeebe-"+string(rune('0'+n)), "data")
		if got := d.Brokers[n].DataDir; got != want {
			t.Errorf("%s: data folder %q, want %q", d.Brokers[n].Name(), got, want)
		}
		if c := f.Member(n).Config; c == nil || c.NodeID != n || c.ClusterSize != 3 {
			t.Errorf("broker %d: resolved config %+v, want node id %d in a cluster of 3", n, c, n)
		}
	}
}
