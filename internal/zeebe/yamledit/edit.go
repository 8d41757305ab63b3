package yamledit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/limits"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/config"
)

// Edit is one property to set in a YAML configuration.
type Edit struct {
	Key   string // in any relaxed form, e.g. "zeebe.broker.network.advertisedHost"
	Value string
}

// Apply sets each key in the YAML document and returns the new bytes, applying the
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
// be a configuration config.LoadValues accepts. Values that span several lines as plain
// scalars cannot be replaced. After each edit Apply reads the result back and fails, rather
// than return it, unless the edited key has the new value in the documents it changed and
// every other setting of every document reads as before.
func Apply(ctx context.Context, yamlBytes []byte, edits []Edit) ([]byte, error) {
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
	names, path := config.KeySegments(e.Key)
	if len(path) == 0 {
		return nil, nil, errors.New("empty key")
	}
	if !utf8.ValidString(e.Value) {
		return nil, nil, errors.New("the value is not UTF-8")
	}
	if config.ActivationKey(e.Key) {
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
		d, err := config.ReadDocument(doc)
		if err != nil {
			return nil, nil, err
		}
		if len(doc.Content) == 0 {
			return nil, nil, fmt.Errorf("line %d: empty document node", doc.Line)
		}
		docs = append(docs, doc)
		conditional = append(conditional, d.Conditional())
	}
	return docs, conditional, nil
}

// readDocuments reads every document as a broker's configuration reader does, within the
// limits of package limits.
func readDocuments(ctx context.Context, src []byte) ([]config.Document, error) {
	all, err := limits.YAML(ctx, src)
	if err != nil {
		return nil, err
	}
	docs := make([]config.Document, 0, len(all))
	for _, doc := range all {
		d, err := config.ReadDocument(doc)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
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
