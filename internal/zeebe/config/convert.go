package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Typed getters. A key that is not set, or set to nothing (YAML null, "" or only blanks),
// yields the default: Spring converts an empty string to null and leaves the default in
// place. Errors name the key as the caller wrote it, the value and its source.

// Int returns key as a Java int (32 bits): decimal with an optional sign, or hexadecimal
// with "0x" or "#", as Spring's number conversion accepts.
func (v *Values) Int(key string, def int) (int, error) { return typed(v, key, def, parseInt) }

// Bool returns key as a boolean: true, on, yes, 1 or false, off, no, 0, in any case.
func (v *Values) Bool(key string, def bool) (bool, error) { return typed(v, key, def, parseBool) }

// DataSize returns key in bytes, written as Spring's DataSize: "128MB", "16MB", "512KB",
// "1GB", "1024" (bytes); units B KB MB GB TB, powers of 1024, case-insensitive.
func (v *Values) DataSize(key string, def int64) (int64, error) {
	return typed(v, key, def, parseDataSize)
}

// Duration returns key written as Spring reads a Duration: "5m", "30s", "100ms", "1h",
// "2d" (units ns us ms s m h d, case-insensitive), ISO-8601 "PT5M", "P1DT2H", or a plain
// number of milliseconds.
func (v *Values) Duration(key string, def time.Duration) (time.Duration, error) {
	return typed(v, key, def, parseDuration)
}

// typed is key's value converted by parse, or def when key is not set or set to nothing.
func typed[T any](v *Values, key string, def T, parse func(string) (T, error)) (T, error) {
	s, src, ok := v.Lookup(key)
	if !ok || strings.TrimSpace(s) == "" {
		return def, nil
	}
	x, err := parse(s)
	if err != nil {
		return def, valueError(key, s, src, err)
	}
	return x, nil
}

func valueError(key, value, source string, err error) error {
	return fmt.Errorf("%s: %q (from %s) %w", key, value, source, err)
}

func parseInt(s string) (int, error) {
	t := strings.TrimSpace(s)
	sign, body := "", t
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		sign, body = body[:1], body[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(body, "0x"), strings.HasPrefix(body, "0X"):
		base, body = 16, body[2:]
	case strings.HasPrefix(body, "#"):
		base, body = 16, body[1:]
	}
	n, err := strconv.ParseInt(sign+body, base, 32)
	if err != nil {
		return 0, fmt.Errorf("is not a whole number between %d and %d", math.MinInt32, math.MaxInt32)
	}
	return int(n), nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "1":
		return true, nil
	case "false", "off", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("is not a boolean (true/false, on/off, yes/no, 1/0)")
}

// splitNumber splits "128MB" into "128" and "MB": an optionally signed run of digits and a
// suffix of at most two letters, as Spring's DataSize and Duration patterns.
func splitNumber(s string) (num, unit string, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return "", "", false
	}
	unit = s[j:]
	if len(unit) > 2 {
		return "", "", false
	}
	for _, r := range unit {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", "", false
		}
	}
	return s[:j], unit, true
}

var dataUnits = map[string]int64{"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}

func parseDataSize(s string) (int64, error) {
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	const allowed = "is not a data size (a whole number with an optional unit B, KB, MB, GB or TB)"
	num, unit, ok := splitNumber(t)
	if !ok {
		return 0, fmt.Errorf("%s", allowed)
	}
	mult, ok := dataUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("has unknown unit %q: %s", unit, allowed)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("is too large for a data size")
	}
	return n * mult, nil
}

var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "ms": time.Millisecond, "": time.Millisecond,
	"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
}

const durationAllowed = "is not a duration (like 100ms, 30s, 5m, 1h, 2d, PT5M, or milliseconds)"

func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if num, unit, ok := splitNumber(t); ok {
		mult, ok := durationUnits[strings.ToLower(unit)]
		if !ok {
			return 0, fmt.Errorf("has unknown unit %q: %s", unit, durationAllowed)
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("is too long for a duration")
		}
		return scale(0, n, mult)
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) <= 1 && (strings.HasPrefix(body, "P") || strings.HasPrefix(body, "p")) {
		return parseISODuration(t)
	}
	return 0, fmt.Errorf("%s", durationAllowed)
}

// scale returns total + n*unit, or an error when it does not fit a time.Duration.
func scale(total time.Duration, n int64, unit time.Duration) (time.Duration, error) {
	u := int64(unit)
	if n > math.MaxInt64/u || n < math.MinInt64/u {
		return 0, fmt.Errorf("is too long for a duration")
	}
	add := n * u
	if (add > 0 && int64(total) > math.MaxInt64-add) || (add < 0 && int64(total) < math.MinInt64-add) {
		return 0, fmt.Errorf("is too long for a duration")
	}
	return total + time.Duration(add), nil
}
