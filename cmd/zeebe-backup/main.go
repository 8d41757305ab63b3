// Command zeebe-backup takes cold backups of Zeebe clusters and restores them.
package main

import (
	"os"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/local"
	"github.com/zeebe-backup/zeebe-backup/internal/storage/s3"
)

func main() {
	// The storage backends and host kinds of this build: one line each (README, "Development").
	// The end-to-end tests' build, internal/e2e/zbtest, lists the same.
	os.Exit(cli.Main(cli.Plugins{
		Stores: storage.NewRegistry(local.Backend(), s3.Backend()),
		Hosts:  broker.NewRegistry(broker.LocalKind()),
	}))
}
