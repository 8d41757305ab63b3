package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeebe-backup/zeebe-backup/internal/archive"
	"github.com/zeebe-backup/zeebe-backup/internal/atomicfile"
)

type archiveCreateOptions struct {
	output
	compression string
	level       int
}

func newArchiveCreateCmd(s Streams) *cobra.Command {
	var o archiveCreateOptions
	c := &cobra.Command{
		Use:   "create [flags] DIR ARCHIVE",
		Short: "Archive a folder into ARCHIVE (- for standard output)",
		Example: `  # Archive a stopped broker's data folder; zstd, from the name
  zeebe-backup archive create /usr/local/zeebe/data /backups/zeebe-broker-0-data.tar.zst

  # gzip, written in parallel, readable by plain gzip -d and tar
  zeebe-backup archive create /usr/local/zeebe/data broker-0.tar.gz

  # To standard output, e.g. through ssh
  zeebe-backup archive create --compression zstd /usr/local/zeebe/data - | ssh backup-host 'cat > b0.tar.zst'`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runArchiveCreate(cmd.Context(), s, o, args[0], args[1])
		},
	}
	c.Flags().StringVar(&o.compression, "compression", "", "zstd, gzip or none (default: from ARCHIVE's name, zstd for -)")
	c.Flags().IntVar(&o.level, "level", 0, "compression level (zstd 1-22, gzip 1-9; default: the fastest)")
	o.output.register(c, "print the summary, with every entry and its digest, as JSON")
	return c
}

func runArchiveCreate(ctx context.Context, s Streams, o archiveCreateOptions, dir, dest string) error {
	comp, err := chooseCompression(o.compression, dest)
	if err != nil {
		return err
	}
	if err := checkLevel(comp, o.level); err != nil {
		return err
	}
	if dest != "-" {
		if err := checkOutside(dir, dest); err != nil {
			return err
		}
	}
	ren := newRenderer(s, o.output)
	opts := archive.WriteOptions{Compression: comp, Level: o.level, Progress: ren.archiveProgress(dir, "archive")}
	start := time.Now()
	var sum *archive.Summary
	if dest == "-" {
		sum, err = archive.Write(ctx, s.Out, dir, opts)
	} else {
		// The final name never holds a partial archive.
		err = atomicfile.Write(dest, func(f *os.File) error {
			var werr error
			sum, werr = archive.Write(ctx, f, dir, opts)
			return werr
		})
	}
	ren.done()
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(s.Out, sum)
	}
	if !o.quiet {
		fmt.Fprintf(s.Err, "archived %s: %d files, %d folders, %d symbolic links, %d hard links, %s in %s (%s/s) -> %s, %s, sha256 %s\n",
			dir, sum.Files, sum.Dirs, sum.Symlinks, sum.HardLinks, humanBytes(sum.Bytes), time.Since(start).Round(time.Millisecond),
			humanBytes(int64(float64(sum.Bytes)/time.Since(start).Seconds())), dest, humanBytes(sum.Size), sum.SHA256)
	}
	return nil
}

// checkLevel refuses a compression level the compression does not have.
func checkLevel(c archive.Compression, level int) error {
	max := map[archive.Compression]int{archive.Zstd: 22, archive.Gzip: 9}[c]
	switch {
	case level == 0:
		return nil
	case max == 0:
		return usageError{fmt.Errorf("--level %d: %s archives have no compression level; leave --level out", level, c)}
	case level < 1 || level > max:
		return usageError{fmt.Errorf("--level %d: %s levels run from 1 to %d", level, c, max)}
	}
	return nil
}

// checkOutside refuses an archive written into the folder it archives: it would hold a part of
// itself, and the walk would see the folder change.
func checkOutside(dir, dest string) error {
	absDir, err1 := filepath.Abs(dir)
	absDest, err2 := filepath.Abs(dest)
	if err := errors.Join(err1, err2); err != nil {
		return usageError{err}
	}
	if real, err := filepath.EvalSymlinks(absDir); err == nil {
		absDir = real
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(absDest)); err == nil {
		absDest = filepath.Join(real, filepath.Base(absDest))
	}
	if rel, err := filepath.Rel(absDir, absDest); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return usageError{fmt.Errorf("archive %s is inside the folder %s it would archive; write it elsewhere", dest, dir)}
	}
	return nil
}

func chooseCompression(flag, dest string) (archive.Compression, error) {
	if flag != "" {
		c, err := archive.ParseCompression(flag)
		if err != nil {
			return "", usageError{fmt.Errorf("--compression: %w", err)}
		}
		return c, nil
	}
	if dest == "-" {
		return archive.Zstd, nil
	}
	c, err := archive.CompressionForName(dest)
	if err != nil {
		return "", usageError{fmt.Errorf("%w, or set --compression", err)}
	}
	return c, nil
}
