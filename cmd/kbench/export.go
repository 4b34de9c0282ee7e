package main

import (
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
			"in --out (what OMB's generate_charts.py reads), or one JSON array on stdout without --out.\n" +
			"Failed and unreadable points are skipped and listed on stderr.",
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
		switch {
		case p.Result == nil:
			fmt.Fprintf(stderr, "skipped point %s: %v\n", p.Entry.ID, p.Err)
		case p.Result.Status == stats.StatusFailed:
			fmt.Fprintf(stderr, "skipped point %s: failed: %s\n", p.Entry.ID, p.Result.Error)
		}
	}
	if opts.Out == "" {
		return stats.ExportOMB(run, stdout)
	}
	paths, err := stats.ExportOMBFiles(run, opts.Out)
	for _, p := range paths {
		fmt.Fprintln(stderr, "wrote", p)
	}
	return err
}
