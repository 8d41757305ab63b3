// Package scheme is what the registries of storage backends (storage.Registry) and host kinds
// (broker.Registry) share: a table of plugins keyed by URL scheme, fixed when it is built.
//
// Invariants:
//  1. A table is built once, from the list written in main, and never changed: it is safe for
//     concurrent use and holds no package-level state.
//  2. Schemes are lower case, not empty and unique; a list that breaks this is a programming
//     error, and NewTable panics.
//  3. A nil *Table is empty: Get finds nothing, Schemes and Items are nil.
package scheme

import (
	"fmt"
	"strings"
)

// Table holds plugins of one sort by scheme, in the order they were given.
type Table[T any] struct {
	schemes []string
	forms   []string
	items   []T
}

// NewTable builds the table of items, each under schemeOf(item), written as formOf(item)
// says (for messages: "s3://bucket/prefix"); sort names them in a panic ("storage
// backends"). complete says whether an item has all it needs (its functions).
func NewTable[T any](sort string, schemeOf, formOf func(T) string, complete func(T) bool, items ...T) *Table[T] {
	t := &Table[T]{}
	for _, it := range items {
		s := schemeOf(it)
		switch {
		case s == "" || s != strings.ToLower(s) || !complete(it):
			panic(fmt.Sprintf("%s %q: want a lower-case scheme and every function", sort, s))
		case t.index(s) >= 0:
			panic(fmt.Sprintf("two of %s for scheme %q", sort, s))
		}
		t.schemes = append(t.schemes, s)
		t.forms = append(t.forms, formOf(it))
		t.items = append(t.items, it)
	}
	return t
}

func (t *Table[T]) index(scheme string) int {
	if t == nil {
		return -1
	}
	for i, s := range t.schemes {
		if s == scheme {
			return i
		}
	}
	return -1
}

// Get returns the item of scheme (compared in lower case).
func (t *Table[T]) Get(scheme string) (T, bool) {
	i := t.index(strings.ToLower(scheme))
	if i < 0 {
		var zero T
		return zero, false
	}
	return t.items[i], true
}

// Schemes lists the schemes in the order they were given.
func (t *Table[T]) Schemes() []string {
	if t == nil {
		return nil
	}
	return append([]string(nil), t.schemes...)
}

// Supported says, for messages, which schemes the table has and how to write their values:
// none when it has none; else one or many, formats given the schemes and the forms (each
// joined by commas) as arguments 1 and 2, e.g. "this version supports %[1]s only: write %[2]s".
func (t *Table[T]) Supported(none, one, many string) string {
	switch len(t.Schemes()) {
	case 0:
		return none
	case 1:
		return fmt.Sprintf(one, t.schemes[0], t.forms[0])
	}
	return fmt.Sprintf(many, strings.Join(t.schemes, ", "), strings.Join(t.forms, ", or "))
}

// Items lists the items in the order they were given.
func (t *Table[T]) Items() []T {
	if t == nil {
		return nil
	}
	return append([]T(nil), t.items...)
}
