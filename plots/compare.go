package plots

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/kbench/kbench/analysis"
)

// fmtRatio prints a ratio as "0.93x" with a mark: "*" significant, "!" significant and worse.
func fmtRatio(r analysis.Ratio) string {
	if math.IsNaN(r.Value) {
		return "-"
	}
	mark := ""
	switch {
	case r.Worse:
		mark = " !"
	case r.Significant:
		mark = " *"
	}
	return fmt.Sprintf("%.3fx%s", r.Value, mark)
}

// WriteComparison writes a comparison (analysis.Compare) as an aligned table and a verdict line.
func WriteComparison(w io.Writer, c analysis.Comparison) error {
	fmt.Fprintf(w, "A: %s\nB: %s\n\n", c.A, c.B)
	if c.CrossWorkload && len(c.WorkloadDiffs) > 0 {
		fmt.Fprintf(w, "CROSS-WORKLOAD COMPARISON (--cross-workload): the runs measured different workloads (%s),\nso every ratio below mixes the workload change with any change of cluster or kbench.\n\n", c.DescribeDiffs())
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "point\tlevel\tA msgs/s\tB msgs/s\tB/A\t(needs)\tA p50 ms\tB p50 ms\tB/A\tA p99 ms\tB p99 ms\tB/A\t(needs)\t")
	var skipped []string
	for _, p := range c.Points {
		if !p.Compared {
			skipped = append(skipped, fmt.Sprintf("%s (%s): A %s, B %s", p.ID, p.Level, p.StatusA, p.StatusB))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%s\t±%.1f%%\t%s\t%s\t%s\t%s\t%s\t%s\t±%.1f%%\t\n",
			p.ID, p.Level, p.Throughput.A, p.Throughput.B, fmtRatio(p.Throughput), p.Throughput.Threshold*100,
			analysis.FormatMs(p.P50.A), analysis.FormatMs(p.P50.B), fmtRatio(p.P50),
			analysis.FormatMs(p.P99.A), analysis.FormatMs(p.P99.B), fmtRatio(p.P99), p.P99.Threshold*100)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	if len(skipped) > 0 {
		fmt.Fprintln(w, "\nNot compared (not complete in both runs):")
		for _, s := range skipped {
			fmt.Fprintln(w, "  "+s)
		}
	}
	repeated := 0
	for _, p := range c.Points {
		if p.Compared && p.RepetitionsA > 0 {
			repeated++
		}
	}
	switch {
	case repeated == 0:
		fmt.Fprintln(w, "\n* significant: the difference exceeds twice the runs' combined per-second standard error and the floor (3 % throughput, 10 % latency); ! significant and worse in B.")
	default:
		fmt.Fprintf(w, "\n%d point(s) were repeated in both runs: their numbers are medians, and * significant means the two 95 %% confidence intervals do not overlap ((needs) is the difference at which they would just touch); a difference inside them is %s. ! significant and worse in B.\n", repeated, analysis.NotDistinguishable)
		if repeated < compared(c) {
			fmt.Fprintln(w, "Points measured once in either run: * significant means the difference exceeds twice the runs' combined per-second standard error and the floor (3 % throughput, 10 % latency).")
		}
	}
	var regressed []string
	for _, p := range c.Points {
		if p.Throughput.Worse || p.P50.Worse || p.P99.Worse {
			regressed = append(regressed, p.ID)
		}
	}
	cross := ""
	if c.CrossWorkload && len(c.WorkloadDiffs) > 0 {
		cross = " (cross-workload comparison: the workloads differ)"
	}
	if len(regressed) > 0 {
		_, err := fmt.Fprintf(w, "Significant regression in B at %d point(s)%s: %s\n", len(regressed), cross, strings.Join(regressed, ", "))
		return err
	}
	_, err := fmt.Fprintf(w, "No significant regression in B%s.\n", cross)
	return err
}

// compared counts the points compared in both runs.
func compared(c analysis.Comparison) int {
	n := 0
	for _, p := range c.Points {
		if p.Compared {
			n++
		}
	}
	return n
}
