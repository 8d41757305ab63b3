package limits

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
)

// YAMLLimits bound one YAML file.
type YAMLLimits struct {
	Bytes      int // size of the file
	Depth      int // nesting, through aliases
	Nodes      int // nodes as written, aliases not expanded
	AliasNodes int // nodes reached through aliases, over the whole file
}

// DefaultYAML are the limits of every YAML file the tool reads.
func DefaultYAML() YAMLLimits {
	return YAMLLimits{Bytes: MaxYAMLBytes, Depth: MaxYAMLDepth, Nodes: MaxYAMLNodes, AliasNodes: MaxYAMLAliasNodes}
}

// ErrAliasCycle is wrapped when an alias refers to a node that contains it.
var ErrAliasCycle = errors.New("an alias refers to a node that contains it")

// YAML parses every document of data into nodes within the default limits. The nodes keep
// their aliases (nothing is expanded); a caller may follow them freely, as the limits hold
// for the expanded tree. Errors from yaml.v3 are returned as they are; a limit gives an
// *Error; a done ctx gives ctx's error.
func YAML(ctx context.Context, data []byte) ([]*yaml.Node, error) {
	return YAMLWithin(ctx, data, DefaultYAML())
}

// YAMLWithin is YAML with other limits.
func YAMLWithin(ctx context.Context, data []byte, l YAMLLimits) ([]*yaml.Node, error) {
	if len(data) > l.Bytes {
		return nil, &Error{What: "the size of the file", Limit: int64(l.Bytes), Unit: "bytes",
			Fix: "a Zeebe configuration is a few KiB; check that this is the right file"}
	}
	return decodeYAML(ctx, bytes.NewReader(data), l)
}

// decodeYAML parses documents read from r; r's size must already be bounded.
func decodeYAML(ctx context.Context, r io.Reader, l YAMLLimits) ([]*yaml.Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(ctxio.Reader(ctx, r))
	w := &walker{ctx: ctx, l: l, memo: make(map[*yaml.Node]expansion)}
	var docs []*yaml.Node
	for {
		doc := new(yaml.Node)
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr // the reader's error, which yaml.v3 turns into text
			}
			return nil, err
		}
		if err := w.walk(doc, 0); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
}

// expansion is what a node stands for once its aliases are expanded.
type expansion struct {
	size, height int // saturating at the limits
	busy         bool
}

type walker struct {
	ctx     context.Context
	l       YAMLLimits
	nodes   int
	aliased int
	steps   int
	memo    map[*yaml.Node]expansion
}

func (w *walker) step() error {
	w.steps++
	if w.steps%4096 == 0 {
		return w.ctx.Err()
	}
	return nil
}

// walk visits the nodes as written, counting them, and for each alias adds what its target
// expands to.
func (w *walker) walk(n *yaml.Node, depth int) error {
	if err := w.step(); err != nil {
		return err
	}
	if depth > w.l.Depth {
		return w.depthError(n)
	}
	w.nodes++
	if w.nodes > w.l.Nodes {
		return &Error{What: "the number of nodes", Limit: int64(w.l.Nodes), Unit: "nodes", Line: n.Line}
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return fmt.Errorf("line %d: alias *%s has no anchor", n.Line, n.Value)
		}
		e, err := w.expand(n.Alias, depth)
		if err != nil {
			return err
		}
		if depth+e.height-1 > w.l.Depth {
			return w.depthError(n)
		}
		w.aliased = satAdd(w.aliased, e.size, w.l.AliasNodes)
		if w.aliased > w.l.AliasNodes {
			return &Error{What: "the number of nodes reached through aliases", Limit: int64(w.l.AliasNodes), Unit: "nodes", Line: n.Line,
				Fix: "a configuration does not reuse anchors this much; write the values out"}
		}
		return nil
	}
	for _, c := range n.Content {
		if err := w.walk(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// expand is the size and height of n with aliases followed, memoized; at is the depth n is
// reached at, to stop a chain of aliases once it is too deep.
func (w *walker) expand(n *yaml.Node, at int) (expansion, error) {
	if err := w.step(); err != nil {
		return expansion{}, err
	}
	if e, ok := w.memo[n]; ok {
		if e.busy {
			return expansion{}, fmt.Errorf("line %d: %w", n.Line, ErrAliasCycle)
		}
		return e, nil
	}
	if at > w.l.Depth {
		return expansion{}, w.depthError(n)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return expansion{}, fmt.Errorf("line %d: alias *%s has no anchor", n.Line, n.Value)
		}
		return w.expand(n.Alias, at)
	}
	w.memo[n] = expansion{busy: true}
	e := expansion{size: 1, height: 1}
	for _, c := range n.Content {
		ce, err := w.expand(c, at+1)
		if err != nil {
			return expansion{}, err
		}
		e.size = satAdd(e.size, ce.size, w.l.AliasNodes)
		e.height = max(e.height, ce.height+1)
	}
	w.memo[n] = e
	return e, nil
}

func (w *walker) depthError(n *yaml.Node) error {
	return &Error{What: "the nesting depth", Limit: int64(w.l.Depth), Unit: "levels", Line: n.Line,
		Fix: "a Zeebe configuration nests about 8 levels; check that this is the right file"}
}

// satAdd adds, stopping just above limit so that counts never overflow.
func satAdd(a, b, limit int) int {
	if a > limit || b > limit || a+b > limit {
		return limit + 1
	}
	return a + b
}
