package cli

import (
	"github.com/spf13/cobra"
)

func newArchiveCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "archive",
		Short: "Archive one folder, or extract one archive, exactly as backups do",
		Long: `The archive engine under backup and restore, for one folder at a time.

Archives are PAX tar streams (zstd, gzip or uncompressed) that keep hard links as links,
symbolic links as links (never followed), modes, nanosecond modification times and owners.
They open with plain GNU tar or bsdtar. Extraction refuses anything that could write outside
its folder, writes files fully allocated, flushes them to disk, and on any error removes what
it wrote.`,
		Args: noSubcommand,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(newArchiveCreateCmd(s), newArchiveExtractCmd(s))
	return c
}
