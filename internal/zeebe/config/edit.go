package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
)

// Edit is one property to set in a YAML configuration.
type Edit struct {
	Key   string // in any relaxed form, e.g. "zeebe.broker.network.advertisedHost"
	Value string
}

// ApplyEdits sets each key in the YAML document and returns the new bytes, applying the
// edits in order. It changes only the text it must: comments, blank lines, key order,
// indentation, line endings and the quoting of untouched values stay byte for byte.
//
// A key is found however the file writes it: nested (zeebe: broker: network: advertisedHost),
// dotted at any level ("zeebe.broker.network.advertisedHost: x" at the top, or
// "network.advertisedHost" under broker), or in another relaxed form (advertised-host,
// ADVERTISED_HOST). Every occurrence is replaced, should a file write the key twice.
//
//   - An existing scalar is replaced in place; its line comment, and its quotes when it was
//     quoted, are kept. A literal or folded block scalar becomes a one-line scalar.
//   - A missing key is added under the deepest existing mapping on its path: at the end of a
//     block mapping (after the comments indented under its last entry), with the rest of the
//     path nested in the file's indentation step (that of the mapping, else the most common
//     in the document, else 2); as the first entry of a flow mapping ({...}), nested as flow
//     mappings. An empty key on the path ("network:" with nothing, or ~) becomes a mapping.
//     New key segments are spelled as in Edit.Key.
//   - A key whose path runs into a scalar, a sequence or an alias, that itself holds a
//     mapping or a sequence, or that would change an anchored node used elsewhere through an
//     alias, is an error naming the key and the line.
//   - Values are written plain when a Spring Boot broker (SnakeYAML, YAML 1.1) and this
//     package both read them back as the same string ("8080", "true", "10.0.0.20"), quoted
//     otherwise ("yes", "on", "", "010", "1:30", "a: b", "#x").
//
// Multi-document files: edits apply to the first document without an activation condition
// (spring.config.activate.on-profile, the older spring.profiles, or
// spring.config.activate.on-cloud-platform). As a later unconditional document overrides
// earlier ones, the key is replaced in every unconditional document that sets it, and added
// to the first only when none does. Conditional documents are never changed: one whose
// profile is active still overrides the edited value. A file whose documents are all
// conditional gets a new first document; an empty file, or one with only comments, gets
// the keys nested from the top. The activation keys themselves cannot be set.
//
// The input must be UTF-8 (a byte order mark is kept) with \n or \r\n line breaks, and must
// be a configuration LoadValues accepts. Values that span several lines as plain scalars
// cannot be replaced. After each edit ApplyEdits reads the result back and fails, rather
// than return it, unless the edited key has the new value in the documents it changed and
// every other setting of every document reads as before.
func ApplyEdits(ctx context.Context, yamlBytes []byte, edits []Edit) ([]byte, error) {
	bom := []byte("\ufeff")
	src, hadBOM := bytes.CutPrefix(yamlBytes, bom)
	if err := checkText(src); err != nil {
		return nil, fmt.Errorf("edit configuration: %w", err)
	}
	for _, e := range edits {
		out, docs, err := applyEdit(ctx, src, e)
		if err == nil {
			err = checkEdit(ctx, src, out, e, docs)
		}
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", e.Key, err)
		}
		src = out
	}
	if hadBOM {
		src = append(bom, src...)
	}
	return src, nil
}

// checkText refuses what would make line and column positions ambiguous.
func checkText(src []byte) error {
	if !utf8.Valid(src) {
		return errors.New("not UTF-8")
	}
	for i, c := range src {
		if c == '\r' && (i+1 == len(src) || src[i+1] != '\n') {
			return errors.New(`line breaks other than \n and \r\n are not supported`)
		}
	}
	if bytes.ContainsAny(src, "\u0085\u2028\u2029") {
		return errors.New("line breaks other than \\n and \\r\\n are not supported")
	}
	return nil
}

// splice replaces src[start:end] with text.
type splice struct {
	start, end int
	text       string
}

// editor locates nodes of one parse of src in its bytes.
type editor struct {
	src    []byte
	starts []int  // byte offset of each line
	nl     string // the file's line break
}

// applyEdit makes one edit and returns the new text and the indexes of the documents changed.
func applyEdit(ctx context.Context, src []byte, e Edit) ([]byte, []int, error) {
	var path, names []string
	for _, s := range splitKey(e.Key) {
		if c := canonicalSegment(s); c != "" {
			path, names = append(path, c), append(names, s)
		}
	}
	if len(path) == 0 {
		return nil, nil, errors.New("empty key")
	}
	if !utf8.ValidString(e.Value) {
		return nil, nil, errors.New("the value is not UTF-8")
	}
	if hasCondition(document{entries: []flat{{key: e.Key}}}) {
		return nil, nil, errors.New("an activation condition cannot be set")
	}
	docs, conditional, err := decodeDocuments(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	ed := newEditor(src)
	primary := slices.Index(conditional, false)
	if primary < 0 {
		text := ed.block(0, 2, names, e.Value)
		if len(docs) == 0 { // nothing but comments: append
			return ed.apply([]splice{ed.appendAt(len(src), text)}), []int{0}, nil
		}
		if !ed.startsWithMarker() {
			text += "---" + ed.nl
		}
		return ed.apply([]splice{{0, 0, text}}), []int{0}, nil
	}

	var splices []splice
	var changed []int
	finders := make(map[int]*finder)
	for i := primary; i < len(docs); i++ {
		root := docs[i].Content[0]
		if conditional[i] || root.Kind != yaml.MappingNode {
			continue
		}
		f := &finder{path: path, aliased: aliasTargets(root)}
		if err := f.mapping(root, nil, 0, root.Style&yaml.FlowStyle != 0, "", 0); err != nil {
			return nil, nil, err
		}
		finders[i] = f
		for _, m := range f.targets {
			s, err := ed.replace(m, e.Value)
			if err != nil {
				return nil, nil, err
			}
			splices = append(splices, s...)
		}
		if len(f.targets) > 0 {
			changed = append(changed, i)
		}
	}
	if len(changed) == 0 {
		s, err := ed.insert(docs[primary], finders[primary], names, e.Value)
		if err != nil {
			return nil, nil, err
		}
		splices, changed = s, []int{primary}
	}
	return ed.apply(splices), changed, nil
}

// decodeDocuments parses every document and says which carry an activation condition.
func decodeDocuments(ctx context.Context, src []byte) ([]*yaml.Node, []bool, error) {
	all, err := limits.YAML(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	var docs []*yaml.Node
	var conditional []bool
	for _, doc := range all {
		f := flattener{}
		if err := f.document(doc); err != nil {
			return nil, nil, err
		}
		if len(doc.Content) == 0 {
			return nil, nil, fmt.Errorf("line %d: empty document node", doc.Line)
		}
		docs = append(docs, doc)
		conditional = append(conditional, hasCondition(document{entries: f.out}))
	}
	return docs, conditional, nil
}

func newEditor(src []byte) *editor {
	ed := &editor{src: src, starts: []int{0}, nl: "\n"}
	for i, c := range src {
		if c == '\n' {
			ed.starts = append(ed.starts, i+1)
		}
	}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		ed.nl = "\r\n"
	}
	return ed
}

// startsWithMarker says whether the first line that is not blank or a comment is "---".
func (ed *editor) startsWithMarker() bool {
	for _, line := range strings.Split(string(ed.src), "\n") {
		line = strings.TrimRight(line, "\r")
		switch t := strings.TrimLeft(line, " \t"); {
		case t == "" || t[0] == '#':
			continue
		case line == "---" || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t"):
			return true
		}
		return false
	}
	return false
}

// apply makes the splices, which must not overlap, and returns a new slice.
func (ed *editor) apply(splices []splice) []byte {
	slices.SortFunc(splices, func(a, b splice) int { return b.start - a.start })
	out := slices.Clone(ed.src)
	for _, s := range splices {
		out = slices.Concat(out[:s.start], []byte(s.text), out[s.end:])
	}
	return out
}

// appendAt inserts whole lines at a line start, or at the end of a file without a final break.
func (ed *editor) appendAt(at int, text string) splice {
	if at == len(ed.src) && at > 0 && ed.src[at-1] != '\n' {
		text = ed.nl + text
	}
	return splice{at, at, text}
}

// offset turns a parser position (1-based line, 1-based column in runes) into a byte offset.
func (ed *editor) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(ed.starts) {
		return len(ed.src)
	}
	p := ed.starts[line-1]
	for c := 1; c < col && p < len(ed.src) && ed.src[p] != '\n'; c++ {
		_, w := utf8.DecodeRune(ed.src[p:])
		p += w
	}
	return p
}

// nextLine returns the start of the line after the one holding p, or the end of the file.
func (ed *editor) nextLine(p int) int {
	if i := bytes.IndexByte(ed.src[p:], '\n'); i >= 0 {
		return p + i + 1
	}
	return len(ed.src)
}

// lineEnd returns the offset of the line break ending the line holding p.
func (ed *editor) lineEnd(p int) int {
	end := ed.nextLine(p)
	if end > p && ed.src[end-1] == '\n' {
		end--
		if end > p && ed.src[end-1] == '\r' {
			end--
		}
	}
	return end
}

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
	if level > maxYAMLDepth {
		return fmt.Errorf("line %d: nesting deeper than %d levels", m.Line, maxYAMLDepth)
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
	var out []string
	for _, s := range splitKey(key) {
		if c := canonicalSegment(s); c != "" {
			out = append(out, c)
		}
	}
	return out
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
			if level < maxYAMLDepth {
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

// replace writes value over an existing scalar.
func (ed *editor) replace(m match, value string) ([]splice, error) {
	v := m.value
	if m.shared != "" {
		return nil, sharedError(v.Line, m.shared)
	}
	text := scalarFor(value, v.Style, m.flow)
	if v.Style == 0 && v.Value == "" { // "key:" with nothing after it
		at, err := ed.colonEnd(m.key, m.flow)
		if err != nil {
			return nil, err
		}
		return []splice{{at, at, " " + text}}, nil
	}
	start := ed.offset(v.Line, v.Column)
	if p, ok := ed.blockIndicator(v, start); ok {
		header, end := ed.blockScalar(p, m.key.Column-1)
		out := []splice{{start, header, text}}
		if le := ed.lineEnd(header); end > le {
			out = append(out, splice{le, end, ""})
		}
		return out, nil
	}
	end, err := ed.valueEnd(v, start, m.flow)
	if err != nil {
		return nil, err
	}
	return []splice{{start, end, text}}, nil
}

// blockIndicator returns the offset of the '|' or '>' of a block scalar starting at start.
func (ed *editor) blockIndicator(n *yaml.Node, start int) (int, bool) {
	_, p := ed.skipProps(start, false)
	ok := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 && p < len(ed.src) && (ed.src[p] == '|' || ed.src[p] == '>')
	return p, ok
}

// valueEnd returns the end of the plain or quoted scalar n whose text (with its anchor and
// tag) starts at start.
func (ed *editor) valueEnd(n *yaml.Node, start int, flow bool) (int, error) {
	propsEnd, p := ed.skipProps(start, flow)
	end, err := ed.scalarEnd(n, p, flow)
	if err != nil {
		return 0, err
	}
	if end == p { // nothing after the tag
		return propsEnd, nil
	}
	return end, nil
}

// skipProps skips an anchor and a tag at p; it returns the end of the last one and the
// start of what follows.
func (ed *editor) skipProps(p int, flow bool) (propsEnd, next int) {
	src := ed.src
	propsEnd = p
	for p < len(src) && (src[p] == '&' || src[p] == '!') {
		for p < len(src) && !isBlankOrBreak(src[p]) && !(flow && isFlowIndicator(src[p])) {
			p++
		}
		propsEnd = p
		for p < len(src) && (src[p] == ' ' || src[p] == '\t') {
			p++
		}
	}
	return propsEnd, p
}

// scalarEnd returns the end of the plain or quoted scalar n whose text starts at p.
func (ed *editor) scalarEnd(n *yaml.Node, p int, flow bool) (int, error) {
	src := ed.src
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && p < len(src) && (src[p] == '"' || src[p] == '\'') {
		q := src[p]
		for i := p + 1; i < len(src); i++ {
			switch {
			case q == '"' && src[i] == '\\':
				i++
			case src[i] == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
				i++
			case src[i] == q:
				return i + 1, nil
			}
		}
		return 0, fmt.Errorf("line %d: unterminated quoted value", n.Line)
	}
	end := p
	for i := p; i < len(src); i++ {
		c := src[i]
		if c == '\n' || c == '\r' || (c == '#' && i > 0 && (src[i-1] == ' ' || src[i-1] == '\t')) ||
			(flow && isFlowIndicator(c)) ||
			(c == ':' && (i+1 == len(src) || isBlankOrBreak(src[i+1]) || (flow && isFlowIndicator(src[i+1])))) {
			break
		}
		if c != ' ' && c != '\t' {
			end = i + 1
		}
	}
	if string(src[p:end]) != n.Value {
		return 0, fmt.Errorf("line %d: the value %q spans several lines; write it on one line to edit it", n.Line, n.Value)
	}
	return end, nil
}

// blockScalar measures a literal or folded scalar whose indicator is at p, in a block at
// indentation parent: it returns the end of its header indicators and the end of its last
// content line (with the trailing blank lines that "keep" chomping holds).
func (ed *editor) blockScalar(p, parent int) (header, end int) {
	src := ed.src
	header = p + 1
	indent, keep := 0, false
	for header < len(src) && strings.IndexByte("+-123456789", src[header]) >= 0 {
		if c := src[header]; c == '+' {
			keep = true
		} else if c != '-' {
			indent = parent + int(c-'0')
		}
		header++
	}
	end = header
	for line := ed.nextLine(header); line < len(src); line = ed.nextLine(line) {
		sp := 0
		for line+sp < len(src) && src[line+sp] == ' ' {
			sp++
		}
		le := ed.lineEnd(line)
		if line+sp == le { // blank
			if keep {
				end = le
			}
			continue
		}
		if indent == 0 {
			indent = max(sp, parent+1)
		}
		if sp < indent {
			break
		}
		end = le
	}
	return header, end
}

// colonEnd returns the offset just after the ':' that follows key.
func (ed *editor) colonEnd(key *yaml.Node, flow bool) (int, error) {
	_, p := ed.skipProps(ed.offset(key.Line, key.Column), flow)
	end, err := ed.scalarEnd(key, p, flow)
	if err != nil {
		return 0, err
	}
	for end < len(ed.src) && (ed.src[end] == ' ' || ed.src[end] == '\t') {
		end++
	}
	if end >= len(ed.src) || ed.src[end] != ':' {
		return 0, fmt.Errorf("line %d: no ':' after the key %s", key.Line, key.Value)
	}
	return end + 1, nil
}

// nodeEnd returns the end of n's text; key is the key n is the value of (nil for an item)
// and parent the indentation of the block holding n.
func (ed *editor) nodeEnd(n, key *yaml.Node, parent int, flow bool) (int, error) {
	start := ed.offset(n.Line, n.Column)
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Style == 0 && n.Value == "" {
			if key == nil {
				return start, nil
			}
			return ed.colonEnd(key, flow)
		}
		if p, ok := ed.blockIndicator(n, start); ok && !flow {
			_, end := ed.blockScalar(p, parent)
			return end, nil
		}
		return ed.valueEnd(n, start, flow)
	case yaml.AliasNode:
		return start + 1 + len(n.Value), nil
	}
	if flow || n.Style&yaml.FlowStyle != 0 {
		_, p := ed.skipProps(start, true)
		return ed.flowEnd(p, n.Line)
	}
	if len(n.Content) == 0 {
		return start, nil
	}
	last := n.Content[len(n.Content)-1]
	if n.Kind == yaml.MappingNode {
		k := n.Content[len(n.Content)-2]
		return ed.nodeEnd(last, k, k.Column-1, false)
	}
	return ed.nodeEnd(last, nil, n.Column-1, false)
}

// flowEnd returns the offset after the bracket closing the flow collection opened at p.
func (ed *editor) flowEnd(p, line int) (int, error) {
	src := ed.src
	depth, tokenStart := 0, true
	for i := p; i < len(src); i++ {
		switch c := src[i]; {
		case c == '[' || c == '{':
			depth++
			tokenStart = true
		case c == ']' || c == '}':
			if depth--; depth == 0 {
				return i + 1, nil
			}
			tokenStart = false
		case c == ',' || c == ':' || c == '?':
			tokenStart = true
		case isBlankOrBreak(c):
		case c == '#' && i > 0 && isBlankOrBreak(src[i-1]):
			i = ed.lineEnd(i)
		case (c == '\'' || c == '"') && tokenStart:
			for i++; i < len(src); i++ {
				if c == '"' && src[i] == '\\' {
					i++
				} else if src[i] == c {
					if c == '\'' && i+1 < len(src) && src[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
			tokenStart = false
		default:
			tokenStart = false
		}
	}
	return 0, fmt.Errorf("line %d: unterminated flow collection", line)
}

func isBlankOrBreak(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isFlowIndicator(c byte) bool { return strings.IndexByte(",[]{}", c) >= 0 }

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
		if level > maxYAMLDepth {
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

// checkEdit reads before and after back as LoadValues does: in the changed documents the key
// must have the new value; every other setting of every document must read as before, but
// for an empty value that the edit turned into a mapping.
func checkEdit(ctx context.Context, before, after []byte, e Edit, changed []int) error {
	b, err := parseYAML(ctx, "", before)
	if err != nil {
		return err
	}
	a, err := parseYAML(ctx, "", after)
	if err != nil {
		return fmt.Errorf("the edited configuration does not parse (a bug): %w", err)
	}
	if len(a) == len(b)+1 && slices.Equal(changed, []int{0}) {
		b = append([]document{{}}, b...) // a new first document
	}
	if len(a) != len(b) {
		return fmt.Errorf("the edit made %d documents out of %d (a bug)", len(a), len(b))
	}
	key := canonicalKey(e.Key)
	for i := range a {
		old, cur := flatMap(b[i]), flatMap(a[i])
		edited := slices.Contains(changed, i)
		for k, f := range cur {
			if k == key && edited {
				if f.isList || f.value != e.Value {
					return fmt.Errorf("the edited configuration reads %q (a bug)", f.value)
				}
				continue
			}
			if o, ok := old[k]; !ok || o.value != f.value || o.isList != f.isList || !slices.Equal(o.list, f.list) {
				return fmt.Errorf("the edit would change %s (a bug)", k)
			}
		}
		for k, o := range old {
			if _, ok := cur[k]; ok || (edited && o.value == "" && !o.isList && strings.HasPrefix(key, k+".")) {
				continue
			}
			return fmt.Errorf("the edit would remove %s (a bug)", k)
		}
		if _, ok := cur[key]; edited && !ok {
			return errors.New("the edited configuration lacks the key (a bug)")
		}
	}
	return nil
}

func flatMap(d document) map[string]flat {
	out := make(map[string]flat, len(d.entries))
	for _, f := range d.entries {
		out[canonicalKey(f.key)] = f
	}
	return out
}
