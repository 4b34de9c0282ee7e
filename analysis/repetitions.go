package analysis

import (
	"fmt"
	"slices"

	"github.com/kbench/kbench/stats"
)

// Figure is one figure of a repeated point: what it is and its estimate across repetitions.
type Figure struct {
	Key  string // stable name, e.g. "acked_per_second", "produce_p99_ms", "lost"
	Name string // what a reader sees, e.g. "produce p99"
	Unit string // "msgs/s", "MB/s", "ms", "records"
	Estimate
}

// figureDef says how to read one figure from a repetition's result; ok false: unknown there.
type figureDef struct {
	key, name, unit string
	get             func(r *stats.Result) (v float64, ok bool)
	present         func(r *stats.Result) bool // nil: always measured
}

func latencyDefs(prefix, name string, sum func(r *stats.Result) stats.LatencySummary) []figureDef {
	has := func(r *stats.Result) bool { return sum(r).Count > 0 }
	def := func(key, label string, f func(stats.LatencySummary) float64) figureDef {
		return figureDef{prefix + "_" + key + "_ms", name + " " + label, "ms",
			func(r *stats.Result) (float64, bool) { return f(sum(r)), true }, has}
	}
	return []figureDef{
		def("p50", "p50", func(s stats.LatencySummary) float64 { return s.P50Ms }),
		def("p95", "p95", func(s stats.LatencySummary) float64 { return s.P95Ms }),
		def("p99", "p99", func(s stats.LatencySummary) float64 { return s.P99Ms }),
		def("p999", "p99.9", func(s stats.LatencySummary) float64 { return s.P999Ms }),
	}
}

func countDef(key, name string, f func(a stats.Audit) int64) figureDef {
	return figureDef{key, name, "records", func(r *stats.Result) (float64, bool) { return float64(f(r.Audit)), true }, nil}
}

// figureDefs are the figures every repeated point reports, in table order.
var figureDefs = slices.Concat(
	[]figureDef{
		{"acked_per_second", "acked", "msgs/s", func(r *stats.Result) (float64, bool) { return r.Metrics.Acked.RecordsPerSecond, true }, nil},
		{"acked_mb_per_second", "acked", "MB/s", func(r *stats.Result) (float64, bool) { return r.Metrics.Acked.MBPerSecond, true }, nil},
	},
	latencyDefs("produce", "produce", func(r *stats.Result) stats.LatencySummary { return r.Metrics.ProduceLatency }),
	latencyDefs("end_to_end", "end-to-end", func(r *stats.Result) stats.LatencySummary { return r.Metrics.EndToEndLatency }),
	[]figureDef{
		{"lost", "lost", "records", func(r *stats.Result) (float64, bool) {
			n, ok := r.Audit.LostCount()
			return float64(n), ok
		}, nil},
		countDef("duplicates", "duplicates", func(a stats.Audit) int64 { return a.Duplicates }),
		countDef("out_of_order", "out of order", func(a stats.Audit) int64 { return a.OutOfOrder }),
		countDef("failed_sends", "failed sends", func(a stats.Audit) int64 { return a.Failed }),
	},
)

// FiguresOf estimates every figure over the repetitions reps (those that measured: status ok).
// A latency figure is left out when no repetition measured it (no consumers: no end-to-end).
// Every figure is a rate, a latency or a count, never negative, so an interval reaching below 0
// (one wild repetition among few) is cut at 0.
func FiguresOf(reps []*stats.Result) []Figure {
	var out []Figure
	for _, d := range figureDefs {
		var vals []float64
		unknown, present := 0, false
		for _, r := range reps {
			if d.present != nil && !d.present(r) {
				unknown++
				continue
			}
			present = true
			if v, ok := d.get(r); ok {
				vals = append(vals, v)
			} else {
				unknown++
			}
		}
		if !present {
			continue
		}
		e := EstimateOf(vals, unknown)
		e.Lo = max(e.Lo, 0) // no figure here is negative: the interval is cut at 0
		out = append(out, Figure{Key: d.key, Name: d.name, Unit: d.unit, Estimate: e})
	}
	return out
}

// Figure is the point's estimate of the figure key across its repetitions; ok false when the
// point was not repeated or does not have that figure.
func (p Point) Figure(key string) (Estimate, bool) {
	for _, f := range p.Figures {
		if f.Key == key {
			return f.Estimate, true
		}
	}
	return Estimate{}, false
}

// Repeated says the point's figures are medians of several repetitions, with intervals.
func (p Point) Repeated() bool { return len(p.Repetitions) > 1 }

// repeatedPoint fills p from its repetitions: the figures, and as p.Result a summary whose
// metrics are the medians of the repetitions that measured (status ok) and whose audit adds up
// every repetition's, so that a loss in any repetition is a loss of the point.
func repeatedPoint(p *Point, reps []*stats.Result, listed int) {
	var ok []*stats.Result
	for _, r := range reps {
		if r.Status == stats.StatusOK && r.Metrics.MeasuredSeconds > 0 {
			ok = append(ok, r)
		}
	}
	p.Repetitions, p.Figures = ok, FiguresOf(ok)
	if len(ok) == 0 {
		return // the first repetition's result and status stand
	}
	p.Result = summaryResult(ok, reps)
	p.Status, p.Reason = stats.StatusOK, ""
	if len(ok) < listed {
		p.Status = stats.StatusIncomplete
		p.Result.Status = stats.StatusIncomplete
		p.Reason = fmt.Sprintf("%d of %d repetitions measured; the figures are of those %d", len(ok), listed, len(ok))
	}
}

// summaryResult is the result the charts and tables show for a repeated point: ok[0]'s point,
// settings and environment, each metric the median of ok's, and the audit summed over all reps.
func summaryResult(ok, all []*stats.Result) *stats.Result {
	s := *ok[0]
	s.Metrics = medianMetrics(ok)
	s.Audit = summedAudit(all)
	s.Repetition = nil
	s.Notes = append(slices.Clone(s.Notes), fmt.Sprintf("figures are the medians of %d repetitions, audit counts their totals", len(ok)))
	return &s
}

// median is the median of f over rs.
func median(rs []*stats.Result, f func(*stats.Result) float64) float64 {
	vals := make([]float64, len(rs))
	for i, r := range rs {
		vals[i] = f(r)
	}
	return EstimateOf(vals, 0).Median
}

func medianThroughput(rs []*stats.Result, f func(*stats.Result) stats.Throughput) stats.Throughput {
	return stats.Throughput{
		Records:          int64(median(rs, func(r *stats.Result) float64 { return float64(f(r).Records) })),
		Bytes:            int64(median(rs, func(r *stats.Result) float64 { return float64(f(r).Bytes) })),
		RecordsPerSecond: median(rs, func(r *stats.Result) float64 { return f(r).RecordsPerSecond }),
		MBPerSecond:      median(rs, func(r *stats.Result) float64 { return f(r).MBPerSecond }),
	}
}

func medianLatency(rs []*stats.Result, f func(*stats.Result) stats.LatencySummary) stats.LatencySummary {
	m := func(g func(stats.LatencySummary) float64) float64 {
		return median(rs, func(r *stats.Result) float64 { return g(f(r)) })
	}
	return stats.LatencySummary{
		Count:    int64(m(func(s stats.LatencySummary) float64 { return float64(s.Count) })),
		MinMs:    m(func(s stats.LatencySummary) float64 { return s.MinMs }),
		MeanMs:   m(func(s stats.LatencySummary) float64 { return s.MeanMs }),
		P50Ms:    m(func(s stats.LatencySummary) float64 { return s.P50Ms }),
		P75Ms:    m(func(s stats.LatencySummary) float64 { return s.P75Ms }),
		P95Ms:    m(func(s stats.LatencySummary) float64 { return s.P95Ms }),
		P99Ms:    m(func(s stats.LatencySummary) float64 { return s.P99Ms }),
		P999Ms:   m(func(s stats.LatencySummary) float64 { return s.P999Ms }),
		P9999Ms:  m(func(s stats.LatencySummary) float64 { return s.P9999Ms }),
		MaxMs:    m(func(s stats.LatencySummary) float64 { return s.MaxMs }),
		Overflow: int64(m(func(s stats.LatencySummary) float64 { return float64(s.Overflow) })),
	}
}

// medianMetrics is each metric's median over rs; flags (consumers behind) are set when any
// repetition's is, counts by error are totals, the end lag the largest.
func medianMetrics(rs []*stats.Result) stats.Metrics {
	m := rs[0].Metrics
	m.MeasuredSeconds = median(rs, func(r *stats.Result) float64 { return r.Metrics.MeasuredSeconds })
	m.Sent = medianThroughput(rs, func(r *stats.Result) stats.Throughput { return r.Metrics.Sent })
	m.Acked = medianThroughput(rs, func(r *stats.Result) stats.Throughput { return r.Metrics.Acked })
	m.Consumed = medianThroughput(rs, func(r *stats.Result) stats.Throughput { return r.Metrics.Consumed })
	m.ProduceLatency = medianLatency(rs, func(r *stats.Result) stats.LatencySummary { return r.Metrics.ProduceLatency })
	m.ProduceLatencyRaw = medianLatency(rs, func(r *stats.Result) stats.LatencySummary { return r.Metrics.ProduceLatencyRaw })
	m.EndToEndLatency = medianLatency(rs, func(r *stats.Result) stats.LatencySummary { return r.Metrics.EndToEndLatency })
	m.FailedByError = nil
	for _, r := range rs {
		for k, v := range r.Metrics.FailedByError {
			if m.FailedByError == nil {
				m.FailedByError = map[string]int64{}
			}
			m.FailedByError[k] += v
		}
		m.ConsumerBehind = m.ConsumerBehind || r.Metrics.ConsumerBehind
		m.ConsumerLagEnd = max(m.ConsumerLagEnd, r.Metrics.ConsumerLagEnd)
	}
	return m
}

// summedAudit adds up the audits of rs: a record lost in any repetition is lost, and the lost
// count is unknown when any repetition's is. The verification read shown is an incomplete one
// when there is one.
func summedAudit(rs []*stats.Result) stats.Audit {
	var a stats.Audit
	lost, known := int64(0), true
	for _, r := range rs {
		x := r.Audit
		a.Sent += x.Sent
		a.Acked += x.Acked
		a.Failed += x.Failed
		a.Indeterminate += x.Indeterminate
		a.Consumed += x.Consumed
		a.Duplicates += x.Duplicates
		a.OutOfOrder += x.OutOfOrder
		a.UnackedConsumed += x.UnackedConsumed
		a.ConsumedNotSent += x.ConsumedNotSent
		a.FailedButConsumed += x.FailedButConsumed
		a.IndeterminateConsumed += x.IndeterminateConsumed
		a.DrainTimedOut = a.DrainTimedOut || x.DrainTimedOut
		a.DrainSeconds += x.DrainSeconds
		a.ReadCPUSeconds += x.ReadCPUSeconds
		a.IdempotenceEnabled = a.IdempotenceEnabled || x.IdempotenceEnabled
		a.DuplicatesDefect = a.DuplicatesDefect || x.DuplicatesDefect
		a.VerifiedAfterFaultsHealed = x.VerifiedAfterFaultsHealed
		if x.VerificationRead != nil && (a.VerificationRead == nil || !x.VerificationRead.Complete) {
			a.VerificationRead = x.VerificationRead
		}
		n, ok := x.LostCount()
		lost, known = lost+n, known && ok
	}
	if known {
		a.Lost = &lost
	}
	return a
}

// FormatEstimate prints a figure across repetitions as "median [lo–hi]" with f formatting each
// number: the median reported, then the 95 % interval. Without an interval it says why: one
// repetition, or how many repetitions' values are unknown.
func FormatEstimate(e Estimate, f func(float64) string) string {
	switch {
	case e.Unknown > 0 && e.N() == 0:
		return "unknown"
	case e.Unknown > 0:
		return fmt.Sprintf("unknown in %d of %d repetitions", e.Unknown, e.Unknown+e.N())
	case e.N() == 0:
		return "-"
	case e.N() == 1:
		return f(e.Median) + " (1 repetition)"
	}
	return fmt.Sprintf("%s [%s–%s]", f(e.Median), f(e.Lo), f(e.Hi))
}

// FormatRate prints msgs/s without decimals; FormatMBps MB/s with one; FormatCount a count.
func FormatRate(v float64) string  { return fmt.Sprintf("%.0f", v) }
func FormatMBps(v float64) string  { return fmt.Sprintf("%.1f", v) }
func FormatCount(v float64) string { return fmt.Sprintf("%.0f", v) }

// Judgement is how two repeated points differ in one figure.
type Judgement struct {
	Paired   bool       // judged round by round (PairedRatio); Ratio is a's against b's
	Ratio    RoundRatio // when Paired
	Distinct bool       // more than the noise: the ratio's interval, or else the two intervals, exclude each other
}

// Judge says whether two repeated points differ in one figure by more than their noise: round
// by round when they can be paired (PairedRatio), else by the overlap of their intervals. ok is
// false when either point lacks repetitions of the figure (then the caller compares single
// numbers as before).
func Judge(a, b Point, key string) (Judgement, bool) {
	ea, okA := a.Figure(key)
	eb, okB := b.Figure(key)
	if !okA || !okB || !a.Repeated() || !b.Repeated() {
		return Judgement{}, false
	}
	if r, paired := PairedRatio(a, b, key); paired {
		return Judgement{Paired: true, Ratio: r, Distinct: r.Distinct()}, true
	}
	return Judgement{Distinct: Distinguishable(ea, eb)}, true
}

// NotDistinguishable is the words every table and sentence uses for a difference inside the
// repetitions' noise (the 95 % intervals overlap).
const NotDistinguishable = "not distinguishable"
