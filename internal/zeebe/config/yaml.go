package config

import (
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// flat is one property of a YAML document, flattened to a dotted key as Spring's
// YamlProcessor does. A sequence of scalars is kept whole in list (isList set); every item of
// any sequence is also stored under key.N, so sequences of mappings stay reachable.
type flat struct {
	key    string
	value  string
	list   []string
	isList bool
}

// document is one YAML document ("---" separated) of one file.
type document struct {
	source  string
	entries []flat
}

// maxYAMLDepth bounds nesting; limits.YAML has refused deeper files already.
const maxYAMLDepth = limits.MaxYAMLDepth

// readYAMLFile parses every document of a YAML file read with read. Errors name the file and,
// where the YAML parser or our checks know it, the line.
func readYAMLFile(ctx context.Context, read func(string) ([]byte, error), path string) ([]document, error) {
	data, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	return parseYAMLFile(ctx, path, data)
}

// parseYAMLFile parses the documents of the file at path, read as data.
func parseYAMLFile(ctx context.Context, path string, data []byte) ([]document, error) {
	docs, err := parseYAML(ctx, path, data)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return docs, nil
}

// readLocalFile reads a file of this machine, refusing one over limits.MaxYAMLBytes without
// reading it whole.
func readLocalFile(ctx context.Context, path string) ([]byte, error) {
	return limits.ReadFile(ctx, path, limits.MaxYAMLBytes, "file")
}

// parseYAML parses and flattens every document within the limits of package limits, which
// bound what following aliases can cost.
func parseYAML(ctx context.Context, source string, data []byte) ([]document, error) {
	roots, err := limits.YAML(ctx, data)
	if err != nil {
		return nil, err
	}
	docs := make([]document, 0, len(roots))
	for _, root := range roots {
		f := flattener{}
		if err := f.document(root); err != nil {
			return nil, err
		}
		docs = append(docs, document{source: source, entries: f.out})
	}
	return docs, nil
}

type flattener struct {
	out []flat
}

func (f *flattener) document(n *yaml.Node) error {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		n = n.Content[0]
	}
	n = deref(n)
	switch {
	case n.Kind == yaml.MappingNode:
		return f.mapping("", n, 0)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil // an empty document
	default:
		return fmt.Errorf("line %d: the top level of a document must be a mapping", n.Line)
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxYAMLDepth; i++ {
		n = n.Alias
	}
	return n
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// mapping flattens a mapping under prefix. Merge keys ("<<") are applied first so that the
// mapping's own keys win over merged ones, as YAML specifies. A key written twice in one
// mapping is an error, as in Spring (which disallows duplicate keys).
func (f *flattener) mapping(prefix string, n *yaml.Node, depth int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("line %d: nesting deeper than %d levels", n.Line, maxYAMLDepth)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if err := f.merge(prefix, deref(v), depth+1); err != nil {
				return err
			}
		}
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: a key must be a plain value", k.Line)
		}
		if line, dup := seen[k.Value]; dup {
			return fmt.Errorf("line %d: duplicate key %q (first at line %d)", k.Line, k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := f.value(join(prefix, k.Value), v, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (f *flattener) merge(prefix string, v *yaml.Node, depth int) error {
	switch v.Kind {
	case yaml.MappingNode:
		return f.mapping(prefix, v, depth)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			item = deref(item)
			if item.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: a merge key needs mappings", item.Line)
			}
			if err := f.mapping(prefix, item, depth); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("line %d: a merge key needs a mapping", v.Line)
	}
}

func (f *flattener) value(key string, v *yaml.Node, depth int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("line %d: nesting deeper than %d levels", v.Line, maxYAMLDepth)
	}
	v = deref(v)
	switch v.Kind {
	case yaml.MappingNode:
		if len(v.Content) == 0 {
			f.out = append(f.out, flat{key: key})
			return nil
		}
		return f.mapping(key, v, depth)
	case yaml.SequenceNode:
		scalars := true
		list := make([]string, 0, len(v.Content))
		for i, item := range v.Content {
			item = deref(item)
			if item.Kind == yaml.ScalarNode {
				list = append(list, scalarText(item))
			} else {
				scalars = false
			}
			if err := f.value(fmt.Sprintf("%s.%d", key, i), item, depth+1); err != nil {
				return err
			}
		}
		if scalars {
			f.out = append(f.out, flat{key: key, list: list, isList: true})
		}
		return nil
	case yaml.ScalarNode:
		f.out = append(f.out, flat{key: key, value: scalarText(v)})
		return nil
	default:
		return fmt.Errorf("line %d: unexpected YAML node for %s", v.Line, key)
	}
}

// scalarText is the text of a scalar; null ("~", "null", nothing) becomes "" as in Spring.
func scalarText(n *yaml.Node) string {
	if n.ShortTag() == "!!null" {
		return ""
	}
	return n.Value
}
