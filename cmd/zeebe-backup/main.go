// Command zeebe-backup takes cold backups of Zeebe clusters and restores them.
package main

import (
	"os"

	"github.com/zeebe-backup/zeebe-backup/internal/cli"
	"github.com/zeebe-backup/zeebe-backup/internal/plugins"
)

func main() {
	// The storage backends and host kinds of this build are listed in internal/plugins.
	os.Exit(cli.Main(plugins.All()))
}
