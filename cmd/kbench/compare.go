package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/plots"
	"github.com/kbench/kbench/stats"
)

// exitRegression is compare's exit status when B is significantly worse than A at some point.
const exitRegression = 5

// compareOptions is what `kbench compare` needs.
type compareOptions struct {
	A, B          string // results folders; A is the reference
	CrossWorkload bool   // compare runs whose workloads differ, labelled as such
}

func compareCommand() *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "compare two runs point by point and say whether B regressed",
		UsageText: "kbench compare [--cross-workload] RESULTS_A RESULTS_B",
		Description: "Points are matched by id. For each point complete in both runs it prints acknowledged msgs/s\n" +
			"and produce p50/p99 of A and B and the ratio B/A. A ratio is significant (*) when |B/A - 1|\n" +
			"exceeds both twice the combined relative standard error of the two runs' per-second series\n" +
			"(acknowledged rate for throughput, produce p99 for latency: RSE = sd / (mean * sqrt(n)), combined\n" +
			"= sqrt(RSE_A^2 + RSE_B^2)) and a floor of 3 % for throughput and 10 % for latency (per-second\n" +
			"rows are correlated, and separate runs vary more than one run's seconds). Significant and worse\n" +
			"in B (less throughput, more latency) is marked ! and is a regression.\n\n" +
			"Both runs must have measured the same workload (message size, partitions, replication factor,\n" +
			"rate, duration, producers, consumers ...: everything but the swept reliability settings, as\n" +
			"recorded in the result files) and at least one point must be ok in both; otherwise compare\n" +
			"says what differs, or which points each run has, and exits 2. --cross-workload compares\n" +
			"differing workloads anyway and labels the output as a cross-workload comparison.\n\n" +
			"Exit status: 0 no significant regression, 1 error, 2 bad input (unreadable folder, damaged\n" +
			"file, nothing comparable, different workloads), 5 a significant regression at one or more points.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "cross-workload", Usage: "compare runs whose workloads differ (the output says so)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return withCode(exitBadInput, fmt.Errorf("compare: want two results folders, got %d arguments", c.NArg()))
			}
			return runCompare(compareOptions{A: c.Args().Get(0), B: c.Args().Get(1), CrossWorkload: c.Bool("cross-workload")}, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// runCompare reads both runs, writes the comparison, and returns an exitRegression error when B
// regressed.
func runCompare(opts compareOptions, stdout, stderr io.Writer) error {
	a, err := stats.ReadRun(opts.A)
	if err != nil {
		return withCode(exitBadInput, fmt.Errorf("compare: %w", err))
	}
	b, err := stats.ReadRun(opts.B)
	if err != nil {
		return withCode(exitBadInput, fmt.Errorf("compare: %w", err))
	}
	damage := reportDamage("compare", stderr, a, b) // damaged points are compared as missing
	c := analysis.Compare(a, b)
	if err := c.Check(opts.CrossWorkload); err != nil {
		return withCode(exitBadInput, fmt.Errorf("compare %s %s: %w", opts.A, opts.B, err))
	}
	c.CrossWorkload = opts.CrossWorkload
	if err := plots.WriteComparison(stdout, c); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	if damage != nil {
		return damage // incomplete input outranks the verdict, which is printed above
	}
	if c.Regressions > 0 {
		return withCode(exitRegression, fmt.Errorf("compare: significant regression at %d point(s)", c.Regressions))
	}
	return nil
}
