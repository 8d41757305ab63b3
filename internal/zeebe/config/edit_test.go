package config

import (
	"context"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
)

// applyEdits runs ApplyEdits, compares the result with want, and checks with LoadValues on
// real files that every edited key reads the new value and every other key the old one.
func applyEdits(t *testing.T, in, want string, edits ...Edit) {
	t.Helper()
	out, err := ApplyEdits(context.Background(), []byte(in), edits)
	if err != nil {
		t.Fatalf("ApplyEdits: %v", err)
	}
	if string(out) != want {
		t.Fatalf("ApplyEdits output:\n%s\nwant:\n%s", out, want)
	}
	checkLoaded(t, in, string(out), edits, nil)
}

// checkLoaded loads the configuration before and after the edits with LoadValues. An old key
// may disappear only when it was empty and the edits nest a key below it.
func checkLoaded(t *testing.T, before, after string, edits []Edit, env map[string]string) {
	t.Helper()
	dir := t.TempDir()
	b := load(t, LoadOptions{Files: []string{writeFile(t, dir, "before.yaml", before)}, Env: env})
	a := load(t, LoadOptions{Files: []string{writeFile(t, dir, "after.yaml", after)}, Env: env})
	want := make(map[string]string)
	for _, e := range edits {
		want[canonicalKey(e.Key)] = e.Value
	}
	for k, v := range want {
		if got, _, ok := a.Lookup(k); !ok || got != v {
			t.Errorf("after the edits, Lookup(%q) = %q, %v; want %q", k, got, ok, v)
		}
	}
	for _, k := range b.Keys("") {
		if _, edited := want[k]; edited {
			continue
		}
		old, _, _ := b.Lookup(k)
		got, _, ok := a.Lookup(k)
		if !ok && old == "" && nestsBelow(want, k) {
			continue
		}
		if !ok || got != old {
			t.Errorf("after the edits, Lookup(%q) = %q, %v; want the old %q", k, got, ok, old)
		}
	}
	for _, k := range a.Keys("") {
		if _, edited := want[k]; !edited && len(b.Keys(k)) == 0 {
			if _, _, ok := b.Lookup(k); !ok {
				t.Errorf("after the edits, %q is set; it was not before", k)
			}
		}
	}
}

func nestsBelow(want map[string]string, prefix string) bool {
	for k := range want {
		if strings.HasPrefix(k, prefix+".") {
			return true
		}
	}
	return false
}

func wantEditError(t *testing.T, in string, e Edit, parts ...string) {
	t.Helper()
	_, err := ApplyEdits(context.Background(), []byte(in), []Edit{e})
	wantErr(t, err, parts...)
}

// A Zeebe 8.5 application.yaml as shipped, trimmed, with comments of every kind.
const zeebe85WithComments = `# Zeebe Standalone Broker configuration file (with embedded gateway)

# This file is based on broker.standalone.yaml.template but stripped down to contain only a limited
# set of configuration options. These are a good starting point to get to know Zeebe.

# ----------------------------------------------------
# Byte sizes
# For buffers and others must be specified as strings and follow the following
# format: "10U" where U (unit) must be replaced with KB = Kilobytes, MB = Megabytes or GB = Gigabytes.
# ----------------------------------------------------

server:
  address: 0.0.0.0
  port: 8080

zeebe:
  broker:
    gateway:
      # Enable the embedded gateway to start on broker startup.
      # This setting can also be overridden using the environment variable ZEEBE_BROKER_GATEWAY_ENABLE.
      enable: true

      network:
        # Sets the port the embedded gateway binds to.
        port: 26500

    network:
      # Controls the default host the broker should bind to. Can be overwritten on a
      # per binding basis for client, management and replication
      # This setting can also be overridden using the environment variable ZEEBE_BROKER_NETWORK_HOST.
      host: 0.0.0.0

    data:
      # Specify the directory in which data is stored.
      # This setting can also be overridden using the environment variable ZEEBE_BROKER_DATA_DIRECTORY.
      directory: data   # relative to the installation directory
      # The size of data log segment files.
      logSegmentSize: 128MB
      snapshotPeriod: 15m

    cluster:
      # Specifies the Zeebe cluster size.
      clusterSize: 3
      replicationFactor: 3
      partitionsCount: 3
      nodeId: 0 # set per broker
      initialContactPoints: "zeebe-0:26502,zeebe-1:26502,zeebe-2:26502"
      clusterName: 'zeebe-cluster'

    threads:
      cpuThreadCount: 2
      # ioThreadCount: 2

# Managed by the deployment tooling; edit with care.
`

func TestApplyEditsZeebe85KeepsComments(t *testing.T) {
	want := `# Zeebe Standalone Broker configuration file (with embedded gateway)

# This file is based on broker.standalone.yaml.template but stripped down to contain only a limited
# set of configuration options. These are a good starting point to get to know Zeebe.

# ----------------------------------------------------
# Byte sizes
# For buffers and others must be specified as strings and follow the following
# format: "10U" where U (unit) must be replaced with KB = Kilobytes, MB = Megabytes or GB = Gigabytes.
# ----------------------------------------------------

server:
  address: 0.0.0.0
  port: 8080

zeebe:
  broker:
    gateway:
      # Enable the embedded gateway to start on broker startup.
      # This setting can also be overridden using the environment variable ZEEBE_BROKER_GATEWAY_ENABLE.
      enable: true

      network:
        # Sets the port the embedded gateway binds to.
        port: 26500

    network:
      # Controls the default host the broker should bind to. Can be overwritten on a
      # per binding basis for client, management and replication
      # This setting can also be overridden using the environment variable ZEEBE_BROKER_NETWORK_HOST.
      host: 0.0.0.0
      advertisedHost: 10.0.0.21

    data:
      # Specify the directory in which data is stored.
      # This setting can also be overridden using the environment variable ZEEBE_BROKER_DATA_DIRECTORY.
      directory: /var/lib/zeebe/data   # relative to the installation directory
      # The size of data log segment files.
      logSegmentSize: 128MB
      snapshotPeriod: 15m

    cluster:
      # Specifies the Zeebe cluster size.
      clusterSize: 3
      replicationFactor: 3
      partitionsCount: 3
      nodeId: 1 # set per broker
      initialContactPoints: "10.0.0.20:26502,10.0.0.21:26502,10.0.0.22:26502"
      clusterName: 'restored-cluster'

    threads:
      cpuThreadCount: 2
      # ioThreadCount: 2
management:
  server:
    port: 9600

# Managed by the deployment tooling; edit with care.
`
	applyEdits(t, zeebe85WithComments, want,
		Edit{"zeebe.broker.cluster.nodeId", "1"},
		Edit{"zeebe.broker.network.advertisedHost", "10.0.0.21"},
		Edit{"zeebe.broker.cluster.initialContactPoints", "10.0.0.20:26502,10.0.0.21:26502,10.0.0.22:26502"},
		Edit{"zeebe.broker.cluster.clusterName", "restored-cluster"},
		Edit{"zeebe.broker.data.directory", "/var/lib/zeebe/data"},
		Edit{"management.server.port", "9600"},
	)

	// The broker reads the edited file as intended.
	dir := t.TempDir()
	out, err := ApplyEdits(context.Background(), []byte(zeebe85WithComments), []Edit{
		{"zeebe.broker.cluster.nodeId", "2"}, {"zeebe.broker.network.advertisedHost", "10.0.0.22"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := broker(t, LoadOptions{Files: []string{writeFile(t, dir, "application.yaml", string(out))}})
	if b.NodeID != 2 || b.AdvertisedHost != "10.0.0.22" || b.Host != "0.0.0.0" || b.ClusterSize != 3 {
		t.Errorf("broker after edits: %+v", b)
	}
}

// However the file writes the key, and however the edit spells it, the key is found and
// replaced in place.
func TestApplyEditsKeyForms(t *testing.T) {
	const key = "zeebe.broker.network.advertisedHost"
	for _, tc := range []struct{ name, key, in, want string }{
		{"nested", key,
			"zeebe:\n  broker:\n    network:\n      host: 0.0.0.0\n      advertisedHost: old # this broker\n",
			"zeebe:\n  broker:\n    network:\n      host: 0.0.0.0\n      advertisedHost: 10.0.0.20 # this broker\n"},
		{"dotted at the top", key,
			"zeebe.broker.network.host: 0.0.0.0\nzeebe.broker.network.advertisedHost: old\nzeebe.broker.cluster.nodeId: 1\n",
			"zeebe.broker.network.host: 0.0.0.0\nzeebe.broker.network.advertisedHost: 10.0.0.20\nzeebe.broker.cluster.nodeId: 1\n"},
		{"dotted in the middle", key,
			"zeebe:\n  broker:\n    network.advertisedHost: old\n    cluster.nodeId: 1\n",
			"zeebe:\n  broker:\n    network.advertisedHost: 10.0.0.20\n    cluster.nodeId: 1\n"},
		{"dotted head", key,
			"zeebe.broker:\n  network:\n    advertisedHost: old\n",
			"zeebe.broker:\n  network:\n    advertisedHost: 10.0.0.20\n"},
		{"kebab in the file", key,
			"zeebe:\n  broker:\n    network:\n      advertised-host: old\n",
			"zeebe:\n  broker:\n    network:\n      advertised-host: 10.0.0.20\n"},
		{"snake in the file", key,
			"zeebe:\n  broker:\n    network:\n      advertised_host: old\n",
			"zeebe:\n  broker:\n    network:\n      advertised_host: 10.0.0.20\n"},
		{"kebab in the edit", "zeebe.broker.network.advertised-host",
			"zeebe:\n  broker:\n    network:\n      advertisedHost: old\n",
			"zeebe:\n  broker:\n    network:\n      advertisedHost: 10.0.0.20\n"},
		{"upper snake in the edit", "ZEEBE.BROKER.NETWORK.ADVERTISED_HOST",
			"Zeebe:\n  Broker:\n    network:\n      advertisedhost: old\n",
			"Zeebe:\n  Broker:\n    network:\n      advertisedhost: 10.0.0.20\n"},
		{"written twice", key,
			"zeebe.broker.network.advertisedHost: a\nzeebe:\n  broker:\n    network:\n      advertised-host: b\n",
			"zeebe.broker.network.advertisedHost: 10.0.0.20\nzeebe:\n  broker:\n    network:\n      advertised-host: 10.0.0.20\n"},
		{"in a flow mapping", key,
			"zeebe:\n  broker:\n    network: {host: 0.0.0.0, advertisedHost: old, port: 1}\n",
			"zeebe:\n  broker:\n    network: {host: 0.0.0.0, advertisedHost: 10.0.0.20, port: 1}\n"},
		{"empty value", key,
			"zeebe:\n  broker:\n    network:\n      advertisedHost: # set on restore\n      host: 0.0.0.0\n",
			"zeebe:\n  broker:\n    network:\n      advertisedHost: 10.0.0.20 # set on restore\n      host: 0.0.0.0\n"},
		{"tilde", key,
			"zeebe.broker.network.advertisedHost: ~\n",
			"zeebe.broker.network.advertisedHost: 10.0.0.20\n"},
		{"tagged", key,
			"zeebe.broker.network.advertisedHost: !!str old # c\n",
			"zeebe.broker.network.advertisedHost: 10.0.0.20 # c\n"},
		{"literal block", key,
			"zeebe.broker.network:\n  advertisedHost: |-  # odd but valid\n    old\n\n  host: 0.0.0.0\n",
			"zeebe.broker.network:\n  advertisedHost: 10.0.0.20  # odd but valid\n\n  host: 0.0.0.0\n"},
		{"multi-line quoted", key,
			"zeebe.broker.network.advertisedHost: \"old\n  name\"\nzeebe.broker.network.host: 0.0.0.0\n",
			"zeebe.broker.network.advertisedHost: \"10.0.0.20\"\nzeebe.broker.network.host: 0.0.0.0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			applyEdits(t, tc.in, tc.want, Edit{tc.key, "10.0.0.20"})
		})
	}
}

func TestApplyEditsAddsKeysAtTheFilesIndentation(t *testing.T) {
	in := `zeebe:
    broker:
        network:
            host: 0.0.0.0
            commandApi:
                port: 26501
            # internalApi:
            #     port: 26502

        # where the data lives
        data:
            directory: data
`
	want := `zeebe:
    broker:
        network:
            host: 0.0.0.0
            commandApi:
                port: 26501
            advertisedHost: 10.0.0.20
            internalApi:
                port: 26602
            # internalApi:
            #     port: 26502

        # where the data lives
        data:
            directory: data
        cluster:
            nodeId: 2
management:
    server:
        port: 9600
`
	applyEdits(t, in, want,
		Edit{"zeebe.broker.network.advertisedHost", "10.0.0.20"},
		Edit{"zeebe.broker.network.internalApi.port", "26602"},
		Edit{"zeebe.broker.cluster.nodeId", "2"},
		Edit{"management.server.port", "9600"},
	)
}

func TestApplyEditsAddsBranches(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		edits          []Edit
	}{
		{"under a dotted block", "zeebe.broker:\n  network:\n    host: 0.0.0.0\n",
			"zeebe.broker:\n  network:\n    host: 0.0.0.0\n  cluster:\n    initialContactPoints: a:26502,b:26502\n",
			[]Edit{{"zeebe.broker.cluster.initialContactPoints", "a:26502,b:26502"}}},
		{"the deepest of several paths", "zeebe:\n  broker:\n    data: {directory: /d}\nzeebe.broker.network:\n  host: 0.0.0.0\n",
			"zeebe:\n  broker:\n    data: {directory: /d}\nzeebe.broker.network:\n  host: 0.0.0.0\n  advertisedHost: h\n",
			[]Edit{{"zeebe.broker.network.advertisedHost", "h"}}},
		{"below an empty key", "zeebe:\n  broker:\n    network:\n      # host: 0.0.0.0\n    data:\n      directory: d\n",
			"zeebe:\n  broker:\n    network:\n      advertisedHost: h\n      # host: 0.0.0.0\n    data:\n      directory: d\n",
			[]Edit{{"zeebe.broker.network.advertisedHost", "h"}}},
		{"below a null", "zeebe.broker.network: ~ # none\nx: 1\n",
			"zeebe.broker.network:  # none\n  advertisedHost: h\nx: 1\n",
			[]Edit{{"zeebe.broker.network.advertisedHost", "h"}}},
		{"into a flow mapping", "zeebe.broker.network: {host: 0.0.0.0}\n",
			"zeebe.broker.network: {advertisedHost: h, commandApi: {port: 26601}, host: 0.0.0.0}\n",
			[]Edit{{"zeebe.broker.network.commandApi.port", "26601"}, {"zeebe.broker.network.advertisedHost", "h"}}},
		{"into an empty flow mapping", "zeebe.broker.network: {}\n",
			"zeebe.broker.network: {advertisedHost: \"a,b\"}\n",
			[]Edit{{"zeebe.broker.network.advertisedHost", "a,b"}}},
		{"after a block scalar", "zeebe.broker:\n  motd: |\n    hello\n\n    world\n\n# end\n",
			"zeebe.broker:\n  motd: |\n    hello\n\n    world\n  network:\n    host: h\n\n# end\n",
			[]Edit{{"zeebe.broker.network.host", "h"}}},
		{"after a multi-line flow sequence", "zeebe.broker.cluster:\n  initialContactPoints: [\n    a,\n    b\n  ]\n",
			"zeebe.broker.cluster:\n  initialContactPoints: [\n    a,\n    b\n  ]\n  nodeId: 1\n",
			[]Edit{{"zeebe.broker.cluster.nodeId", "1"}}},
		{"after a block sequence", "zeebe.broker.cluster:\n  initialContactPoints:\n  - a\n  - b\n",
			"zeebe.broker.cluster:\n  initialContactPoints:\n  - a\n  - b\n  nodeId: 1\n",
			[]Edit{{"zeebe.broker.cluster.nodeId", "1"}}},
		{"without a final line break", "zeebe.broker.network.host: 0.0.0.0",
			"zeebe.broker.network.host: 0.0.0.0\nzeebe:\n  broker:\n    network:\n      advertisedHost: h\n",
			[]Edit{{"zeebe.broker.network.advertisedHost", "h"}}},
		{"a map key with dots", "zeebe.broker.exporters:\n  elasticsearch:\n    className: x\n",
			"zeebe.broker.exporters:\n  elasticsearch:\n    className: x\n  \"[my.exporter]\":\n    className: z\n",
			[]Edit{{"zeebe.broker.exporters.[my.exporter].className", "z"}}},
		{"CRLF line breaks", "zeebe:\r\n  broker:\r\n    network:\r\n      host: 0.0.0.0 # all\r\n",
			"zeebe:\r\n  broker:\r\n    network:\r\n      host: 10.0.0.1 # all\r\n      advertisedHost: h\r\n",
			[]Edit{{"zeebe.broker.network.host", "10.0.0.1"}, {"zeebe.broker.network.advertisedHost", "h"}}},
		{"byte order mark", "\ufeffzeebe.broker.network.host: 0.0.0.0\n",
			"\ufeffzeebe.broker.network.host: 0.0.0.0\nzeebe:\n  broker:\n    cluster:\n      nodeId: 1\n",
			[]Edit{{"zeebe.broker.cluster.nodeId", "1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, want := tc.in, tc.want
			if strings.HasPrefix(in, "\ufeff") { // LoadValues does not expect a BOM
				out, err := ApplyEdits(context.Background(), []byte(in), tc.edits)
				if err != nil || string(out) != want {
					t.Fatalf("ApplyEdits = %q, %v; want %q", out, err, want)
				}
				in, want = strings.TrimPrefix(in, "\ufeff"), strings.TrimPrefix(want, "\ufeff")
			}
			applyEdits(t, in, want, tc.edits...)
		})
	}
}

func TestApplyEditsQuotesWhereNeeded(t *testing.T) {
	for _, tc := range []struct{ value, block, flow string }{
		{"10.0.0.20", "10.0.0.20", "10.0.0.20"},
		{"8080", "8080", "8080"},
		{"-1", "-1", "-1"},
		{"true", "true", "true"},
		{"zeebe-0.zeebe:26502,zeebe-1.zeebe:26502", "zeebe-0.zeebe:26502,zeebe-1.zeebe:26502", `"zeebe-0.zeebe:26502,zeebe-1.zeebe:26502"`},
		{"${K8S_NAME}.${K8S_SERVICE_NAME}", "${K8S_NAME}.${K8S_SERVICE_NAME}", `"${K8S_NAME}.${K8S_SERVICE_NAME}"`},
		{"http://es:9200/x?a=b", "http://es:9200/x?a=b", `"http://es:9200/x?a=b"`},
		{"it's", "it's", "it's"},
		{"y", `"y"`, `"y"`},
		{"yes", `"yes"`, `"yes"`},
		{"on", `"on"`, `"on"`},
		{"Off", `"Off"`, `"Off"`},
		{"True", `"True"`, `"True"`},
		{"", `""`, `""`},
		{"~", `"~"`, `"~"`},
		{"null", `"null"`, `"null"`},
		{"a: b", `"a: b"`, `"a: b"`},
		{"#x", `"#x"`, `"#x"`},
		{"a #x", `"a #x"`, `"a #x"`},
		{"x:", `"x:"`, `"x:"`},
		{"- a", `"- a"`, `"- a"`},
		{"[a]", `"[a]"`, `"[a]"`},
		{"*a", `"*a"`, `"*a"`},
		{"&a", `"&a"`, `"&a"`},
		{"!a", `"!a"`, `"!a"`},
		{"%a", `"%a"`, `"%a"`},
		{"@a", `"@a"`, `"@a"`},
		{"'a'", `"'a'"`, `"'a'"`},
		{`say "hi"`, `say "hi"`, `say "hi"`},
		{"010", `"010"`, `"010"`},
		{"0x1F", `"0x1F"`, `"0x1F"`},
		{"1_000", `"1_000"`, `"1_000"`},
		{"+1", `"+1"`, `"+1"`},
		{"1:30", `"1:30"`, `"1:30"`},
		{"1.50", `"1.50"`, `"1.50"`},
		{"1e3", `"1e3"`, `"1e3"`},
		{".inf", `".inf"`, `".inf"`},
		{"08", `"08"`, `"08"`},
		{"2024-01-02", `"2024-01-02"`, `"2024-01-02"`},
		{"=", `"="`, `"="`},
		{"<<", `"<<"`, `"<<"`},
		{" padded ", `" padded "`, `" padded "`},
		{"two\nlines", `"two\nlines"`, `"two\nlines"`},
		{"tab\there", `"tab\there"`, `"tab\there"`},
		{`back\slash "q"`, `back\slash "q"`, `back\slash "q"`},
		{"nbsp\u00a0x", `"nbsp\u00A0x"`, `"nbsp\u00A0x"`},
		{"é", "é", "é"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			applyEdits(t, "a:\n  b: old\n", "a:\n  b: "+tc.block+"\n", Edit{"a.b", tc.value})
			applyEdits(t, "a: {b: old}\n", "a: {b: "+tc.flow+"}\n", Edit{"a.b", tc.value})
		})
	}

	// A quoted value keeps its quotes; single quotes turn double for what they cannot hold.
	applyEdits(t, "a: \"x\" # q\nb: 'x'\nc: 'x'\n", "a: \"8080\" # q\nb: 'it''s'\nc: \"tab\\t\"\n",
		Edit{"a", "8080"}, Edit{"b", "it's"}, Edit{"c", "tab\t"})
	// Keys that YAML 1.1 would read as something else are quoted too.
	applyEdits(t, "a: 1\n", "a: 1\nx:\n  \"on\":\n    \"010\": v\n", Edit{"x.on.010", "v"})
}

func TestApplyEditsErrors(t *testing.T) {
	const nested = "zeebe:\n  broker:\n    network: somehost\n    cluster:\n      initialContactPoints:\n        - a:26502\n"
	for _, tc := range []struct {
		name, in, key string
		parts         []string
	}{
		{"through a scalar", nested, "zeebe.broker.network.advertisedHost",
			[]string{"zeebe.broker.network.advertisedHost", "line 3", "network", "not a mapping"}},
		{"through a dotted scalar", "zeebe.broker.network: somehost\n", "zeebe.broker.network.host",
			[]string{"zeebe.broker.network.host", "line 1", "not a mapping"}},
		{"a sequence", nested, "zeebe.broker.cluster.initialContactPoints",
			[]string{"zeebe.broker.cluster.initialContactPoints", "line 6", "sequence"}},
		{"through a sequence", nested, "zeebe.broker.cluster.initialContactPoints[0]",
			[]string{"zeebe.broker.cluster.initialContactPoints[0]", "line 6", "sequence"}},
		{"a mapping", nested, "zeebe.broker.cluster",
			[]string{"zeebe.broker.cluster", "line 5", "holds a mapping"}},
		{"a dotted key below", "zeebe.broker.network.host: h\n", "zeebe.broker.network",
			[]string{"zeebe.broker.network", "line 1", "settings below it"}},
		{"an alias", "base: &b {host: h}\nzeebe.broker.network: *b\n", "zeebe.broker.network.host",
			[]string{"line 2", "alias"}},
		{"an anchor used elsewhere", "zeebe.broker.network: &n {host: h}\ngateway: *n\n", "zeebe.broker.network.host",
			[]string{"zeebe.broker.network.host", "line 1", "&n"}},
		{"an anchored mapping to add to", "zeebe.broker.network: &n\n  host: h\ngateway:\n  <<: *n\n", "zeebe.broker.network.port",
			[]string{"zeebe.broker.network.port", "&n"}},
		{"a multi-line plain value", "zeebe.broker.network.host: some\n  host\n", "zeebe.broker.network.host",
			[]string{"zeebe.broker.network.host", "line 1", "one line"}},
		{"not YAML", "zeebe: [\n", "zeebe.broker.network.host", []string{"zeebe.broker.network.host"}},
		{"a duplicate key", "a: 1\na: 2\n", "b", []string{"duplicate key"}},
		{"an empty key", "a: 1\n", ".-.", []string{"empty key"}},
		{"a lone CR", "a: 1\rb: 2\n", "a", []string{"line breaks"}},
		{"a top-level sequence", "- a\n", "a", []string{"line 1", "mapping"}},
		{"an activation key", "a: 1\n", "spring.config.activate.on-profile", []string{"activation condition"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantEditError(t, tc.in, Edit{tc.key, "x"}, tc.parts...)
		})
	}
	if _, err := ApplyEdits(context.Background(), []byte("a: 1\n"), []Edit{{"a", "\xff"}}); err == nil {
		t.Error("a value that is not UTF-8 was accepted")
	}
}

func TestApplyEditsMultiDocument(t *testing.T) {
	// The profile document comes first and stays as it is.
	in := `# shared settings follow the dev profile
spring.config.activate.on-profile: dev
zeebe.broker.network.advertisedHost: dev-host
---
zeebe:
  broker:
    network:
      host: 0.0.0.0
---
spring:
  config:
    activate:
      on-profile: prod
zeebe.broker.network.advertisedHost: prod-host
`
	want := `# shared settings follow the dev profile
spring.config.activate.on-profile: dev
zeebe.broker.network.advertisedHost: dev-host
---
zeebe:
  broker:
    network:
      host: 0.0.0.0
      advertisedHost: 10.0.0.20
---
spring:
  config:
    activate:
      on-profile: prod
zeebe.broker.network.advertisedHost: prod-host
`
	applyEdits(t, in, want, Edit{"zeebe.broker.network.advertisedHost", "10.0.0.20"})
	// An active profile still overrides the edit, as documented.
	dir := t.TempDir()
	v := load(t, LoadOptions{Files: []string{writeFile(t, dir, "a.yaml", want)}, Env: map[string]string{"SPRING_PROFILES_ACTIVE": "prod"}})
	if got := v.String("zeebe.broker.network.advertisedHost", ""); got != "prod-host" {
		t.Errorf("with profile prod: %q", got)
	}

	// A later unconditional document that sets the key would win: it is edited there.
	applyEdits(t, "a: 1\n---\nb: 2\n---\nb: 3\n", "a: 1\n---\nb: x\n---\nb: x\n", Edit{"b", "x"})
	// All documents conditional: a new first document.
	applyEdits(t, "spring.profiles: dev\na: 1\n", "a: x\n---\nspring.profiles: dev\na: 1\n", Edit{"a", "x"})
	applyEdits(t, "# c\n---\nspring.profiles: dev\na: 1\n", "a: x\n# c\n---\nspring.profiles: dev\na: 1\n", Edit{"a", "x"})
	// Cloud platform conditions count as conditions.
	applyEdits(t, "spring.config.activate.on-cloud-platform: kubernetes\na: k\n---\nb: 1\n",
		"spring.config.activate.on-cloud-platform: kubernetes\na: k\n---\nb: 1\na: x\n", Edit{"a", "x"})
}

func TestApplyEditsEmptyDocuments(t *testing.T) {
	const nested = "zeebe:\n  broker:\n    network:\n      advertisedHost: 10.0.0.20\n"
	e := Edit{"zeebe.broker.network.advertisedHost", "10.0.0.20"}
	for _, tc := range []struct{ name, in, want string }{
		{"empty file", "", nested},
		{"only comments", "# nothing yet\n", "# nothing yet\n" + nested},
		{"only comments, no final break", "# nothing yet", "# nothing yet\n" + nested},
		{"an empty document", "---\n", "---\n" + nested},
		{"an empty document then another", "---\n# c\n---\nspring.profiles: dev\n", "---\n# c\n" + nested + "---\nspring.profiles: dev\n"},
		{"an empty flow mapping", "{}\n", "{zeebe: {broker: {network: {advertisedHost: 10.0.0.20}}}}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			applyEdits(t, tc.in, tc.want, e)
		})
	}
}

// The 8.8+ unified keys, in the Helm chart's configuration.
func TestApplyEditsCamunda88(t *testing.T) {
	in := `spring:
  profiles:
    active: "broker,admin"
camunda:
  cluster:
    node-id: "${VALUES_ORCHESTRATION_NODE_ID:}"
    size: "3"
    replication-factor: "3"
    partition-count: "3"
  data:
    snapshot-period: "5m"
    primary-storage:
      disk:
        free-space:
          processing: "2GB"
          replication: "1GB"
zeebe:
  broker:
    network:
      advertisedHost: "${K8S_NAME}.${K8S_SERVICE_NAME}"
`
	want := `spring:
  profiles:
    active: "broker,admin"
camunda:
  cluster:
    node-id: "1"
    size: "3"
    replication-factor: "3"
    partition-count: "3"
    initial-contact-points: 10.0.0.20:26502,10.0.0.21:26502,10.0.0.22:26502
  data:
    snapshot-period: "5m"
    primary-storage:
      disk:
        free-space:
          processing: "2GB"
          replication: "1GB"
      directory: /usr/local/camunda/data
zeebe:
  broker:
    network:
      advertisedHost: "10.0.0.21"
`
	edits := []Edit{
		{"camunda.cluster.nodeId", "1"},
		{"camunda.cluster.initial-contact-points", "10.0.0.20:26502,10.0.0.21:26502,10.0.0.22:26502"},
		{"camunda.data.primary-storage.directory", "/usr/local/camunda/data"},
		{"zeebe.broker.network.advertisedHost", "10.0.0.21"},
	}
	applyEdits(t, in, want, edits...)
	b := broker(t, LoadOptions{Files: []string{writeFile(t, t.TempDir(), "application.yaml", want)}})
	if b.NodeID != 1 || b.DataDirectory != "/usr/local/camunda/data" || b.AdvertisedHost != "10.0.0.21" ||
		len(b.InitialContactPoints) != 3 || b.InitialContactPoints[1] != "10.0.0.21:26502" {
		t.Errorf("broker after edits: %+v", b)
	}

	// The Helm chart's full configuration takes the same edits.
	out, err := ApplyEdits(context.Background(), []byte(helm88), edits)
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, helm88, string(out), edits, nil)
}

// FuzzApplyEdits: any input either gives an error or a file in which the key reads the new
// value (ApplyEdits checks the other keys itself); never a panic.
func FuzzApplyEdits(f *testing.F) {
	for _, s := range []string{zeebe85WithComments, helm85, helm88, "", "---\n", "a: {b: [1, {c: d}]}\n",
		"a: |\n  x\nb:\n  - 1\n", "spring.profiles: dev\n---\na: 1\n", "a: &x {b: 1}\nc: *x\n", "a:\n  b: ~\n",
		"a: &x [*x]\n", limitstest.AliasBomb(), limitstest.DeepYAML(70)} {
		f.Add([]byte(s), "zeebe.broker.network.advertisedHost", "10.0.0.20")
		f.Add([]byte(s), "a.b.c", "yes")
	}
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		out, err := ApplyEdits(context.Background(), data, []Edit{{key, value}})
		if err != nil {
			if strings.Contains(err.Error(), "(a bug)") {
				t.Fatalf("%v\n%q", err, data)
			}
			return
		}
		docs, err := parseYAML(context.Background(), "fuzz.yaml", out)
		if err != nil {
			t.Fatalf("result does not parse: %v\n%s", err, out)
		}
		var plain []document
		for _, d := range docs {
			if !hasCondition(d) {
				plain = append(plain, d)
			}
		}
		if got, _, ok := build(plain, nil, nil).lookupRaw(key); !ok || got != value {
			t.Fatalf("%s reads %q, %v; want %q\n%s", key, got, ok, value, out)
		}
	})
}
