package analysis

import (
	"errors"
	"fmt"
	"math"
	"strings"

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
	// RepetitionsA and RepetitionsB are how many repetitions each side measured when both were
	// repeated: the ratios are then of medians and judged by their 95 % intervals (see
	// repeatedRatio); 0 when the per-second rule was used.
	RepetitionsA, RepetitionsB int
}

// Comparison is two runs side by side.
type Comparison struct {
	A, B        string // run descriptions (profile, run id, folder)
	Points      []ComparedPoint
	Regressions int // points with at least one significant regression
	// WorkloadDiffs says how the workloads of the matched points differ (message size, rate,
	// partitions ..., anything but the swept reliability settings), each with the points it
	// applies to; empty when the runs measured the same workload.
	WorkloadDiffs []WorkloadDiff
	// CrossWorkload is set by the caller that accepted differing workloads (compare
	// --cross-workload): its text (plots.WriteComparison) then labels the whole comparison as one.
	CrossWorkload bool
	idsA, idsB    []string // point ids of each run, for the "nothing comparable" message
}

// WorkloadDiff is one difference between the workloads of the two runs, e.g. "message.size
// 1024 B vs 10240 B", and the matched points it was seen at.
type WorkloadDiff struct {
	What   string
	Points []string
}

// Errors of Comparison.Check: compare exits 2 with either, naming what is wrong.
var (
	ErrNothingComparable  = errors.New("nothing comparable")
	ErrDifferentWorkloads = errors.New("the runs measured different workloads")
)

// Check says whether the comparison means anything: at least one point must be measured
// (status ok) in both runs, and the runs must have measured the same workload unless
// crossWorkload accepts the difference. The error names the point ids of each run, or each
// difference of the workloads.
func (c Comparison) Check(crossWorkload bool) error {
	compared := 0
	var notBoth []string
	for _, p := range c.Points {
		switch {
		case p.Compared:
			compared++
		case p.StatusA != "missing" && p.StatusB != "missing":
			notBoth = append(notBoth, fmt.Sprintf("%s (A %s, B %s)", p.ID, p.StatusA, p.StatusB))
		}
	}
	if compared == 0 {
		msg := fmt.Sprintf("no point is measured (status ok) in both runs; A has %s; B has %s",
			listOr(c.idsA), listOr(c.idsB))
		if len(notBoth) > 0 {
			msg += "; in both but not ok in both: " + strings.Join(notBoth, ", ")
		}
		if len(c.WorkloadDiffs) > 0 {
			msg += "; the workloads differ too: " + c.DescribeDiffs()
		}
		return fmt.Errorf("%w: %s", ErrNothingComparable, msg)
	}
	if len(c.WorkloadDiffs) > 0 && !crossWorkload {
		return fmt.Errorf("%w (%s): their numbers are not comparable; give --cross-workload to compare them anyway, labelled as a cross-workload comparison",
			ErrDifferentWorkloads, c.DescribeDiffs())
	}
	return nil
}

// DescribeDiffs joins the workload differences, each with its points when not all share it.
func (c Comparison) DescribeDiffs() string {
	var parts []string
	for _, d := range c.WorkloadDiffs {
		parts = append(parts, fmt.Sprintf("%s at %s", d.What, strings.Join(d.Points, ", ")))
	}
	return strings.Join(parts, "; ")
}

func listOr(ids []string) string {
	if len(ids) == 0 {
		return "no points"
	}
	return strings.Join(ids, ", ")
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
	pa, pb := Points(a), Points(b)
	byID := map[string]Point{}
	for _, p := range pb {
		byID[p.ID] = p
	}
	seen := map[string]bool{}
	anyPair := false
	add := func(x, y *Point) {
		cp := ComparedPoint{StatusA: "missing", StatusB: "missing"}
		if x != nil {
			cp.ID, cp.Level, cp.StatusA = x.ID, x.Level, string(x.Status)
		}
		if y != nil {
			cp.ID, cp.StatusB = y.ID, string(y.Status)
			if cp.Level == "" {
				cp.Level = y.Level
			}
		}
		if x != nil && y != nil && x.Result != nil && y.Result != nil {
			anyPair = true
			c.addWorkloadDiffs(cp.ID, workloadDiff(x.Result.Point, y.Result.Point))
		}
		if x != nil && y != nil && x.Result != nil && y.Result != nil &&
			x.Status == stats.StatusOK && y.Status == stats.StatusOK {
			cp.Compared = true
			ra, rb := x.Result, y.Result
			tA, _ := relativeSE(series(ra, func(s stats.Second) float64 { return s.AckedPerSecond }))
			tB, _ := relativeSE(series(rb, func(s stats.Second) float64 { return s.AckedPerSecond }))
			lA, _ := relativeSE(series(ra, func(s stats.Second) float64 { return s.ProduceP99Ms }))
			lB, _ := relativeSE(series(rb, func(s stats.Second) float64 { return s.ProduceP99Ms }))
			cp.Throughput = ratio(ra.Metrics.Acked.RecordsPerSecond, rb.Metrics.Acked.RecordsPerSecond, tA, tB, ThroughputFloor, false)
			cp.P50 = ratio(ra.Metrics.ProduceLatency.P50Ms, rb.Metrics.ProduceLatency.P50Ms, lA, lB, LatencyFloor, true)
			cp.P99 = ratio(ra.Metrics.ProduceLatency.P99Ms, rb.Metrics.ProduceLatency.P99Ms, lA, lB, LatencyFloor, true)
			compareRepetitions(&cp, *x, *y)
			if cp.Throughput.Worse || cp.P50.Worse || cp.P99.Worse {
				c.Regressions++
			}
		}
		c.Points = append(c.Points, cp)
	}
	for _, p := range pa {
		c.idsA = append(c.idsA, p.ID)
	}
	for _, p := range pb {
		c.idsB = append(c.idsB, p.ID)
	}
	for i := range pa {
		x := pa[i]
		seen[x.ID] = true
		if y, ok := byID[x.ID]; ok {
			add(&x, &y)
		} else {
			add(&x, nil)
		}
	}
	for i := range pb {
		if !seen[pb[i].ID] {
			y := pb[i]
			add(nil, &y)
		}
	}
	if len(c.WorkloadDiffs) == 0 && !anyPair {
		// No point in both: say whether the runs' workloads differ too, from a point of each.
		if ra, rb := firstResult(pa), firstResult(pb); ra != nil && rb != nil {
			c.addWorkloadDiffs(ra.Point.ID+" (A) and "+rb.Point.ID+" (B)", workloadDiff(ra.Point, rb.Point))
		}
	}
	return c
}

// firstResult is the first point of ps with a result.
func firstResult(ps []Point) *stats.Result {
	for _, p := range ps {
		if p.Result != nil {
			return p.Result
		}
	}
	return nil
}

// addWorkloadDiffs records the workload differences seen at point id.
func (c *Comparison) addWorkloadDiffs(id string, diffs []string) {
next:
	for _, d := range diffs {
		for i := range c.WorkloadDiffs {
			if c.WorkloadDiffs[i].What == d {
				c.WorkloadDiffs[i].Points = append(c.WorkloadDiffs[i].Points, id)
				continue next
			}
		}
		c.WorkloadDiffs = append(c.WorkloadDiffs, WorkloadDiff{What: d, Points: []string{id}})
	}
}

func describeRun(r *stats.Run) string {
	return fmt.Sprintf("%s (profile %s, run %s)", r.Dir, firstNonEmpty(r.Index.Profile, "unnamed"), firstNonEmpty(r.Index.RunID, "without id"))
}
