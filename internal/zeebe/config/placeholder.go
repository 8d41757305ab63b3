package config

import "strings"

// maxPlaceholderDepth bounds nested and chained placeholders; deeper (or circular) ones are
// left unresolved.
const maxPlaceholderDepth = 16

// resolve replaces ${name} and ${name:default} in s. Nested placeholders in the name and the
// default are resolved too. A placeholder that cannot be resolved and has no default stays
// as it is.
func (v *Values) resolve(s string, depth int) string {
	if depth > maxPlaceholderDepth || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := closingBrace(s, start+2)
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:start])
		inner := s[start+2 : end]
		name, def, hasDef := inner, "", false
		if i := topLevelColon(inner); i >= 0 {
			name, def, hasDef = inner[:i], inner[i+1:], true
		}
		name = v.resolve(name, depth+1)
		if val, ok := v.placeholder(name, depth+1); ok {
			b.WriteString(val)
		} else if hasDef {
			b.WriteString(v.resolve(def, depth+1))
		} else {
			b.WriteString(s[start : end+1])
		}
		s = s[end+1:]
	}
}

// placeholder resolves one placeholder name: first as an environment variable (the name as
// written, then with '.' and '-' turned into '_', each also uppercased, as Spring's
// SystemEnvironmentPropertySource does), then as a property in any relaxed form.
func (v *Values) placeholder(name string, depth int) (string, bool) {
	if depth > maxPlaceholderDepth {
		return "", false
	}
	underscored := strings.NewReplacer(".", "_", "-", "_").Replace(name)
	for _, n := range []string{name, underscored, strings.ToUpper(name), strings.ToUpper(underscored)} {
		if val, ok := v.env[n]; ok {
			return v.resolve(val, depth+1), true
		}
	}
	raw, _, ok := v.lookupRaw(name)
	if !ok {
		return "", false
	}
	return v.resolve(raw, depth+1), true
}

// closingBrace returns the index of the '}' closing a placeholder whose name starts at from,
// skipping nested placeholders, or -1.
func closingBrace(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			depth++
			i++
		case s[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// topLevelColon returns the index of the first ':' of inner outside nested placeholders.
func topLevelColon(inner string) int {
	depth := 0
	for i := 0; i < len(inner); i++ {
		switch {
		case strings.HasPrefix(inner[i:], "${"):
			depth++
			i++
		case inner[i] == '}' && depth > 0:
			depth--
		case inner[i] == ':' && depth == 0:
			return i
		}
	}
	return -1
}
