package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDataSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "128MB", want: 128 << 20},
		{in: "16MB", want: 16 << 20},
		{in: "512KB", want: 512 << 10},
		{in: "1GB", want: 1 << 30},
		{in: "2TB", want: 2 << 40},
		{in: "1024", want: 1024},
		{in: "7B", want: 7},
		{in: "128mb", want: 128 << 20},
		{in: "128Mb", want: 128 << 20},
		{in: " 64 MB ", want: 64 << 20},
		{in: "+1KB", want: 1024},
		{in: "-1KB", want: -1024},
		{in: "0", want: 0},
		{in: "1.5MB", bad: true},
		{in: "MB", bad: true},
		{in: "12XB", bad: true},
		{in: "12M", bad: true},
		{in: "12MiB", bad: true},
		{in: "abc", bad: true},
		{in: "99999999999TB", bad: true},
		{in: "99999999999999999999", bad: true},
	} {
		got, err := parseDataSize(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseDataSize(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseDataSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "5m", want: 5 * time.Minute},
		{in: "30s", want: 30 * time.Second},
		{in: "100ms", want: 100 * time.Millisecond},
		{in: "1h", want: time.Hour},
		{in: "2d", want: 48 * time.Hour},
		{in: "10ns", want: 10},
		{in: "10us", want: 10 * time.Microsecond},
		{in: "5M", want: 5 * time.Minute},
		{in: "100MS", want: 100 * time.Millisecond},
		{in: "1500", want: 1500 * time.Millisecond},
		{in: " 15s ", want: 15 * time.Second},
		{in: "-5s", want: -5 * time.Second},
		{in: "PT5M", want: 5 * time.Minute},
		{in: "pt5m", want: 5 * time.Minute},
		{in: "PT1H30M", want: 90 * time.Minute},
		{in: "P1DT2H", want: 26 * time.Hour},
		{in: "P2D", want: 48 * time.Hour},
		{in: "PT0.5S", want: 500 * time.Millisecond},
		{in: "PT1,25S", want: 1250 * time.Millisecond},
		{in: "PT-0.5S", want: -500 * time.Millisecond},
		{in: "-PT5M", want: -5 * time.Minute},
		{in: "PT-1H30M", want: -30 * time.Minute},
		{in: "5 m", bad: true},
		{in: "5min", bad: true},
		{in: "5x", bad: true},
		{in: "1.5s", bad: true},
		{in: "P", bad: true},
		{in: "PT", bad: true},
		{in: "P1DT", bad: true},
		{in: "P1Y", bad: true},
		{in: "P1W", bad: true},
		{in: "PT5M1H", bad: true},
		{in: "PT5M5M", bad: true},
		{in: "PT1.5M", bad: true},
		{in: "PT0.1234567891S", bad: true},
		{in: "--PT5M", bad: true},
		{in: "five minutes", bad: true},
		{in: "999999999d", bad: true},
		{in: "P999999999D", bad: true},
	} {
		got, err := parseDuration(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseDuration(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseIntAndBool(t *testing.T) {
	for in, want := range map[string]int{"3": 3, " 3 ": 3, "+3": 3, "-2": -2, "007": 7, "0x1F": 31, "#10": 16, "-0x10": -16} {
		if got, err := parseInt(in); err != nil || got != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"three", "3.0", "1e3", "2147483648", "1_000", "0x"} {
		if got, err := parseInt(in); err == nil {
			t.Errorf("parseInt(%q) = %d, want an error", in, got)
		}
	}
	for in, want := range map[string]bool{"true": true, "TRUE": true, "on": true, "yes": true, "1": true,
		"false": false, "Off": false, "no": false, "0": false} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"enabled", "2", "y"} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("parseBool(%q): want an error", in)
		}
	}
}

// Typed getters: default when unset or blank, an error naming key, value and source when bad.
func TestTypedGetters(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "application.yaml", `
zeebe.sim:
  count: 7
  blank: ""
  size: 16MB
  period: PT30S
  flag: "yes"
  badSize: 16 MiB
`)
	v := load(t, LoadOptions{Files: []string{file}, Env: map[string]string{"ZEEBE_SIM_BADINT": "seven"}})

	if n, err := v.Int("zeebe.sim.count", 1); err != nil || n != 7 {
		t.Errorf("Int count = %d, %v", n, err)
	}
	if n, err := v.Int("zeebe.sim.missing", 42); err != nil || n != 42 {
		t.Errorf("Int missing = %d, %v", n, err)
	}
	if n, err := v.Int("zeebe.sim.blank", 42); err != nil || n != 42 {
		t.Errorf("Int blank = %d, %v", n, err)
	}
	if n, err := v.DataSize("zeebe.sim.size", 1); err != nil || n != 16<<20 {
		t.Errorf("DataSize = %d, %v", n, err)
	}
	if d, err := v.Duration("zeebe.sim.period", time.Hour); err != nil || d != 30*time.Second {
		t.Errorf("Duration = %v, %v", d, err)
	}
	if d, err := v.Duration("zeebe.sim.missing", time.Hour); err != nil || d != time.Hour {
		t.Errorf("Duration default = %v, %v", d, err)
	}
	if b, err := v.Bool("zeebe.sim.flag", false); err != nil || !b {
		t.Errorf("Bool = %v, %v", b, err)
	}
	if s := v.String("zeebe.sim.blank", "def"); s != "" {
		t.Errorf("String of an empty value = %q, want empty", s)
	}
	if s := v.String("zeebe.sim.missing", "def"); s != "def" {
		t.Errorf("String default = %q", s)
	}

	_, err := v.Int("zeebe.sim.badInt", 1)
	wantErr(t, err, "zeebe.sim.badInt", `"seven"`, "environment variable ZEEBE_SIM_BADINT", "whole number")
	_, err = v.DataSize("zeebe.sim.bad-size", 1)
	wantErr(t, err, "zeebe.sim.bad-size", `"16 MiB"`, file, "unit")
	_, err = v.Duration("zeebe.sim.size", 0)
	wantErr(t, err, "zeebe.sim.size", `"16MB"`, file, "duration")
	_, err = v.Bool("zeebe.sim.count", false)
	wantErr(t, err, "zeebe.sim.count", `"7"`, file, "boolean")
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got none", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}
