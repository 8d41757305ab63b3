package restore

import (
	"slices"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/yamledit"
)

// The cluster file's set: entries apply in the order of their keys, then the --set ones in
// the order given: the same edits in the same order on every run, so the installed
// configuration is the same bytes every run.
func TestEditsForIsDeterministic(t *testing.T) {
	b := cluster.Broker{NodeID: 1, Set: map[string]string{}}
	for _, k := range []string{"zeebe.broker.network.host", "a.b", "zeebe.broker.cluster.nodeId", "x.y.z", "m", "zeebe.broker.data.directory", "b", "c.d", "e", "f.g", "h"} {
		b.Set[k] = "v-" + k
	}
	flags := []yamledit.Edit{{Key: "z.first", Value: "1"}, {Key: "a.second", Value: "2"}}
	first, err := editsFor(b, flags)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(first))
	for _, e := range first {
		keys = append(keys, e.Key)
	}
	if !slices.IsSorted(keys[:len(b.Set)]) || !slices.Equal(first[len(b.Set):], flags) {
		t.Fatalf("edits in order %v; want the set: keys sorted, then the --set ones as given", keys)
	}
	for range 50 {
		again, err := editsFor(b, flags)
		if err != nil || !slices.Equal(again, first) {
			t.Fatalf("editsFor gave %v, then %v (%v)", first, again, err)
		}
	}
}

// Two set: entries naming one setting in two forms with different values are refused, naming
// both; with the same value they are harmless.
func TestEditsForRefusesOneSettingTwice(t *testing.T) {
	b := cluster.Broker{NodeID: 2, Host: "local", Set: map[string]string{
		"zeebe.broker.network.advertisedHost":  "10.0.0.1",
		"zeebe.broker.network.advertised-host": "10.0.0.2",
	}}
	_, err := editsFor(b, nil)
	if err == nil || !strings.Contains(err.Error(), "advertisedHost") || !strings.Contains(err.Error(), "advertised-host") || strings.Contains(err.Error(), "10.0.0") {
		t.Fatalf("editsFor = %v; want a refusal naming both keys and no value", err)
	}
	b.Set["zeebe.broker.network.advertised-host"] = "10.0.0.1"
	if _, err := editsFor(b, nil); err != nil {
		t.Fatalf("the same value twice: %v", err)
	}
}
