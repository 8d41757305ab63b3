package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/backup"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/recovery"
	"github.com/zeebe-backup/zeebe-backup/internal/repo"
	"github.com/zeebe-backup/zeebe-backup/internal/restore"
	"github.com/zeebe-backup/zeebe-backup/internal/workflow"
)

// The exit codes of zeebe-backup, documented in the root command's help.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInUse       = 3
	ExitUnsafe      = 4
	ExitRefused     = 5
	ExitIncomplete  = 6
	ExitLocked      = 7
	ExitFindings    = 8
	ExitInterrupted = 130
)

const exitCodesHelp = `Exit status:
  0    success
  1    the operation failed after it started; the brokers it stopped were started again
       (the message says what happened and what to do)
  2    bad arguments, flags, cluster file or configuration, an unknown command, or a backup id
       that is not in the repository; nothing was changed
  3    a data folder changed while it was read: a broker is still running on it
  4    an archive was refused as unsafe (it would write outside its folder)
  5    refused by a pre-flight check (a read-only repository included: see restore
       --no-lock) or not confirmed; recover: a lock.json naming paths the tool does not
       derive itself; no broker was stopped, nothing was changed
  6    the backup or restore is done, but the cluster did not fully come back;
       status: a broker is not ready
  7    another run holds the repository lock (or left it, or one that cannot be read: see
       'zeebe-backup recover'); recover: the run holding it is still alive; status: an
       operation is unfinished
  8    the data has errors Zeebe would refuse (inspect, verify; a backup is then not committed)
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT); the brokers it stopped were started
       again first, nothing was committed`

// findingsError marks an inspection or verification that found errors.
type findingsError struct{ n int }

func (e findingsError) Error() string {
	return fmt.Sprintf("%d error-level findings (see above)", e.n)
}

// outcomeError is an outcome whose exit status is code whatever it wraps: a backup or restore
// whose data work is done but whose cluster did not fully come back (ExitIncomplete), the
// verdict of status on a cluster that is not fully up or has an unfinished operation.
type outcomeError struct {
	code int
	err  error
}

func (e outcomeError) Error() string { return e.err.Error() }
func (e outcomeError) Unwrap() error { return e.err }

// incomplete is the outcome of a backup or restore whose data work is done but whose cluster
// did not fully come back.
func incomplete(err error) error { return outcomeError{ExitIncomplete, err} }

// declinedError is a restore or delete the person at the terminal did not confirm.
type declinedError struct{ op, id string }

func (e declinedError) Error() string {
	return fmt.Sprintf("%s of backup %s not confirmed; nothing was stopped or changed (--yes skips the question)", e.op, e.id)
}

// usageError marks errors in what the user gave: arguments, flags, input files.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// ExitCode maps an error returned by a command to the documented exit status.
func ExitCode(err error) int {
	var u usageError
	var out outcomeError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &out):
		return out.code
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, repo.ErrLocked), errors.Is(err, fleet.ErrClusterLocked), errors.Is(err, workflow.ErrHolderAlive):
		return ExitLocked
	case errors.Is(err, backup.ErrFindings), errors.As(err, new(findingsError)):
		return ExitFindings
	case errors.Is(err, repo.ErrNotFound):
		return ExitUsage
	case errors.Is(err, backup.ErrPreflight), errors.Is(err, restore.ErrRefused), errors.Is(err, workflow.ErrNotStarted), errors.Is(err, recovery.ErrRefused), errors.As(err, new(declinedError)):
		return ExitRefused
	case errors.Is(err, archive.ErrInUse):
		return ExitInUse
	case errors.Is(err, archive.ErrUnsafe):
		return ExitUnsafe
	case errors.As(err, &u):
		return ExitUsage
	}
	return ExitFailed
}
