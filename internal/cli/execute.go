package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/redact"
)

// Execute runs zeebe-backup with args, opening repositories and hosts with the plugins main
// chose, and returns the exit status (see ExitCode). An error is
// reported on standard error; with --json it is also printed on standard output as the error
// object of docs/json-output.md, unless the command already printed its result there (verify
// of a damaged backup, status of a degraded cluster: the result says what is wrong).
func Execute(ctx context.Context, s Streams, args []string, p Plugins) int {
	out := &countingWriter{w: s.Out}
	s.Out = out
	root := NewRoot(s, p)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitCode(err)
	msg := redact.Text(errorMessage(ctx, err))
	fmt.Fprintln(s.Err, "zeebe-backup:", msg)
	if wantsJSON(cmd, args) && out.n.Load() == 0 {
		_ = printJSON(out, errorOutput{Error: errorBody{Code: code, Message: msg}})
	}
	return code
}

// errorMessage is what the user reads of err: an interruption says so, not "context canceled".
func errorMessage(ctx context.Context, err error) string {
	msg := err.Error()
	if !errors.Is(err, context.Canceled) {
		return msg
	}
	head := "interrupted"
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		if cs := c.Error(); strings.Contains(cs, "interrupted") {
			head = cs
		} else {
			head += " (" + cs + ")"
		}
	}
	msg = interruptedText(msg)
	if msg == "interrupted" {
		return head
	}
	return head + ": " + msg
}

// interruptedText says "interrupted" where a message says that the run's context was cancelled:
// only a signal cancels it.
func interruptedText(msg string) string {
	return strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
}

// wantsJSON says whether the command line asked for --json, also when its flags did not parse.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd != nil {
		if f := cmd.Flags().Lookup("json"); f != nil && f.Changed {
			return f.Value.String() == "true"
		}
	}
	return slices.Contains(args, "--json") || slices.Contains(args, "--json=true")
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
