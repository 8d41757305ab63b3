package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// setting is one resolved value with the key that supplied it and its source, so that errors
// can say "key: value (from source)". When no key is set, key is the last (legacy) key, value
// the default written out, and source "".
type setting struct {
	key, value, source string
}

func (s setting) String() string {
	return fmt.Sprintf("%s: %s (%s)", s.key, s.value, s.origin())
}

func (s setting) origin() string {
	if s.source == "" {
		return "default"
	}
	return "from " + s.source
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// pick returns the first of keys that is set, in the given precedence order.
func (v *Values) pick(keys ...string) (setting, bool) {
	for _, k := range keys {
		if val, src, ok := v.Lookup(k); ok {
			return setting{key: k, value: val, source: src}, true
		}
	}
	return setting{key: keys[len(keys)-1]}, false
}

// reader reads typed settings over alternative keys and collects conversion errors.
type reader struct {
	v    *Values
	errs []error
}

// typed picks the first set key; a blank value counts as the default, as in Spring.
func (r *reader) typed(def string, keys []string) (setting, bool) {
	s, ok := r.v.pick(keys...)
	if !ok || isBlank(s.value) {
		return setting{key: keys[len(keys)-1], value: def}, false
	}
	return s, true
}

func (r *reader) fail(s setting, err error) {
	r.errs = append(r.errs, valueError(s.key, s.value, s.source, err))
}

func (r *reader) int(def int, keys []string) (int, setting) {
	return readTyped(r, def, strconv.Itoa(def), keys, parseInt)
}

func (r *reader) bool(def bool, keys []string) bool {
	b, _ := readTyped(r, def, strconv.FormatBool(def), keys, parseBool)
	return b
}

func (r *reader) dataSize(def int64, keys []string) (int64, setting) {
	return readTyped(r, def, strconv.FormatInt(def, 10)+"B", keys, parseDataSize)
}

func (r *reader) duration(def time.Duration, keys []string) time.Duration {
	d, _ := readTyped(r, def, def.String(), keys, parseDuration)
	return d
}

// readTyped is the first set key's value converted by parse, with the setting it came from;
// def (written as defText in the default setting) when none is set or its value is wrong,
// which is then recorded (fail).
func readTyped[T any](r *reader, def T, defText string, keys []string, parse func(string) (T, error)) (T, setting) {
	s, ok := r.typed(defText, keys)
	if !ok {
		return def, s
	}
	x, err := parse(s.value)
	if err != nil {
		r.fail(s, err)
		return def, s
	}
	return x, s
}

// str returns the first set key's value, even when empty (Spring binds "" to a String).
func (r *reader) str(def string, keys []string) string {
	if s, ok := r.v.pick(keys...); ok {
		return s.value
	}
	return def
}

// list returns the first of keys that holds a non-empty list; Zeebe's unified configuration
// counts an empty list as not set.
func (r *reader) list(keys []string) []string {
	for _, k := range keys {
		if l := r.v.StringList(k); len(l) > 0 {
			return l
		}
	}
	return []string{}
}
