// Command zb-testdata writes test data trees for benchmarks and demos, and compares trees
// exactly. It is a development tool, not part of zeebe-backup.
//
//	zb-testdata mixed [-size 1GiB] [-seed 1] DIR
//	zb-testdata zeebe [-size 1GiB] [-node 0] [-version 8.5.3] DIR   (a real-format data folder)
//	zb-testdata compare DIR1 DIR2
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/zeebe-backup/zeebe-backup/internal/sim/gen"
	"github.com/zeebe-backup/zeebe-backup/internal/testtree"
)

const usage = "usage: zb-testdata mixed [-size 1GiB] [-seed 1] DIR | zb-testdata zeebe [-size 1GiB] [-node 0] [-version 8.5.3] DIR | zb-testdata compare DIR1 DIR2"

func main() {
	if len(os.Args) == 4 && os.Args[1] == "compare" {
		os.Exit(compare(os.Args[2], os.Args[3]))
	}
	if len(os.Args) >= 2 && os.Args[1] == "zeebe" {
		os.Exit(zeebeData(os.Args[2:]))
	}
	if len(os.Args) < 2 || os.Args[1] != "mixed" {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	fl := flag.NewFlagSet("mixed", flag.ExitOnError)
	size := fl.String("size", "1GiB", "about how many bytes to write (KiB, MiB, GiB suffixes)")
	seed := fl.Uint64("seed", 1, "random seed; the same seed gives the same bytes")
	fl.Parse(os.Args[2:])
	if fl.NArg() != 1 {
		fmt.Fprintln(os.Stderr, usage)
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

// compare prints how the tree at b differs from the one at a: contents, types, modes, times,
// link targets, hard-link groups and owners. It exits 1 when they differ.
func compare(a, b string) int {
	sa, err := testtree.Take(a, testtree.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zb-testdata:", err)
		return 2
	}
	sb, err := testtree.Take(b, testtree.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zb-testdata:", err)
		return 2
	}
	if d := testtree.Diff(sa, sb, true); len(d) > 0 {
		fmt.Println(testtree.DiffString(d))
		return 1
	}
	fmt.Printf("identical: %d paths (contents, modes, times, links, hard-link groups, owners)\n", len(sa))
	return 0
}

// zeebeData writes a data folder in Zeebe's format with the simulator's generator.
func zeebeData(args []string) int {
	fl := flag.NewFlagSet("zeebe", flag.ExitOnError)
	size := fl.String("size", "1GiB", "about how many bytes to write")
	node := fl.Int("node", 0, "the broker's node id (of a 3-broker, 3-partition cluster)")
	version := fl.String("version", "8.5.3", "the Zeebe version whose layout to write")
	seed := fl.Uint64("seed", 1, "random seed")
	fl.Parse(args)
	if fl.NArg() != 1 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zb-testdata:", err)
		return 2
	}
	if err := gen.Write(fl.Arg(0), gen.Options{Version: *version, NodeID: *node, Size: n, Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "zb-testdata:", err)
		return 1
	}
	return 0
}
