package redact

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"s3://AKIA:hunter2@bucket/prefix":      "s3://***@bucket/prefix",
		`"s3://a:b@c" holds credentials`:       `"s3://***@c" holds credentials`,
		"ssh://zeebe@10.0.0.12":                "ssh://zeebe@10.0.0.12",
		"ssh://zeebe:pa@ss@10.0.0.12:22/x":     "ssh://***@10.0.0.12:22/x",
		"http://u:p@h:9600 and https://v:q@k/": "http://***@h:9600 and https://***@k/",
		"no url here: user:password@host":      "no url here: user:password@host",
		"file:///var/backups/zeebe":            "file:///var/backups/zeebe",
		"mail a@b.c about http://h/x":          "mail a@b.c about http://h/x",
		"HTTP://USER:PASS@HOST":                "HTTP://***@HOST",
		"see http://u:%70w@h/?q=x@y":           "see http://***@h/?q=x@y",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArgs(t *testing.T) {
	got := Args([]string{"zeebe-backup", "restore", "x", "--set", "1.zeebe.broker.exporters.es.args.password=hunter2",
		"--set=0.a.b=c=d", "--repo", "s3://k:hunter3@bucket", "--set", "novalue", "--set"})
	want := "zeebe-backup restore x --set 1.zeebe.broker.exporters.es.args.password=*** --set=0.a.b=*** --repo s3://***@bucket --set *** --set"
	if got != want {
		t.Fatalf("Args = %q\nwant   %q", got, want)
	}
	for _, secret := range []string{"hunter2", "hunter3", "c=d"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q is in %q", secret, got)
		}
	}
}
