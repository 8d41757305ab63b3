package cluster

import (
	"strings"
	"testing"
)

func TestUnknownKeys(t *testing.T) {
	const f = "zeebe-backup.yaml"
	for _, tc := range []struct {
		old, new, want string
	}{
		{"    stop:", "    dataDri: /data\n    stop:", f + ":6: brokers[0].dataDri: unknown key; did you mean dataDir?"},
		{"    stop:", "    dataDirectory: /data\n    stop:", f + ":6: brokers[0].dataDirectory: unknown key; did you mean dataDir?"},
		{"    stop:", "    install_dir: /opt\n    stop:", f + ":6: brokers[0].install_dir: unknown key; did you mean installDir?"},
		{"    stop:", "    environment: {}\n    stop:", f + ":6: brokers[0].environment: unknown key; did you mean env?"},
		{"    stop:", "    user: zeebe\n    stop:", f + ":6: brokers[0].user: unknown key; a broker takes nodeId, host, config, dataDir, installDir, env, stop, start, health and set"},
		{"host: local", "hots: local", f + ":4: brokers[0].hots: unknown key; did you mean host?"},
		{"health:", "Health:", f + ":8: brokers[0].Health: unknown key; did you mean health?"},
		{"repository:", "repo:", f + ":1: repo: unknown key; did you mean repository?"},
		{"repository:", "repositroy:", f + ":1: repositroy: unknown key; did you mean repository?"},
		{"brokers:\n", "broker:\n", f + ":2: broker: unknown key; did you mean brokers?"},
	} {
		src := edit(t, base, tc.old, tc.new)
		got := parseProblems(t, src, checks())
		found := false
		for _, p := range got {
			found = found || p == tc.want
		}
		if !found {
			t.Errorf("%s -> %s:\n got %s\nwant %s", tc.old, tc.new, strings.Join(got, "\n"), tc.want)
		}
	}
}

// TestNodeIDCase: keys are case-sensitive; the problem says which key was meant.
func TestNodeIDCase(t *testing.T) {
	checkProblems(t, edit(t, base, "nodeId: 0", "NodeID: 0"),
		"zeebe-backup.yaml:2: brokers: node ids 0..0 expected, 0 is missing",
		"zeebe-backup.yaml:3: brokers[0].NodeID: unknown key; did you mean nodeId?",
		"zeebe-backup.yaml:3: brokers[0].nodeId: required",
	)
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"dataDri", "dataDir"},
		{"datadir", "dataDir"},
		{"data-dir", "dataDir"},
		{"node_id", "nodeId"},
		{"nodeID", "nodeId"},
		{"hsot", "host"},
		{"stat", "start"},
		{"stopp", "stop"},
		{"heath", "health"},
		{"sett", "set"},
		{"dataDirectory", "dataDir"},
		{"data", "dataDir"},
		{"x", ""},
		{"user", ""},
		{"command", ""},
		{"hostname", "host"},
	} {
		if got := suggest(tc.key, brokerKeys); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"abc", "abc", 0},
		{"abc", "acb", 1}, {"kitten", "sitting", 3}, {"datadri", "datadir", 1}, {"ca", "abc", 3},
	} {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := distance(tc.b, tc.a); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}
