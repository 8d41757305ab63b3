package config

import (
	"strings"
	"unicode"
)

// canonicalKey turns a property key written in any relaxed form into the form used for
// matching: segments separated by '.', each lowercased with '-' and '_' removed. An index or
// map key in brackets ("points[0]", "exporters.[my.exporter]") becomes a segment of its own;
// dots inside brackets stay part of that segment. Empty segments are dropped.
//
//	zeebe.broker.cluster.nodeId    -> zeebe.broker.cluster.nodeid
//	camunda.data.primary-storage   -> camunda.data.primarystorage
//	initial_contact_points[1]      -> initialcontactpoints.1
func canonicalKey(key string) string {
	segs := splitKey(key)
	out := segs[:0]
	for _, s := range segs {
		if c := canonicalSegment(s); c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, ".")
}

// splitKey splits a dotted key into its raw segments, honouring brackets.
func splitKey(key string) []string {
	var segs []string
	var cur strings.Builder
	depth := 0
	flush := func() {
		segs = append(segs, cur.String())
		cur.Reset()
	}
	for _, r := range key {
		switch {
		case r == '[' && depth == 0:
			flush()
			depth++
		case r == ']' && depth > 0:
			depth--
			if depth == 0 {
				flush()
			}
		case r == '.' && depth == 0:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return segs
}

func canonicalSegment(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '-' || r == '_' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// envKey maps an environment variable name to a canonical key the way Spring's
// SystemEnvironmentPropertyMapper does: lowercase, '_' separates segments
// (ZEEBE_BROKER_DATA_LOGSEGMENTSIZE -> zeebe.broker.data.logsegmentsize, LIST_0 -> list.0).
// A '.' in the name also separates segments.
func envKey(name string) string {
	return canonicalKey(strings.ReplaceAll(strings.ToLower(name), "_", "."))
}

// legacyEnvName is the second name Spring tries for a property in the environment: the dashed
// form of every segment with '-' turned into '_' (zeebe.broker.data.logSegmentSize ->
// ZEEBE_BROKER_DATA_LOG_SEGMENT_SIZE, camunda.data.primary-storage.directory ->
// CAMUNDA_DATA_PRIMARY_STORAGE_DIRECTORY). It needs the key written with its word boundaries
// (camelCase or kebab-case); it returns "" when the key has none.
func legacyEnvName(key string) string {
	segs := splitKey(key)
	words := make([]string, 0, len(segs))
	split := false
	for _, s := range segs {
		if s == "" {
			continue
		}
		w := dashed(s)
		if w != canonicalSegment(s) {
			split = true
		}
		words = append(words, w)
	}
	if !split {
		return ""
	}
	return strings.ToUpper(strings.ReplaceAll(strings.Join(words, "_"), "-", "_"))
}

// dashed writes one segment in kebab-case: "logSegmentSize" -> "log-segment-size",
// "primary_storage" -> "primary-storage".
func dashed(s string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		switch {
		case r == '_' || r == '-':
			r = '-'
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return b.String()
}
