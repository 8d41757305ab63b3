package cluster

import (
	"strings"
	"testing"
)

// edit replaces old by new in base; it fails the test when old is not there.
func edit(t *testing.T, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("edit: %q not in\n%s", pairs[i], src)
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

// checkProblems expects exactly the problems given, each as a prefix of one problem, in order.
func checkProblems(t *testing.T, src string, want ...string) {
	t.Helper()
	got := parseProblems(t, src, checks())
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s\nwant:\n%s", len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
		return
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
}

func TestBaseIsValid(t *testing.T) {
	mustParse(t, base, checks())
	mustParse(t, brokersWithIDs("0", "1", "2"), checks())
}

func TestNodeIDs(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
		want []string
	}{
		{"duplicate", []string{"1", "0", "1"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..2 expected, 2 is missing",
			"zeebe-backup.yaml:15: brokers[2].nodeId: 1 is also used by brokers[0] (line 3); every broker needs its own node id",
		}},
		{"gap", []string{"0", "1", "3", "4"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..3 expected, 2 is missing",
			"zeebe-backup.yaml:21: brokers[3].nodeId: 4 is out of range; with 4 brokers the node ids are 0..3",
		}},
		{"several missing", []string{"0", "5", "6", "7"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..3 expected, 1, 2 and 3 are missing",
			"zeebe-backup.yaml:9: brokers[1].nodeId: 5 is out of range",
			"zeebe-backup.yaml:15: brokers[2].nodeId: 6 is out of range",
			"zeebe-backup.yaml:21: brokers[3].nodeId: 7 is out of range",
		}},
		{"not a number", []string{"0", "one"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..1 expected, 1 is missing",
			`zeebe-backup.yaml:9: brokers[1].nodeId: "one" is not a node id; write a whole number from 0`,
		}},
		{"fraction", []string{"0", "1.0"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..1 expected, 1 is missing",
			`zeebe-backup.yaml:9: brokers[1].nodeId: "1.0" is not a node id`,
		}},
		{"negative", []string{"0", "-1"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..1 expected, 1 is missing",
			"zeebe-backup.yaml:9: brokers[1].nodeId: -1 is negative; node ids run from 0",
		}},
		{"missing", []string{"0", "~"}, []string{
			"zeebe-backup.yaml:2: brokers: node ids 0..1 expected, 1 is missing",
			"zeebe-backup.yaml:9: brokers[1].nodeId: required; the broker's node id",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, brokersWithIDs(tc.ids...), tc.want...)
		})
	}
	// A quoted number is a number.
	mustParse(t, brokersWithIDs(`"1"`, "0"), checks())
}

func TestValidation(t *testing.T) {
	const f = "zeebe-backup.yaml"
	for _, tc := range []struct {
		name  string
		edits []string // old, new, ... applied to base
		want  []string
	}{
		// required
		{"no repository", []string{"repository: /var/backups/zeebe", "# none"},
			[]string{f + ":2: repository: required; where backups go, e.g. /var/backups/zeebe (or give --repo)"}},
		{"empty repository", []string{"repository: /var/backups/zeebe", `repository: ""`},
			[]string{f + ":1: repository: required;"}},
		{"no nodeId", []string{"- nodeId: 0", "- nodeIds: 0"}, []string{
			f + ":2: brokers: node ids 0..0 expected, 0 is missing",
			f + ":3: brokers[0].nodeIds: unknown key; did you mean nodeId?",
			f + ":3: brokers[0].nodeId: required; the broker's node id",
		}},
		{"no host", []string{"    host: local\n", "    # no host\n"},
			[]string{f + ":3: brokers[0].host: required; where the broker runs, e.g. local"}},
		{"no config", []string{"config: /opt/zeebe/config/application.yaml", "config:"},
			[]string{f + ":5: brokers[0].config: required; the absolute path of the broker's application.yaml on its host"}},
		{"no stop", []string{"    stop: systemctl stop zeebe\n", "    # no stop\n"},
			[]string{f + ":3: brokers[0].stop: required; a shell command run on the broker's host, e.g. stop: systemctl stop zeebe, or stop: {run: systemctl stop zeebe, timeout: 2m}"}},
		{"no start", []string{"start: systemctl start zeebe", "start: ''"},
			[]string{f + ":7: brokers[0].start: required; a shell command run on the broker's host, e.g. start: systemctl start zeebe"}},
		{"no run", []string{"start: systemctl start zeebe", "start: {timeout: 2m}"},
			[]string{f + ":7: brokers[0].start.run: required; the shell command to run, e.g. run: systemctl start zeebe"}},
		{"no health", []string{"    health: http://localhost:9600\n", ""},
			[]string{f + ":3: brokers[0].health: required; the broker's management URL, e.g. http://10.0.0.10:9600"}},
		{"no brokers", []string{"brokers:\n", "brokers_:\n"}, []string{
			f + ":1: brokers: required; list every broker of the cluster",
			f + ":2: brokers_: unknown key; did you mean brokers?",
		}},
		{"empty brokers", []string{"brokers:\n", "brokers: []\nunused:\n"}, []string{
			f + ":2: brokers: the list is empty; list every broker",
			f + ":3: unused: unknown key; the file takes repository, repositoryOptions, gateway, version and brokers",
		}},

		// host: the host registry's messages, at the line of the value
		{"bare host", []string{"host: local", "host: 10.0.0.10"},
			[]string{f + `:4: brokers[0].host: "10.0.0.10" is not a host this version knows; only host: local is supported by this version`}},
		{"Local", []string{"host: local", "host: Local"},
			[]string{f + `:4: brokers[0].host: "Local" is not a host this version knows; only host: local is supported`}},
		{"other scheme", []string{"host: local", "host: http://10.0.0.10"},
			[]string{f + `:4: brokers[0].host: "http://10.0.0.10": scheme http is not supported; only host: local is supported by this version`}},
		{"ssh not yet", []string{"host: local", "host: ssh://zeebe@10.0.0.10"},
			[]string{f + `:4: brokers[0].host: "ssh://zeebe@10.0.0.10": scheme ssh is not supported; only host: local is supported by this version`}},
		{"ssh password", []string{"host: local", "host: ssh://zeebe:secret@10.0.0.10"},
			[]string{f + `:4: brokers[0].host: "ssh://***@10.0.0.10" holds a password; remove it: credentials are never read from a host value`}},

		// paths
		{"relative config", []string{"config: /opt/zeebe/config/application.yaml", "config: config/application.yaml"},
			[]string{f + `:5: brokers[0].config: "config/application.yaml" is relative; write an absolute path on the broker's host, e.g. /opt/zeebe/config/application.yaml`}},
		{"relative dataDir", []string{"    stop:", "    dataDir: ~/data\n    stop:"},
			[]string{f + `:6: brokers[0].dataDir: "~/data" is relative; write an absolute path on the broker's host, e.g. /opt/zeebe/data`}},
		{"relative installDir", []string{"    stop:", "    installDir: zeebe\n    stop:"},
			[]string{f + `:6: brokers[0].installDir: "zeebe" is relative; write an absolute path on the broker's host, e.g. /opt/zeebe`}},

		// health
		{"health without scheme", []string{"health: http://localhost:9600", "health: localhost:9600"},
			[]string{f + `:8: brokers[0].health: "localhost:9600" is not an http:// or https:// URL; write the broker's management URL, e.g. http://10.0.0.10:9600`}},
		{"health without host", []string{"health: http://localhost:9600", "health: http:///ready"},
			[]string{f + `:8: brokers[0].health: "http:///ready" names no host`}},
		{"health with query", []string{"health: http://localhost:9600", "health: http://localhost:9600/?x=1"},
			[]string{f + `:8: brokers[0].health: "http://localhost:9600/?x=1" has a query or fragment`}},
		{"health a list", []string{"health: http://localhost:9600", "health: [http://localhost:9600]"},
			[]string{f + `:8: brokers[0].health: found a list; want a single value`}},

		// timeouts and commands
		{"timeout without unit", []string{"start: systemctl start zeebe", "start: {run: systemctl start zeebe, timeout: 90}"},
			[]string{f + `:7: brokers[0].start.timeout: "90" is not a duration; write it like 90s or 2m`}},
		{"timeout zero", []string{"start: systemctl start zeebe", "start: {run: x, timeout: 0s}"},
			[]string{f + `:7: brokers[0].start.timeout: 0s is not positive; write how long the command may run, like 90s or 2m`}},
		{"timeout negative", []string{"stop: systemctl stop zeebe", "stop: {run: x, timeout: -5s}"},
			[]string{f + `:6: brokers[0].stop.timeout: -5s is not positive`}},
		{"command a list", []string{"stop: systemctl stop zeebe", "stop: [systemctl, stop]"},
			[]string{f + `:6: brokers[0].stop: found a list; want a single value`}},
		{"command key typo", []string{"stop: systemctl stop zeebe", "stop: {run: x, timout: 1m}"},
			[]string{f + `:6: brokers[0].stop.timout: unknown key; did you mean timeout?`}},
		{"command unknown key", []string{"stop: systemctl stop zeebe", "stop: {run: x, user: zeebe}"},
			[]string{f + `:6: brokers[0].stop.user: unknown key; a command takes run and timeout`}},

		// gateway and version
		{"gateway without port", []string{"brokers:\n", "gateway: 10.0.0.10\nbrokers:\n"},
			[]string{f + `:2: gateway: "10.0.0.10" is not host:port; write the gRPC address of a gateway as host:port, e.g. 10.0.0.10:26500`}},
		{"gateway without host", []string{"brokers:\n", "gateway: :26500\nbrokers:\n"},
			[]string{f + `:2: gateway: ":26500" names no host`}},
		{"gateway bad port", []string{"brokers:\n", "gateway: zeebe:0\nbrokers:\n"},
			[]string{f + `:2: gateway: "zeebe:0": port "0" is not a number from 1 to 65535`}},
		{"gateway URL", []string{"brokers:\n", "gateway: http://zeebe:26500\nbrokers:\n"},
			[]string{f + `:2: gateway: "http://zeebe:26500" is not host:port`}},
		{"version", []string{"brokers:\n", "version: eight\nbrokers:\n"},
			[]string{f + `:2: version: zeebe version "eight": want MAJOR.MINOR[.PATCH][-PRE], e.g. 8.5.3`}},

		// repository: the storage registry's messages, at the line of the value
		{"relative repository", []string{"/var/backups/zeebe", "backups"},
			[]string{f + `:1: repository: "backups" is a relative path; write an absolute path (/var/backups/zeebe) or a file:// URL (file:///var/backups/zeebe)`}},
		{"repository scheme", []string{"/var/backups/zeebe", "gs://bucket/zeebe"},
			[]string{f + `:1: repository: "gs://bucket/zeebe": scheme gs is not supported; this version supports file only: write a path (/var/backups/zeebe) or a file:// URL`}},
		{"s3 not yet", []string{"/var/backups/zeebe", "s3://bucket/zeebe"},
			[]string{f + `:1: repository: "s3://bucket/zeebe": scheme s3 is not supported; this version supports file only`}},
		{"file URL with two slashes", []string{"/var/backups/zeebe", "file://var/backups/zeebe"},
			[]string{f + `:1: repository: "file://var/backups/zeebe" names the host "var"; a file:// repository is a folder on this machine: write file:///absolute/path (three slashes)`}},
		{"file URL without path", []string{"/var/backups/zeebe", "file://"},
			[]string{f + `:1: repository: "file://" names no folder`}},
		{"keys in a URL", []string{"/var/backups/zeebe", "s3://AKIA:secret@bucket/zeebe"},
			[]string{f + `:1: repository: "s3://***@bucket/zeebe" holds credentials; remove them from the URL: credentials are never read from a location`}},

		// env and set
		{"env not a mapping", []string{"    stop:", "    env: FOO=bar\n    stop:"},
			[]string{f + `:6: brokers[0].env: found a single value; want a mapping of environment variables, e.g. ZEEBE_BROKER_DATA_DIRECTORY: /data`}},
		{"env value a list", []string{"    stop:", "    env: {JAVA_OPTS: [-Xmx1g]}\n    stop:"},
			[]string{f + `:6: brokers[0].env.JAVA_OPTS: found a list; want a single value`}},
		{"env bad name", []string{"    stop:", "    env: {\"A=B\": x}\n    stop:"},
			[]string{f + `:6: brokers[0].env.A=B: "A=B" is not a variable name`}},
		{"set nested", []string{"    stop:", "    set:\n      zeebe: {broker: {network: {host: 0.0.0.0}}}\n    stop:"},
			[]string{f + `:7: brokers[0].set.zeebe: found a mapping; want a single value (set takes config keys to set, e.g. zeebe.broker.network.advertisedHost: 10.0.0.20)`}},
		{"set without value", []string{"    stop:", "    set:\n      zeebe.broker.network.advertisedHost:\n    stop:"},
			[]string{f + `:7: brokers[0].set.zeebe.broker.network.advertisedHost: no value; write one, or "" for an empty value`}},

		// structure
		{"duplicate key", []string{"    stop:", "    host: local\n    stop:"},
			[]string{f + `:6: brokers[0].host: written twice (first on line 4); keep one`}},
		{"broker not a mapping", []string{"brokers:\n", "brokers:\n  - local\n"}, []string{
			f + `:2: brokers: node ids 0..1 expected, 1 is missing`,
			f + `:3: brokers[0]: found a single value; a broker is a mapping with nodeId, host, config, stop, start and health`,
		}},
		{"brokers a mapping", []string{"brokers:\n  - nodeId", "brokers:\n  x:\n    nodeId"},
			[]string{f + `:3: brokers: found a mapping; list every broker`}},
		{"shared data dir", []string{"    stop:", "    dataDir: /data\n    stop:"}, nil}, // see TestSharedDataDir
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := edit(t, base, tc.edits...)
			if tc.want == nil {
				mustParse(t, src, checks())
				return
			}
			checkProblems(t, src, tc.want...)
		})
	}
}

func TestSharedDataDir(t *testing.T) {
	src := brokersWithIDs("0", "1", "2")
	src = strings.Replace(src, "/opt/zeebe0/config/application.yaml\n", "/opt/zeebe0/config/application.yaml\n    dataDir: /data\n", 1)
	src = strings.Replace(src, "/opt/zeebe2/config/application.yaml\n", "/opt/zeebe2/config/application.yaml\n    dataDir: /data/\n", 1)
	checkProblems(t, src,
		"zeebe-backup.yaml:19: brokers[2].dataDir: /data is also the data folder of brokers[0] (line 6) on the same host; every broker needs its own")

	// On different hosts the same folder is fine.
	mustParse(t, strings.Replace(src, "host: local", "host: ssh://10.0.0.1", 1), withSSH())
}

func TestFileProblems(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", "zeebe-backup.yaml: the file is empty; describe the cluster in it: repository: (where backups go) and brokers: (one entry per broker with nodeId, host, config, stop, start and health)"},
		{"comments only", "# nothing yet\n\n", "zeebe-backup.yaml: the file is empty; describe the cluster"},
		{"null document", "---\n~\n", "zeebe-backup.yaml:2: the file is empty; describe the cluster"},
		{"a list", "- nodeId: 0\n", "zeebe-backup.yaml:1: found a list; the file is a mapping with repository: and brokers:"},
		{"syntax", base + "gateway: [\n", "zeebe-backup.yaml:9: YAML syntax error: did not find expected node content"},
		{"mapping in a value", "repository: /x\nbrokers: a: b\n", "zeebe-backup.yaml:2: YAML syntax error: mapping values are not allowed in this context"},
		{"unknown anchor", "repository: *repo\n", "zeebe-backup.yaml: YAML syntax error: unknown anchor 'repo' referenced"},
		{"tab", "repository: /x\nbrokers:\n\t- nodeId: 0\n", "zeebe-backup.yaml:3: YAML syntax error: found character that cannot start any token"},
		{"second document", base + "---\nrepository: /y\n", "zeebe-backup.yaml:9: a second YAML document; the file holds one description, remove the --- and what follows it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, tc.src, tc.want)
		})
	}
}

// TestAllProblemsTogether: one run reports everything, in line order.
func TestAllProblemsTogether(t *testing.T) {
	src := edit(t, base,
		"repository: /var/backups/zeebe", "repository: backups",
		"host: local", "host: zeebe1",
		"health: http://localhost:9600", "helth: http://localhost:9600")
	checkProblems(t, src,
		"zeebe-backup.yaml:1: repository:",
		"zeebe-backup.yaml:3: brokers[0].health: required",
		"zeebe-backup.yaml:4: brokers[0].host:",
		"zeebe-backup.yaml:8: brokers[0].helth: unknown key; did you mean health?",
	)
}
