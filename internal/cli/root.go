package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Version is the tool's version, set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// Streams are the standard streams a command uses; tests pass buffers.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
	// ErrIsTerminal makes progress render as a live line instead of log lines.
	ErrIsTerminal bool
}

// NewRoot builds the zeebe-backup command tree.
func NewRoot(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "zeebe-backup",
		Short: "Cold backups of Zeebe clusters, and their restore",
		Long: `zeebe-backup takes cold (offline) backups of a whole Zeebe cluster and restores them:
it stops all brokers at once, proves they are down, archives every data folder with its
hard and symbolic links plus its configuration, and starts the brokers again.

` + exitCodesHelp + "\n\n" + signalsHelp,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newBackupCmd(s), newListCmd(s), newShowCmd(s), newRestoreCmd(s), newRecoverCmd(s), newStatusCmd(s), newVerifyCmd(s), newInspectCmd(s), newArchiveCmd(s))
	return root
}

// exactArgs is cobra.ExactArgs with an error that counts as a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(c, args); err != nil {
			return usageError{fmt.Errorf("%w\nUsage: %s", err, c.UseLine())}
		}
		return nil
	}
}
