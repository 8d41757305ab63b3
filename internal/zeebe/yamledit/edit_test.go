package yamledit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// The cases that only compare the output with the expected file are in testdata (golden_test.go);
// these check more: the broker a result configures, quoting, errors.

// The edited Zeebe 8.5 file (testdata/zeebe85-comments) configures the broker as intended.
func TestApplyZeebe85BrokerReadsTheEdits(t *testing.T) {
	c := golden(t, "zeebe85-comments")
	out, err := Apply(context.Background(), c.in, []Edit{
		{"zeebe.broker.cluster.nodeId", "2"}, {"zeebe.broker.network.advertisedHost", "10.0.0.22"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := loadBroker(t, string(out))
	if b.NodeID != 2 || b.AdvertisedHost != "10.0.0.22" || b.Host != "0.0.0.0" || b.ClusterSize != 3 {
		t.Errorf("broker after edits: %+v", b)
	}
}

// An active profile still overrides the edit, as documented (testdata/multidocument-profiles).
func TestApplyMultiDocumentActiveProfileWins(t *testing.T) {
	c := golden(t, "multidocument-profiles")
	v := load(t, config.LoadOptions{Files: []string{writeFile(t, t.TempDir(), "a.yaml", string(c.want))}, Env: map[string]string{"SPRING_PROFILES_ACTIVE": "prod"}})
	if got := v.String("zeebe.broker.network.advertisedHost", ""); got != "prod-host" {
		t.Errorf("with profile prod: %q", got)
	}
	if got := load(t, config.LoadOptions{Files: []string{writeFile(t, t.TempDir(), "a.yaml", string(c.want))}}).String("zeebe.broker.network.advertisedHost", ""); got != "10.0.0.20" {
		t.Errorf("without a profile: %q", got)
	}
}

// The 8.8+ unified keys (testdata/camunda88) configure the broker.
func TestApplyCamunda88BrokerReadsTheEdits(t *testing.T) {
	b := loadBroker(t, string(golden(t, "camunda88").want))
	if b.NodeID != 1 || b.DataDirectory != "/usr/local/camunda/data" || b.AdvertisedHost != "10.0.0.21" ||
		len(b.InitialContactPoints) != 3 || b.InitialContactPoints[1] != "10.0.0.21:26502" {
		t.Errorf("broker after edits: %+v", b)
	}
}

func TestApplyQuotesWhereNeeded(t *testing.T) {
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

func TestApplyErrors(t *testing.T) {
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
	if _, err := Apply(context.Background(), []byte("a: 1\n"), []Edit{{"a", "\xff"}}); err == nil {
		t.Error("a value that is not UTF-8 was accepted")
	}
}

// FuzzApply: any input either gives an error or a file in which the key reads the new value
// (Apply checks the other keys itself); never a panic.
func FuzzApply(f *testing.F) {
	var seeds []string
	for _, name := range []string{"zeebe85-comments", "helm85", "camunda88-helm"} {
		in, err := os.ReadFile(filepath.Join("testdata", name, "input.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(in))
	}
	for _, s := range append(seeds, "", "---\n", "a: {b: [1, {c: d}]}\n",
		"a: |\n  x\nb:\n  - 1\n", "spring.profiles: dev\n---\na: 1\n", "a: &x {b: 1}\nc: *x\n", "a:\n  b: ~\n",
		"a: &x [*x]\n", limitstest.AliasBomb(), limitstest.DeepYAML(70)) {
		f.Add([]byte(s), "zeebe.broker.network.advertisedHost", "10.0.0.20")
		f.Add([]byte(s), "a.b.c", "yes")
	}
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		out, err := Apply(context.Background(), data, []Edit{{key, value}})
		if err != nil {
			if strings.Contains(err.Error(), "(a bug)") {
				t.Fatalf("%v\n%q", err, data)
			}
			return
		}
		docs, err := readDocuments(context.Background(), out)
		if err != nil {
			t.Fatalf("result does not parse: %v\n%s", err, out)
		}
		// The key reads as in the unconditional documents, the later winning.
		got, ok := "", false
		for _, d := range docs {
			if s, set := d.Settings()[config.CanonicalKey(key)]; set && !d.Conditional() {
				got, ok = s.Value, !s.IsList
			}
		}
		if !ok || got != value {
			t.Fatalf("%s reads %q, %v; want %q\n%s", key, got, ok, value, out)
		}
	})
}
