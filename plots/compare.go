package plots

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/kbench/kbench/stats"
)

// Significance floors of Compare (see the package documentation): a difference smaller than
// these is never reported as significant, however steady the runs were.
const (
	ThroughputFloor = 0.03 // 3 % of acknowledged msgs/s
	LatencyFloor    = 0.10 // 10 % of produce p50 or p99
)

// Ratio is B/A of one number of one point, with the threshold that decides whether the
// difference is more than the runs' own variation.
type Ratio struct {
	A, B        float64
	Value       float64 // B/A; NaN when A is 0 or either side is missing
	Threshold   float64 // relative: |Value-1| above it is significant
	Significant bool
	Worse       bool // significant and in the bad direction (less throughput, more latency)
}

// ComparedPoint is one point id matched in two runs.
type ComparedPoint struct {
	ID         string
	Level      string
	StatusA    string // "ok", "incomplete", "failed", "missing" (not in the run or unreadable)
	StatusB    string
	Throughput Ratio // acknowledged msgs/s
	P50, P99   Ratio // produce latency
	Compared   bool  // both sides complete (status ok): the ratios are meaningful
}

// Comparison is two runs side by side.
type Comparison struct {
	A, B        string // run descriptions (profile, run id, folder)
	Points      []ComparedPoint
	Regressions int // points with at least one significant regression
}

// relativeSE is the relative standard error of the mean of vs (values <= 0 ignored when
// positiveOnly), and the number of values used; 0, n when fewer than 2 values.
func relativeSE(vs []float64) (float64, int) {
	n := len(vs)
	if n < 2 {
		return 0, n
	}
	mean := 0.0
	for _, v := range vs {
		mean += v
	}
	mean /= float64(n)
	if mean == 0 {
		return 0, n
	}
	ss := 0.0
	for _, v := range vs {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	return sd / (math.Abs(mean) * math.Sqrt(float64(n))), n
}

// ratio compares a and b given their relative standard errors; higherIsWorse says which
// direction is a regression.
func ratio(a, b, rseA, rseB, floor float64, higherIsWorse bool) Ratio {
	r := Ratio{A: a, B: b, Value: math.NaN(), Threshold: math.Max(2*math.Hypot(rseA, rseB), floor)}
	if a <= 0 || b < 0 {
		return r
	}
	r.Value = b / a
	r.Significant = math.Abs(r.Value-1) > r.Threshold
	r.Worse = r.Significant && (r.Value > 1) == higherIsWorse
	return r
}

// series extracts a per-second column, leaving out non-positive values (seconds with nothing
// acknowledged have no latency).
func series(r *stats.Result, get func(stats.Second) float64) []float64 {
	var out []float64
	for _, s := range r.Series {
		if v := get(s); v > 0 {
			out = append(out, v)
		}
	}
	return out
}

// Compare matches the points of a and b by id and compares throughput and produce latency of
// the points complete in both. Points only in one run, or not complete in one, are listed
// without ratios. The order is a's level order, then points only in b.
func Compare(a, b *stats.Run) Comparison {
	c := Comparison{A: describeRun(a), B: describeRun(b)}
	pa, pb := points(a), points(b)
	byID := map[string]point{}
	for _, p := range pb {
		byID[p.id] = p
	}
	seen := map[string]bool{}
	add := func(x, y *point) {
		cp := ComparedPoint{StatusA: "missing", StatusB: "missing"}
		if x != nil {
			cp.ID, cp.Level, cp.StatusA = x.id, x.level, string(x.status)
		}
		if y != nil {
			cp.ID, cp.StatusB = y.id, string(y.status)
			if cp.Level == "" {
				cp.Level = y.level
			}
		}
		if x != nil && y != nil && x.res != nil && y.res != nil &&
			x.status == stats.StatusOK && y.status == stats.StatusOK {
			cp.Compared = true
			ra, rb := x.res, y.res
			tA, _ := relativeSE(series(ra, func(s stats.Second) float64 { return s.AckedPerSecond }))
			tB, _ := relativeSE(series(rb, func(s stats.Second) float64 { return s.AckedPerSecond }))
			lA, _ := relativeSE(series(ra, func(s stats.Second) float64 { return s.ProduceP99Ms }))
			lB, _ := relativeSE(series(rb, func(s stats.Second) float64 { return s.ProduceP99Ms }))
			cp.Throughput = ratio(ra.Metrics.Acked.RecordsPerSecond, rb.Metrics.Acked.RecordsPerSecond, tA, tB, ThroughputFloor, false)
			cp.P50 = ratio(ra.Metrics.ProduceLatency.P50Ms, rb.Metrics.ProduceLatency.P50Ms, lA, lB, LatencyFloor, true)
			cp.P99 = ratio(ra.Metrics.ProduceLatency.P99Ms, rb.Metrics.ProduceLatency.P99Ms, lA, lB, LatencyFloor, true)
			if cp.Throughput.Worse || cp.P50.Worse || cp.P99.Worse {
				c.Regressions++
			}
		}
		c.Points = append(c.Points, cp)
	}
	for i := range pa {
		x := pa[i]
		seen[x.id] = true
		if y, ok := byID[x.id]; ok {
			add(&x, &y)
		} else {
			add(&x, nil)
		}
	}
	for i := range pb {
		if !seen[pb[i].id] {
			y := pb[i]
			add(nil, &y)
		}
	}
	return c
}

func describeRun(r *stats.Run) string {
	return fmt.Sprintf("%s (profile %s, run %s)", r.Dir, firstNonEmpty(r.Index.Profile, "unnamed"), firstNonEmpty(r.Index.RunID, "without id"))
}

// fmtRatio prints a ratio as "0.93x" with a mark: "*" significant, "!" significant and worse.
func fmtRatio(r Ratio) string {
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

// WriteText writes the comparison as an aligned table and a verdict line.
func (c Comparison) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "A: %s\nB: %s\n\n", c.A, c.B)
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
			fmtMs(p.P50.A), fmtMs(p.P50.B), fmtRatio(p.P50),
			fmtMs(p.P99.A), fmtMs(p.P99.B), fmtRatio(p.P99), p.P99.Threshold*100)
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
	fmt.Fprintln(w, "\n* significant: the difference exceeds twice the runs' combined per-second standard error and the floor (3 % throughput, 10 % latency); ! significant and worse in B.")
	var regressed []string
	for _, p := range c.Points {
		if p.Throughput.Worse || p.P50.Worse || p.P99.Worse {
			regressed = append(regressed, p.ID)
		}
	}
	if len(regressed) > 0 {
		_, err := fmt.Fprintf(w, "Significant regression in B at %d point(s): %s\n", len(regressed), strings.Join(regressed, ", "))
		return err
	}
	_, err := fmt.Fprintln(w, "No significant regression in B.")
	return err
}
