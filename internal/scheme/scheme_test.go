package scheme_test

import (
	"slices"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/scheme"
)

type plugin struct {
	scheme string
	open   func()
}

func newTable(items ...plugin) *scheme.Table[plugin] {
	return scheme.NewTable("test plugins", func(p plugin) string { return p.scheme }, func(p plugin) string { return p.scheme + "://x" },
		func(p plugin) bool { return p.open != nil }, items...)
}

func TestGetBySchemeInOrder(t *testing.T) {
	open := func() {}
	tb := newTable(plugin{"file", open}, plugin{"s3", open})
	if p, ok := tb.Get("S3"); !ok || p.scheme != "s3" {
		t.Errorf("Get(S3) = %v, %v", p, ok)
	}
	if _, ok := tb.Get("gs"); ok {
		t.Error("Get(gs) found a plugin")
	}
	if got := tb.Schemes(); !slices.Equal(got, []string{"file", "s3"}) {
		t.Errorf("Schemes = %v", got)
	}
	if got := tb.Items(); len(got) != 2 || got[1].scheme != "s3" {
		t.Errorf("Items = %v", got)
	}
	const none, one, many = "none", "only %[1]s: write %[2]s", "any of %[1]s: write %[2]s"
	for _, c := range []struct {
		t    *scheme.Table[plugin]
		want string
	}{
		{newTable(), "none"},
		{newTable(plugin{"file", open}), "only file: write file://x"},
		{tb, "any of file, s3: write file://x, or s3://x"},
	} {
		if got := c.t.Supported(none, one, many); got != c.want {
			t.Errorf("Supported = %q, want %q", got, c.want)
		}
	}
	var nilTable *scheme.Table[plugin]
	if _, ok := nilTable.Get("file"); ok || nilTable.Schemes() != nil || nilTable.Items() != nil {
		t.Error("a nil table is not empty")
	}
}

func TestNewTablePanicsOnABadList(t *testing.T) {
	open := func() {}
	for name, items := range map[string][]plugin{
		"duplicate":  {{"file", open}, {"file", open}},
		"empty":      {{"", open}},
		"upper case": {{"S3", open}},
		"incomplete": {{"s3", nil}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewTable did not panic", name)
				}
			}()
			newTable(items...)
		}()
	}
}
