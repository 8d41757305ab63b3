package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

func TestValidKey(t *testing.T) {
	cases := []struct {
		key     string
		problem string // part of the message, "" if valid
	}{
		{"zeebe-backup-20261124T103000Z/manifest.json", ""},
		{"a", ""},
		{"..a/a../.hidden/.tmp/tmp-", ""},
		{strings.Repeat("k", 255), ""},
		{"", "empty"},
		{"/a", "starts with a slash"},
		{"a/", "ends with a slash"},
		{"a//b", "empty segment"},
		{".", `"." segment`},
		{"a/..", `".." segment`},
		{"a/./b", `"." segment`},
		{`a\b`, "backslash"},
		{"a\x00", "NUL"},
		{"a\xff", "UTF-8"},
		{"x/.tmp-1", "reserved"},
		{strings.Repeat("k", 256), "longer than 255"},
		{strings.Repeat("k/", 512) + "k", "longer than 1024"},
	}
	for _, c := range cases {
		err := storage.ValidKey(c.key)
		switch {
		case c.problem == "" && err != nil:
			t.Errorf("ValidKey(%q) = %v, want nil", c.key, err)
		case c.problem != "" && (!errors.Is(err, storage.ErrInvalidKey) || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("ValidKey(%q) = %v, want an error wrapping ErrInvalidKey that says %q", c.key, err, c.problem)
		}
	}
}

func TestValidPrefix(t *testing.T) {
	for _, p := range []string{"", "a", "a/", "a/b", ".", "..", "a/.", "a/..", "a/.tmp", "zeebe-backup-2026"} {
		if err := storage.ValidPrefix(p); err != nil {
			t.Errorf("ValidPrefix(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"/", "/a", "a//", "../", "./a", "a/./", `a\`, "\x00", ".tmp-", "a/.tmp-x", "\xff"} {
		if err := storage.ValidPrefix(p); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidPrefix(%q) = %v, want an error wrapping ErrInvalidKey", p, err)
		}
	}
}

func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"a/b", "../a", "a/.tmp-x", "a//b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if storage.ValidKey(key) != nil {
			return
		}
		// A valid key is a local, clean, relative path of bounded size.
		if len(key) > storage.MaxKeyLen || strings.ContainsAny(key, "\\\x00") || key[0] == '/' {
			t.Fatalf("ValidKey accepted %q", key)
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, storage.ReservedPrefix) {
				t.Fatalf("ValidKey accepted %q with segment %q", key, seg)
			}
		}
		if storage.ValidPrefix(key) != nil || storage.ValidPrefix(key+"/") != nil {
			t.Fatalf("ValidPrefix refuses the valid key %q", key)
		}
	})
}
