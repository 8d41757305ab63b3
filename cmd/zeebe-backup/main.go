// Command zeebe-backup takes cold backups of Zeebe clusters and restores them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, ttyErr := unix.IoctlGetTermios(int(os.Stderr.Fd()), unix.TCGETS)
	root := cli.NewRoot(cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, ErrIsTerminal: ttyErr == nil})
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zeebe-backup:", err)
	}
	return cli.ExitCode(err)
}
