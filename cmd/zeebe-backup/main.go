// Command zeebe-backup takes cold backups of Zeebe clusters and restores them.
package main

import (
	"context"
	"os"

	"golang.org/x/sys/unix"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	// A closed standard output or error, or a signal, never kills a run between the stop and
	// the start of the brokers: see cli.NotifySignals.
	stdout, stderr := cli.NewOutputStream(os.Stdout), cli.NewOutputStream(os.Stderr)
	ctx, stop := cli.NotifySignals(context.Background(), stderr)
	defer stop()
	s := cli.Streams{In: os.Stdin, Out: stdout, Err: stderr, ErrIsTerminal: isTerminal(os.Stderr), InIsTerminal: isTerminal(os.Stdin)}
	return cli.Execute(ctx, s, os.Args[1:])
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
