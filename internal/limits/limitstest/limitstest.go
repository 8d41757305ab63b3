// Package limitstest builds hostile inputs for the tests of every reader that package limits
// protects.
package limitstest

import (
	"fmt"
	"strings"
)

// AliasBomb is a "billion laughs" YAML mapping of 9 levels of 9 aliases (9^9 scalars once
// expanded) in about 800 bytes, under the key top so that it fits in any configuration.
func AliasBomb() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for c := 'b'; c <= 'i'; c++ {
		fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+string(c-1)+",", 9), ","))
	}
	return b.String()
}

// DeepYAML is a mapping nested levels deep in block style.
func DeepYAML(levels int) string {
	var b strings.Builder
	for i := range levels {
		fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat("  ", i), i)
	}
	return b.String()
}

// DeepJSON is an object nested levels deep.
func DeepJSON(levels int) string {
	return strings.Repeat(`{"a":`, levels) + "1" + strings.Repeat("}", levels)
}

// Secret is a value that must never appear in a message.
const Secret = "s3cr3t-value"

// Oversized is a YAML mapping with one value of Secret repeated to more than size bytes.
func Oversized(size int) string {
	return "password: " + strings.Repeat(Secret, size/len(Secret)+1) + "\n"
}
