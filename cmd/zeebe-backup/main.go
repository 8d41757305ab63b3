// Command zeebe-backup takes cold backups of Zeebe clusters and restores them.
package main

import (
	"context"
	"fmt"
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
	_, ttyErr := unix.IoctlGetTermios(int(os.Stderr.Fd()), unix.TCGETS)
	root := cli.NewRoot(cli.Streams{In: os.Stdin, Out: stdout, Err: stderr, ErrIsTerminal: ttyErr == nil})
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "zeebe-backup:", err)
	}
	return cli.ExitCode(err)
}
