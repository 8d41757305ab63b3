package cli

import (
	"context"
	"errors"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

// The exit codes of zeebe-backup, documented in the root command's help.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInUse       = 3
	ExitUnsafe      = 4
	ExitInterrupted = 130
)

const exitCodesHelp = `Exit status:
  0    success
  1    the operation failed (the message says why and what to do)
  2    bad arguments, flags or input files; nothing was changed
  3    a data folder changed while it was read: a broker is still running on it
  4    an archive was refused as unsafe (it would write outside its folder)
  130  interrupted (Ctrl-C or SIGTERM); what was started is cleaned up first`

// usageError marks errors in what the user gave: arguments, flags, input files.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// ExitCode maps an error returned by a command to the documented exit status.
func ExitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, archive.ErrInUse):
		return ExitInUse
	case errors.Is(err, archive.ErrUnsafe):
		return ExitUnsafe
	case errors.As(err, &u):
		return ExitUsage
	}
	return ExitFailed
}
