package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
)

type archiveExtractOptions struct {
	output
	strip         int
	noSameOwner   bool
	externalLinks bool
	sourceRoot    string
}

func newArchiveExtractCmd(s Streams) *cobra.Command {
	var o archiveExtractOptions
	c := &cobra.Command{
		Use:   "extract [flags] ARCHIVE DIR",
		Short: "Extract ARCHIVE (- for standard input) into DIR, which must be empty or absent",
		Example: `  # Restore one broker's data folder by hand (the broker must be stopped)
  zeebe-backup archive extract zeebe-broker-0-data.tar.zst /usr/local/zeebe/data.new

  # An archive made by hand with "tar caf broker-0.tar.gz data/": drop the "data/" folder
  zeebe-backup archive extract --strip-components 1 broker-0.tar.gz /usr/local/zeebe/data.new`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runArchiveExtract(cmd.Context(), s, o, args[0], args[1])
		},
	}
	c.Flags().IntVar(&o.strip, "strip-components", 0, "drop this many leading folders from every name")
	c.Flags().BoolVar(&o.noSameOwner, "no-same-owner", false, "as root, do not restore the archived owners")
	c.Flags().BoolVar(&o.externalLinks, "allow-external-symlinks", false, "accept symbolic links that point outside DIR (created, never followed)")
	c.Flags().StringVar(&o.sourceRoot, "source-root", "", "the folder the archive was taken from: absolute links below it count as inside")
	o.output.register(c, "print the summary, with every entry and its digest, as JSON")
	return c
}

func runArchiveExtract(ctx context.Context, s Streams, o archiveExtractOptions, src, dir string) error {
	if o.strip < 0 {
		return usageError{fmt.Errorf("--strip-components %d: give 0 or more leading folders to drop", o.strip)}
	}
	in := s.In
	if src != "-" {
		f, err := os.Open(src)
		if err != nil {
			return usageError{fmt.Errorf("open archive: %w", err)}
		}
		defer f.Close()
		in = f
	}
	ren := newRenderer(s, o.output)
	start := time.Now()
	sum, err := archive.Extract(ctx, in, dir, archive.ExtractOptions{
		StripComponents:       o.strip,
		NoSameOwner:           o.noSameOwner,
		SourceRoot:            o.sourceRoot,
		AllowExternalSymlinks: o.externalLinks,
		Progress:              ren.archiveProgress(src, "extract"),
	})
	ren.done()
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(s.Out, sum)
	}
	if !o.quiet {
		fmt.Fprintf(s.Err, "extracted %s (%s) into %s: %d files, %d folders, %d symbolic links, %d hard links, %s in %s\n",
			src, sum.Compression, dir, sum.Files, sum.Dirs, sum.Symlinks, sum.HardLinks, humanBytes(sum.Bytes), time.Since(start).Round(time.Millisecond))
	}
	return nil
}
