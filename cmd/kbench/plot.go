package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/kbench/kbench/plots"
	"github.com/kbench/kbench/stats"
)

// plotOptions is what `kbench plot` needs.
type plotOptions struct {
	In   string // results folder of one run
	Out  string // folder for the chart files; "" means <In>/plots
	Cost string // results folder of a flush-sweep run (--cost-from; "" none)
}

func plotCommand() *cli.Command {
	return &cli.Command{
		Name:      "plot",
		Usage:     "draw a run's charts (PNG and SVG) from its result files",
		UsageText: "kbench plot --in RESULTS_DIR [--out DIR]",
		Description: "Draws, from the result files alone (any old run can be re-plotted):\n" +
			"  throughput            acknowledged MB/s and msgs/s by reliability level\n" +
			"  latency               produce and end-to-end p50/p99/p99.9/max by level (acks=0: enqueue-to-socket)\n" +
			"  tradeoff              throughput against produce p99, Pareto-efficient points joined\n" +
			"  percentiles-produce   HDR percentile distribution (0 to 99.999 %), one line per point\n" +
			"  percentiles-end-to-end\n" +
			"  sweep-<setting>       throughput and latency against the one numeric setting a sweep varies\n" +
			"  timeline-<point id>   per-second throughput and p99 of each point\n" +
			"  power-loss            records and unsynced bytes lost per power loss, by level (runs with power losses)\n" +
			"  power-loss-tradeoff   throughput cost (--cost-from a flush-sweep run) against records lost per all-broker power loss\n" +
			"Each as .png (16 cm wide at 200 dpi) and .svg. Failed and missing points are left out and\n" +
			"named in the captions; incomplete points are drawn faded or dashed. Damaged files (a truncated\n" +
			"result file, a histogram that does not decode) are named on stderr, everything else is drawn,\n" +
			"and plot exits 2.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Usage: "results folder of a run (holds index.json)", Required: true},
			&cli.StringFlag{Name: "out", Usage: "folder for the charts (default: RESULTS_DIR/plots)"},
			costFromFlag,
		},
		Action: func(c *cli.Context) error {
			return runPlot(plotOptions{In: c.String("in"), Out: c.String("out"), Cost: c.String("cost-from")}, c.App.Writer, c.App.ErrWriter)
		},
	}
}

// runPlot reads the run in opts.In and draws its charts into opts.Out.
func runPlot(opts plotOptions, stdout, stderr io.Writer) error {
	run, err := stats.ReadRun(opts.In)
	if err != nil {
		return withCode(exitBadInput, fmt.Errorf("plot: %w", err))
	}
	cost, err := readCostRun("plot", opts.Cost)
	if err != nil {
		return err
	}
	out := opts.Out
	if out == "" {
		out = filepath.Join(opts.In, "plots")
	}
	paths, err := plots.DrawAllWithCost(run, cost, out)
	for _, p := range paths {
		fmt.Fprintln(stdout, "wrote", p)
	}
	damage := reportDamage("plot", stderr, run)
	if err != nil {
		if damage != nil {
			return withCode(exitBadInput, fmt.Errorf("plot: %w", err))
		}
		return fmt.Errorf("plot: %w", err)
	}
	return damage
}
