package yamledit

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// match is an occurrence of the edited key.
type match struct {
	key, value *yaml.Node
	flow       bool
	shared     string // the anchor of an enclosing node used through an alias, if any
}

// candidate is a mapping on the key's path (or an empty value to turn into one) after depth
// segments of the path.
type candidate struct {
	node, key *yaml.Node // key is nil for the root
	depth     int
	flow      bool
	shared    string
}

// finder walks one document for a key's path.
type finder struct {
	path    []string
	aliased map[*yaml.Node]bool
	targets []match
	best    *candidate // the deepest mapping on the path, the first of equals
}

func (f *finder) consider(c candidate) {
	if f.best == nil || c.depth > f.best.depth {
		f.best = &c
	}
}

func (f *finder) mapping(m, key *yaml.Node, depth int, flow bool, shared string, level int) error {
	if level > limits.MaxYAMLDepth {
		return fmt.Errorf("line %d: nesting deeper than %d levels", m.Line, limits.MaxYAMLDepth)
	}
	f.consider(candidate{m, key, depth, flow, shared})
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			continue
		}
		ks := keySegments(k.Value)
		rest := f.path[depth:]
		if len(ks) > len(rest) {
			if slices.Equal(ks[:len(rest)], rest) {
				return fmt.Errorf("line %d: %s has settings below it", k.Line, k.Value)
			}
			continue
		}
		if !slices.Equal(rest[:len(ks)], ks) {
			continue
		}
		vShared := shared
		if f.aliased[v] && vShared == "" {
			vShared = v.Anchor
		}
		next := depth + len(ks)
		switch {
		case v.Kind == yaml.MappingNode:
			if next == len(f.path) {
				return fmt.Errorf("line %d: %s holds a mapping, not a value", v.Line, k.Value)
			}
			if err := f.mapping(v, k, next, flow || v.Style&yaml.FlowStyle != 0, vShared, level+1); err != nil {
				return err
			}
		case len(ks) == 0: // a key such as "" or "-" adds no segment
		case v.Kind == yaml.ScalarNode && next == len(f.path):
			f.targets = append(f.targets, match{k, v, flow, vShared})
		case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
			f.consider(candidate{v, k, next, flow, vShared})
		case v.Kind == yaml.ScalarNode:
			return fmt.Errorf("line %d: %s is a value (%q), not a mapping", v.Line, k.Value, v.Value)
		case v.Kind == yaml.SequenceNode:
			return fmt.Errorf("line %d: %s is a sequence", v.Line, k.Value)
		default:
			return fmt.Errorf("line %d: %s is an alias (*%s)", v.Line, k.Value, v.Value)
		}
	}
	return nil
}

// keySegments is the canonical path a YAML key stands for ("network.advertised-host" is two).
func keySegments(key string) []string {
	_, canonical := config.KeySegments(key)
	return canonical
}

// aliasTargets returns the nodes that aliases (and merge keys) of a document refer to.
func aliasTargets(root *yaml.Node) map[*yaml.Node]bool {
	out := make(map[*yaml.Node]bool)
	var walk func(n *yaml.Node, level int)
	walk = func(n *yaml.Node, level int) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			out[n.Alias] = true
		}
		for _, c := range n.Content {
			if level < limits.MaxYAMLDepth {
				walk(c, level+1)
			}
		}
	}
	walk(root, 0)
	return out
}

func sharedError(line int, anchor string) error {
	return fmt.Errorf("line %d: the key is inside &%s, which an alias uses elsewhere; not changing every use of it", line, anchor)
}
