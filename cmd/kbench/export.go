package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/stats"
)

// exportOptions is what `kbench export` needs.
type exportOptions struct {
	In     string // results folder of one run
	Format string // only "omb" so far
	Out    string // folder for one file per point; "" writes one JSON array to stdout
}

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "convert a run's results to another tool's format",
		UsageText: "kbench export --in RESULTS_DIR --format omb [--out DIR]",
		Description: "--format omb writes OpenMessaging Benchmark TestResult JSON, one file per measured point\n" +
			"in --out (what OMB's bin/create_charts.py reads: `create_charts.py DIR/*.json`), or one JSON\n" +
			"array on stdout without --out. Every field of OMB's TestResult is written; per-interval\n" +
			"arrays have one entry per 10 s, OMB's period (percentiles from the merged per-second\n" +
			"histograms, rates over the window). Publish latency is kbench's produce latency, from the\n" +
			"scheduled send; publish delay (µs, as OMB) is the scheduled-to-actual send lag.\n" +
			"Failed points are skipped and listed on stderr; so are points with a damaged file (result,\n" +
			"histogram or interval log), named with what is wrong: the rest is exported and export exits 2.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Usage: "results folder of a run (holds index.json)", Required: true},
			&cli.StringFlag{Name: "format", Usage: "output format: omb", Value: "omb"},
			&cli.StringFlag{Name: "out", Usage: "output folder (one file per point); stdout when empty"},
		},
		Action: func(c *cli.Context) error {
			return runExport(exportOptions{
				In:     c.String("in"),
				Format: c.String("format"),
				Out:    c.String("out"),
			}, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// runExport reads the run in opts.In and writes it in opts.Format.
func runExport(opts exportOptions, stdout, stderr io.Writer) error {
	if opts.Format != "omb" {
		return withCode(exitBadInput, fmt.Errorf("export: unknown format %q (known: omb)", opts.Format))
	}
	run, err := stats.ReadRun(opts.In)
	if err != nil {
		return withCode(exitBadInput, fmt.Errorf("export: %w", err))
	}
	for _, p := range run.Points {
		if p.Result != nil && p.Result.Status == stats.StatusFailed {
			fmt.Fprintf(stderr, "skipped point %s: failed: %s\n", p.Entry.ID, p.Result.Error)
		}
	}
	damage := reportDamage("export", stderr, run) // the points with damaged files are skipped
	for _, n := range stats.OMBNotes(run) {
		fmt.Fprintln(stderr, "note:", n)
	}
	if opts.Out == "" {
		err = stats.ExportOMB(run, stdout)
	} else {
		var paths []string
		paths, err = stats.ExportOMBFiles(run, opts.Out)
		for _, p := range paths {
			fmt.Fprintln(stderr, "wrote", p)
		}
	}
	switch {
	case err != nil && errors.Is(err, stats.ErrDamaged):
		return withCode(exitBadInput, err)
	case err != nil:
		return err
	}
	return damage
}
