package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// writeRepetitionSummary prints, after the per-repetition table of a run with repetitions, each
// point's figures as median [95 % interval] over its repetitions that measured (status ok).
func writeRepetitionSummary(w io.Writer, results []*stats.Result) {
	var order []string
	reps := map[string][]*stats.Result{}
	for _, r := range results {
		if r == nil || r.Repetition == nil {
			continue
		}
		if _, seen := reps[r.Point.ID]; !seen {
			order = append(order, r.Point.ID)
			reps[r.Point.ID] = nil
		}
		if r.Status == stats.StatusOK {
			reps[r.Point.ID] = append(reps[r.Point.ID], r)
		}
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintln(w, "\nmedian [95 % confidence interval] over each point's repetitions (intervals that overlap: not distinguishable)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "point\tN\tacked msgs/s\tproduce p50 ms\tproduce p99 ms\tlost\t")
	for _, id := range order {
		rs := reps[id]
		cells := []string{id, fmt.Sprint(len(rs))}
		figs := analysis.FiguresOf(rs)
		for _, f := range []struct {
			key    string
			format func(float64) string
		}{{"acked_per_second", analysis.FormatRate}, {"produce_p50_ms", analysis.FormatMs}, {"produce_p99_ms", analysis.FormatMs}, {"lost", analysis.FormatCount}} {
			cell := "-"
			for _, g := range figs {
				if g.Key == f.key {
					cell = analysis.FormatEstimate(g.Estimate, f.format)
				}
			}
			cells = append(cells, cell)
		}
		for _, c := range cells {
			fmt.Fprint(tw, c, "\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}
