package archive

import "testing"

func TestOutsideLinks(t *testing.T) {
	sym := func(p, target string) Entry { return Entry{Path: p, Type: TypeSymlink, Link: target} }
	dir := func(p string) Entry { return Entry{Path: p, Type: TypeDir} }
	for _, c := range []struct {
		name    string
		entries []Entry
		root    string
		want    []string // paths of the outside links
	}{
		{"relative inside", []Entry{dir("a"), sym("a/l", "../b")}, "/data", nil},
		{"relative climbing out", []Entry{dir("a"), sym("a/l", "../../etc")}, "/data", []string{"a/l"}},
		{"absolute inside the root", []Entry{sym("l", "/data/a/b")}, "/data", nil},
		{"absolute outside the root", []Entry{sym("l", "/mnt/runtime")}, "/data", []string{"l"}},
		{"absolute with the root unknown", []Entry{sym("l", "/data/a")}, "", []string{"l"}},
		{"chain out", []Entry{dir("a"), sym("a/y", "../b"), sym("a/x", "y/../..")}, "/data", []string{"a/x"}},
		{"chain through an absolute link inside", []Entry{dir("a"), sym("a/y", "/data/a"), sym("x", "a/y/../b")}, "/data", nil},
		{"chain through an absolute link outside", []Entry{sym("y", "/etc"), sym("x", "y/passwd")}, "/data", []string{"y", "x"}},
		{"loop", []Entry{sym("a", "b"), sym("b", "a")}, "/data", []string{"a", "b"}},
		{"dangling", []Entry{sym("a", "missing/x")}, "/data", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, o := range OutsideLinks(c.entries, c.root) {
				if o.Reason == "" {
					t.Errorf("%s: no reason", o.Path)
				}
				got = append(got, o.Path)
			}
			if len(got) != len(c.want) {
				t.Fatalf("outside links %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("outside links %v, want %v", got, c.want)
				}
			}
		})
	}
}
