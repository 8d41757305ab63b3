package yamledit

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// insert adds a missing key to the primary document, under the deepest mapping on its path.
func (ed *editor) insert(doc *yaml.Node, f *finder, names []string, value string) ([]splice, error) {
	root := doc.Content[0]
	if f == nil { // the document is empty
		if root.Kind != yaml.ScalarNode || root.Value != "" {
			return nil, fmt.Errorf("line %d: the document is not a mapping", root.Line)
		}
		at := ed.offset(root.Line, root.Column)
		if root.Column != 1 {
			at = ed.nextLine(at)
		}
		return []splice{ed.appendAt(at, ed.block(0, 2, names, value))}, nil
	}
	c := f.best
	if c.shared != "" {
		return nil, sharedError(c.node.Line, c.shared)
	}
	rest := names[c.depth:]
	n := c.node
	switch {
	case n.Kind == yaml.ScalarNode && c.flow: // key: ~  ->  key: {rest: value}
		text := flowEntry(rest, value)
		if n.Style == 0 && n.Value == "" {
			at, err := ed.colonEnd(c.key, true)
			return []splice{{at, at, " " + text}}, err
		}
		start := ed.offset(n.Line, n.Column)
		end, err := ed.nodeEnd(n, c.key, 0, true)
		return []splice{{start, end, text}}, err
	case n.Kind == yaml.ScalarNode: // key: ~  ->  key:\n  rest: value
		var out []splice
		at, err := ed.colonEnd(c.key, false)
		if err != nil {
			return nil, err
		}
		if n.Style != 0 || n.Value != "" {
			start := ed.offset(n.Line, n.Column)
			end, err := ed.nodeEnd(n, c.key, c.key.Column-1, false)
			if err != nil {
				return nil, err
			}
			out = append(out, splice{start, end, ""})
			at = end
		}
		text := ed.block(c.key.Column-1+indentUnit(root), indentUnit(root), rest, value)
		return append(out, ed.appendAt(ed.nextLine(at), text)), nil
	case c.flow: // {a: 1}  ->  {rest: value, a: 1}
		if len(n.Content) > 0 {
			k := n.Content[0]
			at := ed.offset(k.Line, k.Column)
			return []splice{{at, at, flowEntry(rest, value) + ", "}}, nil
		}
		_, p := ed.skipProps(ed.offset(n.Line, n.Column), true)
		if p >= len(ed.src) || ed.src[p] != '{' {
			return nil, fmt.Errorf("line %d: cannot find the '{' of the mapping", n.Line)
		}
		return []splice{{p + 1, p + 1, flowEntry(rest, value)}}, nil
	}
	if len(n.Content) < 2 {
		return nil, fmt.Errorf("line %d: an empty block mapping", n.Line)
	}
	k, v := n.Content[len(n.Content)-2], n.Content[len(n.Content)-1]
	end, err := ed.nodeEnd(v, k, k.Column-1, false)
	if err != nil {
		return nil, err
	}
	unit := indentUnit(root)
	if c.key != nil && n.Content[0].Column > c.key.Column {
		unit = n.Content[0].Column - c.key.Column
	}
	indent := n.Content[0].Column - 1
	text := ed.block(indent, unit, rest, value)
	return []splice{ed.appendAt(ed.afterDeeperComments(ed.nextLine(end), indent), text)}, nil
}

// afterDeeperComments skips the comment lines from p on that are indented deeper than
// indent, and so belong to the entry before p, with blank lines between them.
func (ed *editor) afterDeeperComments(p, indent int) int {
	at := p
	for line := p; line < len(ed.src); line = ed.nextLine(line) {
		text := string(ed.src[line:ed.lineEnd(line)])
		t := strings.TrimLeft(text, " ")
		switch {
		case strings.TrimSpace(t) == "":
		case t[0] == '#' && len(text)-len(t) > indent:
			at = ed.nextLine(line)
		default:
			return at
		}
	}
	return at
}

// indentUnit is the most common step between a block mapping's keys and those of the block
// mappings nested in it; 2 when there are none.
func indentUnit(root *yaml.Node) int {
	counts := make(map[int]int)
	var walk func(n *yaml.Node, level int)
	walk = func(n *yaml.Node, level int) {
		if level > limits.MaxYAMLDepth {
			return
		}
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Column > k.Column {
					counts[v.Content[0].Column-k.Column]++
				}
			}
		}
		for _, c := range n.Content {
			walk(c, level+1)
		}
	}
	walk(root, 0)
	unit, best := 2, 0
	for step, n := range counts {
		if n > best || (n == best && step < unit) {
			unit, best = step, n
		}
	}
	return unit
}

// block writes names as nested block mappings holding value.
func (ed *editor) block(indent, unit int, names []string, value string) string {
	var b strings.Builder
	for i, name := range names {
		b.WriteString(strings.Repeat(" ", indent+i*unit))
		b.WriteString(keyScalar(name, false))
		b.WriteByte(':')
		if i == len(names)-1 {
			b.WriteString(" " + scalarFor(value, 0, false))
		}
		b.WriteString(ed.nl)
	}
	return b.String()
}

// flowEntry writes "a: {b: {c: value}}".
func flowEntry(names []string, value string) string {
	s := scalarFor(value, 0, true)
	for i := len(names) - 1; i >= 0; i-- {
		s = keyScalar(names[i], true) + ": " + s
		if i > 0 {
			s = "{" + s + "}"
		}
	}
	return s
}

// keyScalar writes one key segment so that it reads back as that segment.
func keyScalar(name string, flow bool) string {
	if strings.ContainsAny(name, ".[]") {
		name = "[" + name + "]"
	}
	return scalarFor(name, 0, flow)
}

// scalarFor writes s as a YAML scalar: in the quotes the replaced value had, else plain when
// that reads back as s, else double-quoted.
func scalarFor(s string, old yaml.Style, flow bool) string {
	switch {
	case old&yaml.SingleQuotedStyle != 0 && printable(s):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case old&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 && plainOK(s, flow):
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Plain scalars that a YAML 1.1 reader (SnakeYAML, which Spring Boot uses) resolves to
// something other than the same string: booleans, nulls, numbers not in plain decimal,
// sexagesimal numbers, and the value and merge keys.
var (
	yaml11Int   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yaml11Float = regexp.MustCompile(`^(?:[-+]?(?:\.[0-9]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	decimalInt  = regexp.MustCompile(`^(?:0|-?[1-9][0-9]*)$`)
)

func yaml11Special(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
		"True", "TRUE", "False", "FALSE", "~", "null", "Null", "NULL", "=", "<<":
		return true
	}
	return !decimalInt.MatchString(s) && (yaml11Int.MatchString(s) || yaml11Float.MatchString(s))
}

// plainOK says whether s written plain reads back as the string s, in YAML 1.1 and 1.2. A
// plain decimal integer or true/false counts: Spring binds it to the same string.
func plainOK(s string, flow bool) bool {
	if s == "" || strings.TrimSpace(s) != s || !printable(s) || yaml11Special(s) ||
		(flow && strings.ContainsAny(s, ":#,[]{}")) { // YAML 1.1 readers differ inside {...}
		return false
	}
	doc := "k: " + s
	if flow {
		doc = "{k: " + s + "}"
	}
	var n yaml.Node
	if yaml.Unmarshal([]byte(doc), &n) != nil || len(n.Content) != 1 {
		return false
	}
	m := n.Content[0]
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return false
	}
	v := m.Content[1]
	if v.Kind != yaml.ScalarNode || v.Style != 0 || v.Value != s {
		return false
	}
	switch v.ShortTag() {
	case "!!str":
		return true
	case "!!int":
		return decimalInt.MatchString(s)
	case "!!bool":
		return s == "true" || s == "false"
	}
	return false
}
