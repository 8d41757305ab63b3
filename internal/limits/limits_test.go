package limits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/limits/limitstest"
)

func wantLimit(t *testing.T, err error, what string) {
	t.Helper()
	var le *Error
	if !errors.As(err, &le) || !errors.Is(err, ErrExceeded) {
		t.Fatalf("err = %v, want a limit error", err)
	}
	if !strings.Contains(le.What, what) {
		t.Fatalf("limit %q, want %q (%v)", le.What, what, err)
	}
	if len(err.Error()) > 300 {
		t.Fatalf("message of %d bytes: %.300s", len(err.Error()), err)
	}
}

func TestYAMLRefusesAliasBomb(t *testing.T) {
	bomb := limitstest.AliasBomb()
	if len(bomb) > 1000 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	_, err := YAML(context.Background(), []byte(bomb))
	wantLimit(t, err, "aliases")
	if !strings.Contains(err.Error(), "line ") {
		t.Errorf("no line in %v", err)
	}
	// The same file in a merge key ("<<: *x") is counted the same way.
	merges := "a: &a {x: 1, y: 2, z: 3}\n"
	for c := 'b'; c <= 'p'; c++ {
		merges += fmt.Sprintf("%c: &%c {l: *%c, r: *%c}\n", c, c, c-1, c-1)
	}
	merges += "q: {<<: *p}\n"
	_, err = YAML(context.Background(), []byte(merges))
	wantLimit(t, err, "aliases")
}

func TestYAMLAcceptsModestAliases(t *testing.T) {
	src := "defaults: &d {a: 1, b: [x, y], c: {d: e}}\none: {<<: *d, a: 2}\ntwo: *d\nthree: [*d, *d]\n"
	docs, err := YAML(context.Background(), []byte(src))
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %d, err %v", len(docs), err)
	}
}

func TestYAMLRefusesCycle(t *testing.T) {
	for _, src := range []string{"a: &x [*x]\n", "a: &x {b: [1, {c: *x}]}\n", "brokers: &l [*l, *l]\n"} {
		_, err := YAML(context.Background(), []byte(src))
		if !errors.Is(err, ErrAliasCycle) {
			t.Errorf("%q: err = %v, want a cycle", src, err)
		}
	}
}

func TestYAMLRefusesDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	_, err := YAML(context.Background(), []byte(deep))
	wantLimit(t, err, "nesting")

	block := ""
	for i := range 70 {
		block += strings.Repeat("  ", i) + fmt.Sprintf("k%d:\n", i)
	}
	_, err = YAML(context.Background(), []byte(block))
	wantLimit(t, err, "nesting")

	// Shallow as written, deep through aliases.
	chain := "a: &a [[[[[[[[[[1]]]]]]]]]]\n"
	for c := 'b'; c <= 'h'; c++ {
		chain += fmt.Sprintf("%c: &%c [[[[[[[[[[*%c]]]]]]]]]]\n", c, c, c-1)
	}
	_, err = YAML(context.Background(), []byte(chain))
	wantLimit(t, err, "nesting")
}

func TestYAMLRefusesOversizedFile(t *testing.T) {
	// A long value: the message must not echo it.
	big := "password: " + strings.Repeat("s3cr3t", MaxYAMLBytes/6+1) + "\n"
	_, err := YAML(context.Background(), []byte(big))
	wantLimit(t, err, "size")
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatal("the message echoes the value")
	}
	// A small limit bounds what is parsed at all.
	l := DefaultYAML()
	l.Bytes = 64
	_, err = YAMLWithin(context.Background(), []byte("a: "+strings.Repeat("b", 100)), l)
	wantLimit(t, err, "size")
}

func TestYAMLRefusesTooManyNodes(t *testing.T) {
	l := DefaultYAML()
	l.Nodes = 1000
	_, err := YAMLWithin(context.Background(), []byte("["+strings.Repeat("a,", 2000)+"a]"), l)
	wantLimit(t, err, "nodes")
	if _, err := YAMLWithin(context.Background(), []byte("["+strings.Repeat("a,", 500)+"a]"), l); err != nil {
		t.Fatal(err)
	}
}

// cancelAfter cancels its context after n reads and counts the bytes read.
type cancelAfter struct {
	r      io.Reader
	n      int
	read   int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	k, err := c.r.Read(p)
	c.read += k
	return k, err
}

func TestYAMLStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := strings.Repeat("key: value\n", 50_000) // 550 KB
	r := &cancelAfter{r: strings.NewReader(src), n: 1, cancel: cancel}
	_, err := decodeYAML(ctx, r, DefaultYAML())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.read >= len(src)/10 {
		t.Fatalf("read %d of %d bytes after the cancel", r.read, len(src))
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := YAML(ctx2, []byte("a: 1\n")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: err = %v", err)
	}
}

func TestJSONLimits(t *testing.T) {
	var v any
	err := JSON(context.Background(), strings.NewReader(`{"a":"`+strings.Repeat("x", 200)+`"}`), 100, "lock", &v)
	wantLimit(t, err, "size of the lock")
	if strings.Contains(err.Error(), "xxxx") {
		t.Fatal("the message echoes the value")
	}
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	wantLimit(t, JSON(context.Background(), strings.NewReader(deep), 1<<20, "manifest", &v), "nesting depth of the manifest")
	// Brackets inside strings are not nesting.
	if err := JSON(context.Background(), strings.NewReader(`{"a":"`+strings.Repeat("[", 100)+`\"["}`), 1<<20, "manifest", &v); err != nil {
		t.Fatal(err)
	}
	ok := strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)
	if err := JSON(context.Background(), strings.NewReader(ok), 1<<20, "manifest", &v); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := JSON(ctx, strings.NewReader("{}"), 100, "lock", &v); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
}

func TestExcerpt(t *testing.T) {
	if got := Excerpt("short", 10); got != "short" {
		t.Errorf("Excerpt = %q", got)
	}
	if got := Excerpt("abcdéfgh", 5); got != "abcd…(5 more bytes)" {
		t.Errorf("Excerpt = %q", got)
	}
}
