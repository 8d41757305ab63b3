// Command zeebe-backup takes cold backups of Zeebe clusters and restores them.
package main

import (
	"context"
	"os"

	"golang.org/x/sys/unix"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
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
	// The storage backends and host kinds of this build: one line each (README, "Development").
	plugins := cli.Plugins{
		Stores: storage.NewRegistry(local.Backend(), s3.Backend()),
		Hosts:  broker.NewRegistry(broker.LocalKind()),
	}
	return cli.Execute(ctx, s, os.Args[1:], plugins)
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
