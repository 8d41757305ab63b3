package config

import (
	"sort"
	"strconv"
	"strings"
)

// Values is a resolved set of configuration properties: YAML files then environment
// variables, with Spring's relaxed binding.
type Values struct {
	entries map[string]entry  // canonical key -> the value of the highest-ranked source
	env     map[string]string // the raw environment, for placeholders and legacy env names
	files   []string          // the YAML files read, in order
}

// entry is one property's value and where it came from.
type entry struct {
	value  string
	list   []string // a YAML sequence of scalars, when isList
	isList bool
	source string // a file path or "environment variable NAME"
	rank   int    // position of the source; higher overrides lower
	env    bool   // from an environment variable
}

func (e entry) text() string {
	if e.isList {
		return strings.Join(e.list, ",")
	}
	return e.value
}

// build merges documents in order and then the environment into one Values.
func build(docs []document, env map[string]string, files []string) *Values {
	v := &Values{entries: make(map[string]entry), env: env, files: files}
	for rank, d := range docs {
		for _, f := range d.entries {
			v.entries[canonicalKey(f.key)] = entry{
				value: f.value, list: f.list, isList: f.isList, source: d.source, rank: rank + 1,
			}
		}
	}
	// Environment variables beat every file. When two names map to the same key, the
	// all-uppercase one wins, then the lexically smaller, so the result never depends on map
	// iteration order.
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		ui, uj := names[i] == strings.ToUpper(names[i]), names[j] == strings.ToUpper(names[j])
		if ui != uj {
			return !ui // uppercase last, so it overwrites
		}
		return names[i] > names[j]
	})
	envRank := len(docs) + 1
	for _, name := range names {
		k := envKey(name)
		if k == "" {
			continue
		}
		v.entries[k] = entry{value: env[name], source: "environment variable " + name, rank: envRank, env: true}
	}
	return v
}

// Files returns the YAML files that were read, in the order they were applied (the files of
// LoadOptions, then those found through SPRING_CONFIG_ADDITIONAL_LOCATION).
func (v *Values) Files() []string {
	return append([]string(nil), v.files...)
}

// Lookup returns the value of a dotted property key written in any relaxed form
// ("zeebe.broker.cluster.nodeId", "zeebe.broker.cluster.node-id") and where it came from
// (e.g. "/etc/zeebe/application.yaml" or "environment variable ZEEBE_BROKER_CLUSTER_NODEID").
//
// A YAML sequence is returned comma-joined. Placeholders ${name} and ${name:default} in the
// value are resolved against the environment and the other properties; one that cannot be
// resolved and has no default is left as it is, as Spring does when binding.
func (v *Values) Lookup(key string) (value string, source string, ok bool) {
	raw, source, ok := v.lookupRaw(key)
	if !ok {
		return "", "", false
	}
	return v.resolve(raw, 0), source, true
}

// lookupRaw finds the winning value of key without resolving placeholders. The environment
// is searched first under the standard name (ZEEBE_BROKER_DATA_LOGSEGMENTSIZE), then under the
// legacy dashed one (ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE), then the files.
func (v *Values) lookupRaw(key string) (string, string, bool) {
	e, found := v.entries[canonicalKey(key)]
	if found && e.env {
		return e.text(), e.source, true
	}
	if name := legacyEnvName(key); name != "" {
		if val, ok := v.env[name]; ok {
			return val, "environment variable " + name, true
		}
	}
	if found {
		return e.text(), e.source, true
	}
	return "", "", false
}

// String returns the value of key, or def when it is not set. A key set to nothing (YAML
// null or an empty string) is the empty string, as in Spring.
func (v *Values) String(key, def string) string {
	if s, _, ok := v.Lookup(key); ok {
		return s
	}
	return def
}

// StringList returns a YAML sequence, a comma-separated string (elements trimmed, empty ones
// dropped), or indexed properties (key[0], key[1] … or KEY_0, KEY_1 … in the environment).
// The list comes whole from the highest-ranked source that has it, never merged across
// sources. It is nil when the key is not set.
func (v *Values) StringList(key string) []string {
	c := canonicalKey(key)
	direct, hasDirect := v.entries[c]
	first, hasIndexed := v.entries[c+".0"]
	if hasIndexed && (!hasDirect || first.rank > direct.rank) {
		var out []string
		for i := 0; ; i++ {
			e, ok := v.entries[c+"."+strconv.Itoa(i)]
			if !ok || e.rank != first.rank {
				return out
			}
			out = append(out, v.resolve(e.text(), 0))
		}
	}
	if !hasDirect {
		// The legacy env name (KEY_WITH_DASHES) may still hold a comma-separated list.
		if s, _, ok := v.Lookup(key); ok {
			return splitList(s)
		}
		return nil
	}
	if direct.isList && !direct.env {
		if _, legacy := v.env[legacyEnvName(key)]; !legacy {
			out := make([]string, 0, len(direct.list))
			for _, s := range direct.list {
				out = append(out, v.resolve(s, 0))
			}
			return out
		}
	}
	s, _, _ := v.Lookup(key)
	return splitList(s)
}

// splitList splits a comma-separated value, trimming elements and dropping empty ones.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Keys returns the canonical keys set below prefix (any relaxed form), sorted. It lets a
// caller discover map-like settings such as exporters or the simulator's zeebe.sim.* keys.
func (v *Values) Keys(prefix string) []string {
	p := canonicalKey(prefix)
	if p != "" {
		p += "."
	}
	var out []string
	for k := range v.entries {
		if strings.HasPrefix(k, p) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
