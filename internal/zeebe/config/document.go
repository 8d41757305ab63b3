package config

import "go.yaml.in/yaml/v3"

// This file is what package yamledit, which writes configurations, needs of the reader: keys
// in their relaxed form and documents read as LoadValues reads them, so that an edit can be
// read back the way a broker will.

// CanonicalKey is the form in which keys written in any relaxed form match: segments
// separated by '.', each lowercased without '-' and '_' ("zeebe.broker.cluster.nodeId" and
// "ZEEBE.BROKER.CLUSTER.NODE_ID" are both "zeebe.broker.cluster.nodeid").
func CanonicalKey(key string) string { return canonicalKey(key) }

// KeySegments splits a key, honouring brackets ("exporters.[my.exporter]" is two segments), and
// returns each segment as written and in canonical form; segments that are empty in canonical
// form ("a..b", "-") are left out.
func KeySegments(key string) (written, canonical []string) {
	for _, s := range splitKey(key) {
		if c := canonicalSegment(s); c != "" {
			written, canonical = append(written, s), append(canonical, c)
		}
	}
	return written, canonical
}

// ActivationKey tells whether key is one of the keys that make a document conditional
// (spring.config.activate.on-profile, spring.profiles,
// spring.config.activate.on-cloud-platform).
func ActivationKey(key string) bool {
	return hasCondition(document{entries: []flat{{key: key}}})
}

// Document is one YAML document of a configuration, read as LoadValues reads it.
type Document struct{ d document }

// Setting is one setting of a Document: a scalar Value, or a sequence of scalars (IsList).
type Setting struct {
	Value  string
	List   []string
	IsList bool
}

// ReadDocument flattens one parsed YAML document (a document node, or its content) as
// LoadValues does, with the same errors: a top level that is not a mapping, a duplicate key,
// a key that is not a plain value, a bad merge key.
func ReadDocument(n *yaml.Node) (Document, error) {
	f := flattener{}
	if err := f.document(n); err != nil {
		return Document{}, err
	}
	return Document{document{entries: f.out}}, nil
}

// Conditional tells whether the document applies only under a profile or a cloud platform.
func (d Document) Conditional() bool { return hasCondition(d.d) }

// Settings are the document's settings by canonical key; of a key written twice in relaxed
// forms, the later one.
func (d Document) Settings() map[string]Setting {
	out := make(map[string]Setting, len(d.d.entries))
	for _, f := range d.d.entries {
		out[canonicalKey(f.key)] = Setting{Value: f.value, List: f.list, IsList: f.isList}
	}
	return out
}
