package config

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

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

func load(t *testing.T, opts LoadOptions) *Values {
	t.Helper()
	v, err := LoadValues(context.Background(), opts)
	if err != nil {
		t.Fatalf("LoadValues: %v", err)
	}
	return v
}

func wantLookup(t *testing.T, v *Values, key, value, source string) {
	t.Helper()
	got, src, ok := v.Lookup(key)
	if !ok || got != value || src != source {
		t.Errorf("Lookup(%q) = %q, %q, %v; want %q from %q", key, got, src, ok, value, source)
	}
}

// Every way of writing a key reaches the same property, whichever way it is asked for.
func TestRelaxedForms(t *testing.T) {
	forms := map[string]string{
		"nested": "zeebe:\n  broker:\n    cluster:\n      nodeId: 2\n",
		"dotted": "zeebe.broker.cluster.nodeId: 2\n",
		"mixed":  "zeebe:\n  broker:\n    cluster.nodeId: 2\n",
		"mixed2": "zeebe.broker:\n  cluster:\n    nodeId: 2\n",
		"kebab":  "zeebe:\n  broker:\n    cluster:\n      node-id: 2\n",
		"snake":  "zeebe:\n  broker:\n    cluster:\n      node_id: 2\n",
		"upper":  "ZEEBE:\n  Broker:\n    CLUSTER:\n      NODEID: 2\n",
	}
	queries := []string{"zeebe.broker.cluster.nodeId", "zeebe.broker.cluster.node-id",
		"zeebe.broker.cluster.node_id", "Zeebe.Broker.Cluster.NodeID"}
	for name, content := range forms {
		t.Run(name, func(t *testing.T) {
			file := writeFile(t, t.TempDir(), "application.yaml", content)
			v := load(t, LoadOptions{Files: []string{file}})
			for _, q := range queries {
				wantLookup(t, v, q, "2", file)
			}
			if _, _, ok := v.Lookup("zeebe.broker.cluster.clusterSize"); ok {
				t.Error("an unset key was found")
			}
		})
	}
}

func TestEnvironmentOverridesFilesAndLaterFilesOverrideEarlier(t *testing.T) {
	dir := t.TempDir()
	first := writeFile(t, dir, "a.yaml", `
zeebe.broker:
  cluster: {nodeId: 1, clusterSize: 3, partitionsCount: 6}
  data: {directory: /first}
`)
	second := writeFile(t, dir, "b.yaml", `
zeebe:
  broker:
    cluster:
      cluster-size: 5
    data:
      directory: /second
`)
	v := load(t, LoadOptions{
		Files: []string{first, second},
		Env: map[string]string{
			"ZEEBE_BROKER_DATA_DIRECTORY":        "/from-env",
			"zeebe_broker_cluster_nodeId":        "4",    // lowercase names map too
			"ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE": "32MB", // Spring's legacy dashed env form
			"UNRELATED":                          "x",
		},
	})
	wantLookup(t, v, "zeebe.broker.data.directory", "/from-env", "environment variable ZEEBE_BROKER_DATA_DIRECTORY")
	wantLookup(t, v, "zeebe.broker.cluster.clusterSize", "5", second)
	wantLookup(t, v, "zeebe.broker.cluster.partitionsCount", "6", first)
	wantLookup(t, v, "zeebe.broker.cluster.nodeId", "4", "environment variable zeebe_broker_cluster_nodeId")
	wantLookup(t, v, "zeebe.broker.data.logSegmentSize", "32MB", "environment variable ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE")
	if got := v.Files(); !reflect.DeepEqual(got, []string{first, second}) {
		t.Errorf("Files() = %q", got)
	}
}

func TestStandardEnvNameBeatsLegacyAndUppercaseBeatsLowercase(t *testing.T) {
	v := load(t, LoadOptions{Env: map[string]string{
		"ZEEBE_BROKER_DATA_LOGSEGMENTSIZE":   "1MB",
		"ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE": "2MB",
		"SERVER_PORT":                        "1",
		"server_port":                        "2",
	}})
	wantLookup(t, v, "zeebe.broker.data.logSegmentSize", "1MB", "environment variable ZEEBE_BROKER_DATA_LOGSEGMENTSIZE")
	wantLookup(t, v, "server.port", "1", "environment variable SERVER_PORT")
}

func TestAdditionalLocations(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "config/application.yaml", "zeebe.broker.cluster: {nodeId: 0, clusterSize: 3, partitionsCount: 3}\n")
	extraFile := writeFile(t, dir, "extra/override.yaml", "zeebe.broker.cluster.nodeId: 1\nzeebe.sim.a: file\n")
	yamlInDir := writeFile(t, dir, "confdir/application.yaml", "zeebe.broker.cluster.nodeId: 2\nzeebe.sim.b: yaml\nzeebe.sim.c: yaml\n")
	ymlInDir := writeFile(t, dir, "confdir/application.yml", "zeebe.sim.c: yml\n")
	writeFile(t, dir, "rel/application.yaml", "zeebe.sim.rel: yes\n")

	spec := strings.Join([]string{
		"file:" + extraFile,
		" optional:file:" + filepath.Join(dir, "missing.yaml"),
		"optional:" + filepath.Join(dir, "missing-dir") + "/",
		"optional:classpath:/config/",
		filepath.Join(dir, "confdir") + "/",
		"file:rel/",
	}, ",")
	v := load(t, LoadOptions{Files: []string{base}, Env: map[string]string{additionalLocationEnv: spec}, WorkDir: dir})
	wantLookup(t, v, "zeebe.broker.cluster.nodeId", "2", yamlInDir) // later location wins
	wantLookup(t, v, "zeebe.broker.cluster.clusterSize", "3", base)
	wantLookup(t, v, "zeebe.sim.a", "file", extraFile)
	wantLookup(t, v, "zeebe.sim.b", "yaml", yamlInDir)
	wantLookup(t, v, "zeebe.sim.c", "yml", ymlInDir)
	wantLookup(t, v, "zeebe.sim.rel", "yes", filepath.Join(dir, "rel/application.yaml"))
	if got := len(v.Files()); got != 5 {
		t.Errorf("Files() = %q, want 5 files", v.Files())
	}

	for name, spec := range map[string]string{
		"missing file": "file:" + filepath.Join(dir, "missing.yaml"),
		"missing dir":  filepath.Join(dir, "missing-dir") + "/",
		"classpath":    "classpath:/config/",
		"file not dir": extraFile + "/",
		"properties":   writeFile(t, dir, "x.properties", "a=b\n"),
		"bad yaml":     writeFile(t, dir, "bad.yaml", "a: [\n"),
	} {
		_, err := LoadValues(context.Background(), LoadOptions{Env: map[string]string{additionalLocationEnv: spec}})
		if err == nil {
			t.Errorf("%s: want an error", name)
			continue
		}
		if !strings.Contains(err.Error(), additionalLocationEnv) {
			t.Errorf("%s: error %q does not name %s", name, err, additionalLocationEnv)
		}
	}
}

func TestMissingFileIsAnError(t *testing.T) {
	_, err := LoadValues(context.Background(), LoadOptions{Files: []string{filepath.Join(t.TempDir(), "nope.yaml")}})
	wantErr(t, err, "nope.yaml")
}

func TestBadYAMLNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ content, line string }{
		"syntax":    {"zeebe:\n  broker:\n    cluster: [1, 2\n    data: x\n", "line "},
		"indent":    {"zeebe:\n  broker: 1\n   data: x\n", "line 3"},
		"duplicate": {"zeebe:\n  broker: 1\nother: 2\nzeebe: 3\n", "line 4"},
		"top level": {"- a\n- b\n", "line 1"},
		"tab":       {"zeebe:\n\tbroker: 1\n", "line 2"},
	} {
		file := writeFile(t, dir, name+".yaml", tc.content)
		_, err := LoadValues(context.Background(), LoadOptions{Files: []string{file}})
		wantErr(t, err, file, tc.line)
	}
}

func TestEmptyAndCommentOnlyFiles(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty.yaml", "")
	comments := writeFile(t, dir, "comments.yaml", "# all commented out\n# zeebe: {}\n---\n")
	v := load(t, LoadOptions{Files: []string{empty, comments}})
	if keys := v.Keys(""); len(keys) != 0 {
		t.Errorf("keys of empty files: %q", keys)
	}
}

func TestYAMLFeatures(t *testing.T) {
	file := writeFile(t, t.TempDir(), "application.yaml", `
defaults: &defaults
  clusterSize: 3
  partitionsCount: 3
zeebe:
  broker:
    cluster:
      <<: *defaults
      partitionsCount: 9
      nodeId: ~
    exporters:
      elasticsearch:
        className: io.camunda.zeebe.exporter.ElasticsearchExporter
        args: {url: "http://es:9200"}
    empty: {}
zeebe.sim.list[0]: first
`)
	v := load(t, LoadOptions{Files: []string{file}})
	wantLookup(t, v, "zeebe.broker.cluster.clusterSize", "3", file)
	wantLookup(t, v, "zeebe.broker.cluster.partitionsCount", "9", file) // own key beats merged
	wantLookup(t, v, "zeebe.broker.cluster.nodeId", "", file)           // null is ""
	wantLookup(t, v, "zeebe.broker.exporters.elasticsearch.args.url", "http://es:9200", file)
	wantLookup(t, v, "zeebe.broker.empty", "", file)
	if got := v.StringList("zeebe.sim.list"); !reflect.DeepEqual(got, []string{"first"}) {
		t.Errorf("indexed YAML key list = %q", got)
	}
	want := []string{"zeebe.broker.exporters.elasticsearch.args.url", "zeebe.broker.exporters.elasticsearch.classname"}
	if got := v.Keys("zeebe.broker.exporters"); !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
}

func TestStringList(t *testing.T) {
	dir := t.TempDir()
	first := writeFile(t, dir, "a.yaml", `
a: [x, y, z]
b: [x, y, z]
c: "p, q ,, r"
d: [x, y, z]
e: []
mapped:
  - {host: h1}
  - {host: h2}
`)
	second := writeFile(t, dir, "b.yaml", "b: [only]\n")
	v := load(t, LoadOptions{Files: []string{first, second}, Env: map[string]string{
		"D_0": "e0", "D_1": "e1", "D_3": "gap",
		"CONTACT_POINTS": "h1:26502, h2:26502",
	}})
	for key, want := range map[string][]string{
		"a":              {"x", "y", "z"},
		"b":              {"only"}, // whole list from the later file, not merged
		"c":              {"p", "q", "r"},
		"d":              {"e0", "e1"}, // indexed env vars replace the file's list
		"e":              {},
		"contact-points": {"h1:26502", "h2:26502"},
		"missing":        nil,
	} {
		if got := v.StringList(key); !reflect.DeepEqual(got, want) {
			t.Errorf("StringList(%q) = %#v, want %#v", key, got, want)
		}
	}
	wantLookup(t, v, "a", "x,y,z", first)
	wantLookup(t, v, "mapped[1].host", "h2", first)
}

func TestPlaceholders(t *testing.T) {
	file := writeFile(t, t.TempDir(), "application.yaml", `
camunda.cluster.node-id: "${VALUES_ORCHESTRATION_NODE_ID:}"
zeebe.broker.network.advertisedHost: "${K8S_NAME}.${K8S_SERVICE_NAME}"
zeebe.sim:
  a: "${zeebe.sim.b}-a"
  b: "${ZEEBE_SIM_C:fallback}"
  nested: "${MISSING:${K8S_NAME:x}}"
  unresolved: "${NOPE}"
  loop: "${zeebe.sim.loop}"
  dotted: "${k8s.name}"
  port: "${PORT_BASE:26}501"
`)
	v := load(t, LoadOptions{Files: []string{file}, Env: map[string]string{
		"VALUES_ORCHESTRATION_NODE_ID": "2",
		"K8S_NAME":                     "camunda-zeebe-2",
		"K8S_SERVICE_NAME":             "camunda-zeebe",
	}})
	wantLookup(t, v, "camunda.cluster.node-id", "2", file)
	wantLookup(t, v, "zeebe.broker.network.advertisedHost", "camunda-zeebe-2.camunda-zeebe", file)
	wantLookup(t, v, "zeebe.sim.a", "fallback-a", file)
	wantLookup(t, v, "zeebe.sim.nested", "camunda-zeebe-2", file)
	wantLookup(t, v, "zeebe.sim.unresolved", "${NOPE}", file)
	wantLookup(t, v, "zeebe.sim.loop", "${zeebe.sim.loop}", file)
	wantLookup(t, v, "zeebe.sim.dotted", "camunda-zeebe-2", file)
	if n, err := v.Int("zeebe.sim.port", 0); err != nil || n != 26501 {
		t.Errorf("Int of a placeholder = %d, %v", n, err)
	}
}

func TestProfileDocuments(t *testing.T) {
	file := writeFile(t, t.TempDir(), "application.yaml", `
spring.profiles.active: broker
zeebe.sim.a: base
zeebe.sim.b: base
---
spring.config.activate.on-profile: broker
zeebe.sim.a: broker
---
spring.config.activate.on-profile: gateway, other
zeebe.sim.b: gateway
---
spring:
  config:
    activate:
      on-profile: "!gateway"
zeebe.sim.c: not-gateway
---
spring.config.activate.on-cloud-platform: kubernetes
zeebe.sim.d: k8s
`)
	v := load(t, LoadOptions{Files: []string{file}})
	wantLookup(t, v, "zeebe.sim.a", "broker", file)
	wantLookup(t, v, "zeebe.sim.b", "base", file)
	wantLookup(t, v, "zeebe.sim.c", "not-gateway", file)
	if _, _, ok := v.Lookup("zeebe.sim.d"); ok {
		t.Error("a kubernetes-only document applied outside kubernetes")
	}

	// The broker profile stays active beside the ones configured (§6).
	v = load(t, LoadOptions{Files: []string{file}, Env: map[string]string{
		"SPRING_PROFILES_ACTIVE":  "gateway",
		"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443",
	}})
	wantLookup(t, v, "zeebe.sim.a", "broker", file)
	wantLookup(t, v, "zeebe.sim.b", "gateway", file)
	wantLookup(t, v, "zeebe.sim.d", "k8s", file)
	if _, _, ok := v.Lookup("zeebe.sim.c"); ok {
		t.Error("a !gateway document applied with the gateway profile active")
	}

	bad := writeFile(t, t.TempDir(), "application.yaml", "a: 1\n---\nspring.config.activate.on-profile: a & b\nb: 2\n")
	_, err := LoadValues(context.Background(), LoadOptions{Files: []string{bad}})
	wantErr(t, err, bad, "a & b")
}

// fakeFiles is a ReadFile over files that exist only in memory, answering as os does: a folder
// (a prefix of a file's path) cannot be read, anything else is missing.
type fakeFiles map[string]string

func (f fakeFiles) read(path string) ([]byte, error) {
	if data, ok := f[path]; ok {
		return []byte(data), nil
	}
	for p := range f {
		if strings.HasPrefix(p, path+"/") {
			return nil, &fs.PathError{Op: "read", Path: path, Err: syscall.EISDIR}
		}
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

// With ReadFile, the files and every SPRING_CONFIG_ADDITIONAL_LOCATION entry (a file, a folder,
// a relative one, a missing optional one) are read through it, never from this machine's disk:
// none of these paths exists here.
func TestReadFileServesFilesAndAdditionalLocations(t *testing.T) {
	root := filepath.Join(t.TempDir(), "not-on-this-machine")
	files := fakeFiles{
		root + "/config/application.yaml": "zeebe.broker.cluster: {nodeId: 0, clusterSize: 3}\n",
		root + "/extra.yaml":              "zeebe.broker.cluster.nodeId: 1\n",
		root + "/confdir/application.yml": "zeebe.broker.cluster.clusterSize: 5\n",
		root + "/rel/application.yaml":    "zeebe.sim.rel: yes\n",
	}
	var read []string
	opts := LoadOptions{
		Files:   []string{root + "/config/application.yaml"},
		Env:     map[string]string{additionalLocationEnv: "file:" + root + "/extra.yaml,optional:" + root + "/missing.yaml," + root + "/confdir/,rel/"},
		WorkDir: root,
		ReadFile: func(path string) ([]byte, error) {
			read = append(read, path)
			return files.read(path)
		},
	}
	v := load(t, opts)
	wantLookup(t, v, "zeebe.broker.cluster.nodeId", "1", root+"/extra.yaml")
	wantLookup(t, v, "zeebe.broker.cluster.clusterSize", "5", root+"/confdir/application.yml")
	wantLookup(t, v, "zeebe.sim.rel", "yes", root+"/rel/application.yaml")
	if len(v.Files()) != 4 || !slices.Contains(read, root+"/missing.yaml") {
		t.Errorf("files %q, read %q", v.Files(), read)
	}

	// Without it, the same options read this machine's disk, where none of them is.
	opts.ReadFile = nil
	_, err := LoadValues(context.Background(), opts)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("without ReadFile: %v, want the file missing on this machine", err)
	}

	// A required folder that is not there, and a file named as a folder, are errors.
	opts.ReadFile = files.read
	for _, spec := range []string{root + "/nowhere/", root + "/extra.yaml/"} {
		opts.Env = map[string]string{additionalLocationEnv: spec}
		if _, err := LoadValues(context.Background(), opts); err == nil || !strings.Contains(err.Error(), spec) {
			t.Errorf("%s: %v, want an error naming it", spec, err)
		}
	}
}
