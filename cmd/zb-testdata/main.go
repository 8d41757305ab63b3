// Command zb-testdata writes test data trees for benchmarks and demos. It is a development
// tool, not part of zeebe-backup.
//
//	zb-testdata mixed [-size 1GiB] [-seed 1] DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "mixed" {
		fmt.Fprintln(os.Stderr, "usage: zb-testdata mixed [-size 1GiB] [-seed 1] DIR")
		os.Exit(2)
	}
	fl := flag.NewFlagSet("mixed", flag.ExitOnError)
	size := fl.String("size", "1GiB", "about how many bytes to write (KiB, MiB, GiB suffixes)")
	seed := fl.Uint64("seed", 1, "random seed; the same seed gives the same bytes")
	fl.Parse(os.Args[2:])
	if fl.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: zb-testdata mixed [-size 1GiB] [-seed 1] DIR")
		os.Exit(2)
	}
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zb-testdata:", err)
		os.Exit(2)
	}
	if err := testtree.Mixed(fl.Arg(0), n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "zb-testdata:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("-size %q: give a positive number with an optional KiB, MiB or GiB suffix", s)
	}
	return v * mult, nil
}
