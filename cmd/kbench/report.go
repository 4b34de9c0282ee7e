package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/plots"
	"github.com/kbench/kbench/stats"
)

// reportOptions is what `kbench report` needs.
type reportOptions struct {
	In     string // results folder of one run
	Format string // md or html
	Out    string // report file; "" means <In>/report.<format>; "-" means stdout
	Cost   string // results folder of a flush-sweep run whose throughput is a power-loss run's cost ("" none)
}

// costFromFlag is --cost-from of plot and report.
var costFromFlag = &cli.StringFlag{Name: "cost-from", Usage: "results folder of a flush-sweep run (rate max, no faults): the throughput cost of a power-loss run's flush levels, matched by point id"}

// readCostRun reads the --cost-from run (nil for "").
func readCostRun(cmd, dir string) (*stats.Run, error) {
	if dir == "" {
		return nil, nil
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		return nil, withCode(exitBadInput, fmt.Errorf("%s: --cost-from: %w", cmd, err))
	}
	return run, nil
}

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "write one document about a run: environment, results, audit, charts and a recommendation",
		UsageText: "kbench report --in RESULTS_DIR [--format md|html] [--out FILE|-]",
		Description: "The report holds a summary with the recommendation drawn from the data (the cost of each\n" +
			"reliability level against the least durable acknowledged one, and which level to choose and\n" +
			"why), the environment, the results table, the durability audit per point, a plain list of what\n" +
			"was and was not tested, the points that failed or are incomplete, the charts and the profile.\n" +
			"--format html writes one self-contained file (charts inline as PNG, no external links).\n" +
			"--format md draws the charts into a 'plots' folder next to the report and links them; with\n" +
			"--out - the markdown goes to stdout without charts. Damaged files are named in the report\n" +
			"and on stderr, everything else is reported, and report exits 2.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Usage: "results folder of a run (holds index.json)", Required: true},
			&cli.StringFlag{Name: "format", Usage: "md or html", Value: plots.FormatMarkdown},
			&cli.StringFlag{Name: "out", Usage: "report file, or - for stdout (default: RESULTS_DIR/report.md or .html)"},
			costFromFlag,
		},
		Action: func(c *cli.Context) error {
			return runReport(reportOptions{In: c.String("in"), Format: c.String("format"), Out: c.String("out"), Cost: c.String("cost-from")},
				c.App.Writer, c.App.ErrWriter)
		},
	}
}

// runReport reads the run in opts.In and writes its report.
func runReport(opts reportOptions, stdout, stderr io.Writer) error {
	if opts.Format != plots.FormatMarkdown && opts.Format != plots.FormatHTML {
		return withCode(exitBadInput, fmt.Errorf("report: unknown format %q (known: md, html)", opts.Format))
	}
	run, err := stats.ReadRun(opts.In)
	if err != nil {
		return withCode(exitBadInput, fmt.Errorf("report: %w", err))
	}
	cost, err := readCostRun("report", opts.Cost)
	if err != nil {
		return err
	}
	ro := plots.ReportOptions{Format: opts.Format, CostFrom: cost}
	if opts.Out == "-" {
		ro.NoCharts = opts.Format == plots.FormatMarkdown
		if err := plots.WriteReport(stdout, run, ro); err != nil {
			return err
		}
		return reportDamage("report", stderr, run)
	}
	out := opts.Out
	if out == "" {
		out = filepath.Join(opts.In, "report."+opts.Format)
	}
	if opts.Format == plots.FormatMarkdown {
		ro.ChartDir = "plots"
		paths, err := plots.DrawAllWithCost(run, cost, filepath.Join(filepath.Dir(out), "plots"))
		if err != nil {
			fmt.Fprintln(stderr, "report: no charts:", err)
			ro.NoCharts = true
		}
		for _, p := range paths {
			fmt.Fprintln(stderr, "wrote", p)
		}
	}
	var buf bytes.Buffer
	if err := plots.WriteReport(&buf, run, ro); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := stats.WriteFileAtomic(out, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintln(stdout, "wrote", out)
	return reportDamage("report", stderr, run)
}
