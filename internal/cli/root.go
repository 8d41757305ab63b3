package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Streams are the standard streams a command uses; tests pass buffers.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
	// ErrIsTerminal makes progress render as a live line instead of log lines.
	ErrIsTerminal bool
	// InIsTerminal says a person may answer on In: restore then asks for confirmation.
	InIsTerminal bool
}

// NewRoot builds the zeebe-backup command tree, whose repositories and hosts are opened by the
// plugins' registries.
func NewRoot(s Streams, p Plugins) *cobra.Command {
	root := &cobra.Command{
		Use:   "zeebe-backup",
		Short: "Cold backups of Zeebe clusters, and their restore",
		Long: `zeebe-backup takes cold (offline) backups of a whole Zeebe cluster and restores them:
it stops all brokers at once, proves they are down, archives every data folder with its
hard and symbolic links plus its configuration, and starts the brokers again.

` + exitCodesHelp + "\n\n" + signalsHelp,
		Version:       ToolVersion(),
		Args:          noSubcommand,
		RunE:          func(c *cobra.Command, _ []string) error { return c.Help() },
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Accepted so that "zeebe-backup nope --json" reports the unknown command, as JSON.
	root.Flags().Bool("json", false, "print an error as JSON on standard output")
	_ = root.Flags().MarkHidden("json")
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newBackupCmd(s, p), newListCmd(s, p), newShowCmd(s, p), newRestoreCmd(s, p), newRecoverCmd(s, p), newStatusCmd(s, p), newVerifyCmd(s, p), newDeleteCmd(s, p), newPruneCmd(s, p), newCopyCmd(s, p), newInspectCmd(s), newArchiveCmd(s))
	return root
}

// noSubcommand refuses an unknown command as a usage error (exit 2), with cobra's suggestions.
func noSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usageError{fmt.Errorf("%s; see '%s --help' for the commands", msg, c.CommandPath())}
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
