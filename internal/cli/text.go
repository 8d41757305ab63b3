package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/zeebe-backup/zeebe-backup/internal/zeebe"
	"github.com/zeebe-backup/zeebe-backup/internal/zeebe/check"
)

// The plain-text forms that several commands print.

func renderReport(w io.Writer, rep *check.Report) {
	version := "unknown"
	if rep.VersionFound {
		version = rep.Version.String()
	}
	fmt.Fprintf(w, "  zeebe version (records) %s", version)
	if rep.MigratedBy != "" {
		fmt.Fprintf(w, ", state migrated by %s", rep.MigratedBy)
	}
	fmt.Fprintf(w, "; partition group %q; %s\n", rep.Group, humanBytes(rep.Bytes))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PARTITION\tSEGMENTS\tINDEXES\tLAST TERM\tFLUSHED\tCOMMIT\tSNAPSHOT\tPROCESSED")
	for _, p := range rep.Partitions {
		snap, processed := "none", ""
		if p.Snapshot != nil {
			snap, processed = p.Snapshot.ID, fmt.Sprint(p.Snapshot.ProcessedPosition)
		}
		fmt.Fprintf(tw, "  %d\t%d\t%d..%d\t%d\t%s\t%s\t%s\t%s\n", p.ID, len(p.Segments), p.FirstIndex, p.LastIndex, p.LastTerm,
			index(p.FlushedIndex), index(p.CommitIndex), snap, processed)
	}
	tw.Flush()
}

func index(i uint64) string {
	if i == zeebe.NullIndex {
		return "-"
	}
	return fmt.Sprint(i)
}

func renderFindings(w io.Writer, fs []check.Finding) {
	if len(fs) == 0 {
		fmt.Fprintln(w, "  no findings")
		return
	}
	for _, f := range fs {
		fmt.Fprintf(w, "  %-7s %s: %s [%s]\n", strings.ToUpper(string(f.Severity)), f.Where(), f.Message, f.Check)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
