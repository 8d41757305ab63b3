package yamledit

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

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
