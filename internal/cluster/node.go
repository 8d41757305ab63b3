package cluster

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// entry is one key of a mapping, aliases followed.
type entry struct {
	key   string
	line  int        // of the key
	value *yaml.Node // never an alias
}

// fields are the known keys of one mapping.
type fields struct {
	path string // of the mapping, "" for the top level
	line int    // of the mapping
	m    map[string]entry
}

// at is the path of key in the mapping.
func (f fields) at(key string) string { return join(f.path, key) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// deref follows aliases (*name) to their anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// kind names what a node is, for messages.
func kind(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	default:
		return "a single value"
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// entries lists the keys of a mapping in order. Keys merged in with "<<: *anchor" come after
// the mapping's own and only where the mapping does not set them (YAML's merge rule: own keys
// win, then the merged mappings in order). A key written twice and a key that is not a plain
// scalar are problems.
func (p *parser) entries(path string, n *yaml.Node) []entry {
	var out []entry
	seen := map[string]bool{}
	visited := map[*yaml.Node]bool{}
	p.collect(path, n, &out, seen, visited)
	return out
}

func (p *parser) collect(path string, n *yaml.Node, out *[]entry, seen map[string]bool, visited map[*yaml.Node]bool) {
	if visited[n] { // merged twice: adds nothing new, and walking it again could explode
		return
	}
	visited[n] = true
	var merges []*yaml.Node
	own := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			p.add(k.Line, path, "a key must be a plain word, found %s", kind(deref(k)))
			continue
		}
		if first, dup := own[k.Value]; dup {
			p.add(k.Line, join(path, k.Value), "written twice (first on line %d); keep one", first)
			continue
		}
		own[k.Value] = k.Line
		if seen[k.Value] {
			continue
		}
		seen[k.Value] = true
		*out = append(*out, entry{key: k.Value, line: k.Line, value: v})
	}
	for _, m := range merges {
		items := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			items = m.Content
		}
		for _, it := range items {
			if it = deref(it); it.Kind != yaml.MappingNode {
				p.add(it.Line, join(path, "<<"), "merges %s; merge a mapping (<<: *name) or a list of them", kind(it))
				continue
			}
			p.collect(path, it, out, seen, visited)
		}
	}
}

// fields reads a mapping whose keys are fixed: unknown keys are problems, with a suggestion.
// what names the mapping in the message that lists the known keys ("a broker").
func (p *parser) fields(path string, n *yaml.Node, what string, known []string) fields {
	f := fields{path: path, line: n.Line, m: map[string]entry{}}
	for _, e := range p.entries(path, n) {
		if slices.Contains(known, e.key) {
			f.m[e.key] = e
			continue
		}
		if s := suggest(e.key, known); s != "" {
			p.add(e.line, join(path, e.key), "unknown key; did you mean %s?", s)
		} else {
			p.add(e.line, join(path, e.key), "unknown key; %s takes %s", what, list(known))
		}
	}
	return f
}

// list is "a, b and c".
func list(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
