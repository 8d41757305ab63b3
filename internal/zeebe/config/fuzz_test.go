package config

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// FuzzParseYAML: any bytes either parse or give an error; never a panic or a hang.
func FuzzParseYAML(f *testing.F) {
	for _, s := range []string{helm85, helm88, "a: &x {b: 1}\nc: *x\n<<: *x\n", "- a\n", "a: [1, {b: 2}]\n---\nb: ~\n", "a:\n\tb: 1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := parseYAML(context.Background(), "fuzz.yaml", data)
		if err != nil {
			return
		}
		v := build(docs, nil, nil)
		for _, k := range v.Keys("") {
			v.Lookup(k)
			v.StringList(k)
		}
		if _, err := v.Broker(); err != nil {
			return
		}
	})
}

// FuzzParseValues: the value parsers and placeholder resolution never panic, and a duration
// of whole milliseconds reads back the same as a plain number of milliseconds.
func FuzzParseValues(f *testing.F) {
	for _, s := range []string{"128MB", "5m", "PT1H30M", "-PT0.5S", "P1DT", "0x1F", "#10", "yes", "${a:${b}}", "+", "P"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseDataSize(s)
		parseInt(s)
		_, _ = parseBool(s)
		splitList(s)
		d, err := parseDuration(s)
		if err == nil && d%time.Millisecond == 0 {
			ms := strconv.FormatInt(int64(d/time.Millisecond), 10)
			if back, err := parseDuration(ms); err != nil || back != d {
				t.Errorf("parseDuration(%q) = %v, but %q reads as %v, %v", s, d, ms, back, err)
			}
		}
		v := &Values{entries: map[string]entry{"a": {value: s}}, env: map[string]string{"B": s}}
		v.resolve(s, 0)
	})
}
