package limits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
)

// The limits; see the package documentation for why each is what it is.
const (
	MaxYAMLBytes      = 1 << 20
	MaxYAMLDepth      = 64
	MaxYAMLNodes      = 200_000
	MaxYAMLAliasNodes = 10_000

	MaxManifestBytes = 16 << 20
	MaxIndexBytes    = 64 << 20
	MaxLockBytes     = 1 << 20
	MaxJSONDepth     = 64

	MaxHostFileBytes = 16 << 20
)

// ErrExceeded is wrapped by every error that refuses input for a limit.
var ErrExceeded = errors.New("limit exceeded")

// Error says which limit a file exceeded. It carries no part of the input but a line number.
type Error struct {
	What  string // "size", "nesting depth", "nodes", "nodes reached through aliases", ...
	Limit int64
	Unit  string // "bytes", "levels", "nodes"
	Line  int    // 1-based line where it was found (YAML), 0 when unknown
	Fix   string // what to do, "" for the generic advice
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message())
	}
	return e.Message()
}

// Message is Error without the line.
func (e *Error) Message() string {
	fix := e.Fix
	if fix == "" {
		fix = "a real file is far smaller; check that this is the right file"
	}
	return fmt.Sprintf("%s exceeds the limit of %d %s; %s", e.What, e.Limit, e.Unit, fix)
}

// Unwrap makes errors.Is(err, ErrExceeded) hold.
func (e *Error) Unwrap() error { return ErrExceeded }

// ReadAll reads r up to max bytes; more is an *Error, and nothing past max+1 bytes is read.
// what names the content for the message ("manifest"). It stops when ctx is done.
func ReadAll(ctx context.Context, r io.Reader, max int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(ctxio.Reader(ctx, r), max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &Error{What: "the size of the " + what, Limit: max, Unit: "bytes"}
	}
	return b, nil
}

// ReadFile reads the file at path of this machine up to max bytes, as ReadAll does. Its errors
// name path: a failed open is os's error (wrapping fs.ErrNotExist when the file is absent), a
// failed read (a folder's: syscall.EISDIR) or a file over max says "read PATH: ...".
func ReadFile(ctx context.Context, path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadAll(ctx, f, max, what)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// Excerpt is s cut to at most n bytes (at a rune boundary) for a message, saying how much was
// left out: a value read from a file goes into messages only this way.
func Excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d more bytes)", s[:cut], len(s)-cut)
}
