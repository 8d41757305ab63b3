package cli

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// Main runs zeebe-backup as this process, with its arguments and standard streams, and returns
// the exit status for os.Exit. A closed standard output or error, or a signal, never kills a
// run between the stop and the start of the brokers: see NotifySignals.
func Main(p Plugins) int {
	stdout, stderr := NewOutputStream(os.Stdout), NewOutputStream(os.Stderr)
	ctx, stop := NotifySignals(context.Background(), stderr)
	defer stop()
	s := Streams{In: os.Stdin, Out: stdout, Err: stderr, ErrIsTerminal: isTerminal(os.Stderr), InIsTerminal: isTerminal(os.Stdin)}
	return Execute(ctx, s, os.Args[1:], p)
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
