package plots

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// Chart is one chart of a run, ready to be written as PNG or SVG. Charts are built from result
// files only, so any old run can be drawn again.
type Chart struct {
	Name  string // file name without extension, e.g. "throughput" or "timeline-acks-1"
	Title string // one line saying what the chart shows, for a report's alt text and headings
	fig   figure
}

// WritePNG writes the chart as a PNG (ChartWidth at ChartDPI).
func (c Chart) WritePNG(w io.Writer) error { return c.fig.writePNG(w) }

// WriteSVG writes the chart as an SVG.
func (c Chart) WriteSVG(w io.Writer) error { return c.fig.writeSVG(w) }

// Charts builds every chart the run's data supports, in reading order: throughput, latency,
// trade-off, percentile distributions, the numeric sweep (when there is one), transactions (when
// a point ran them), the durability
// charts (runs with faults), then one timeline per drawn point. Failed and missing points are left out and named in each caption;
// incomplete points are drawn faded or dashed and marked "(incomplete)".
func Charts(run *stats.Run) []Chart { return chartsWithCost(run, nil) }

func chartsWithCost(run, cost *stats.Run) []Chart {
	all := points(run)
	ps := drawn(all)
	if len(ps) == 0 {
		return nil
	}
	cap := caption(run, all)
	var out []Chart
	add := func(f figure, title string) {
		out = append(out, Chart{Name: f.name, Title: title, fig: f})
	}
	// With fixed-load points (latency: in the profile) throughput comes from the saturation
	// points and latency from the fixed-load ones (analysis/fixedload.go).
	sat, lat, latCap := analysis.SaturationPoints(ps), analysis.LatencyPoints(ps), latencyCaption(cap, ps)
	add(throughputFigure(sat, cap), "Acknowledged throughput by reliability level")
	add(latencyFigure(lat, e2eCaption(latCap, lat)), "Latency percentiles by reliability level")
	add(tradeoffFigure(sat, tradeoffCaption(cap, sat)), "Throughput against p99 latency")
	dist, damaged := distributions(lat, stats.HistProduce)
	if f, ok := percentileFigure(ChartPercentilesProduce, "Produce latency by percentile (send to acknowledgement)",
		lat, dist, withDamaged(latCap, damaged)); ok {
		add(f, "Produce latency by percentile")
	}
	dist, damaged = distributions(lat, stats.HistEndToEnd)
	if f, ok := percentileFigure(ChartPercentilesE2E, "End-to-end latency by percentile (send to consumer receipt)",
		e2eShown(lat), dist, withDamaged(e2eCaption(latCap, lat), damaged)); ok {
		add(f, "End-to-end latency by percentile")
	}
	if ns, ok := detectNumericSweep(ps); ok {
		add(sweepFigure(ns, cap), "Throughput and latency against "+ns.name)
	}
	if f, ok := transactionsFigure(ps, cap); ok { // transactions (txn.go)
		add(f, "Transaction commit latency and last-stable-offset lag")
	}
	if f, ok := txnCommitPercentiles(ps, cap); ok {
		add(f, "Transaction commit latency by percentile")
	}
	out = append(out, searchCharts(all, cap)...) // capacity search (search.go)
	out = append(out, DurabilityCharts(run)...)
	out = append(out, PowerLossCharts(run, cost)...) // power losses (powerloss.go)
	for _, pt := range ps {
		if f, ok := timelineFigure(pt, cap); ok {
			title := "Per-second throughput and p99: " + pt.Level
			if pt.Repeated() && pt.Repetitions[0].Repetition != nil {
				title += fmt.Sprintf(" (repetition %d of %d)", pt.Repetitions[0].Repetition.Number, len(pt.Repetitions))
			}
			add(f, title)
		}
	}
	return out
}

// DrawAll writes every chart of run into outDir (created if needed) as PNG and SVG and returns
// the paths written. The sweep command calls it at the end of a sweep; `kbench plot` calls it on
// any results folder. A run with no drawable point is an error (there is nothing to draw).
func DrawAll(run *stats.Run, outDir string) ([]string, error) {
	return DrawAllWithCost(run, nil, outDir)
}

// DrawAllWithCost is DrawAll with a cost run (a flush-sweep at rate max; nil: none), whose
// throughput per point gives a power-loss run its trade-off chart (power-loss-tradeoff).
func DrawAllWithCost(run, cost *stats.Run, outDir string) ([]string, error) {
	if run == nil {
		return nil, errors.New("draw charts: no run")
	}
	charts := chartsWithCost(run, cost)
	if len(charts) == 0 {
		return nil, fmt.Errorf("draw charts of %s: no point has measurements (all failed, missing or empty)", run.Dir)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("draw charts: %w", err)
	}
	var paths []string
	for _, c := range charts {
		ps, err := c.fig.save(outDir)
		paths = append(paths, ps...)
		if err != nil {
			return paths, fmt.Errorf("draw charts: %w", err)
		}
	}
	return paths, nil
}

// withDamaged adds to a percentile chart's caption the points left out because their histogram
// does not decode, so a missing line is never silent.
func withDamaged(caption []string, levels []string) []string {
	if len(levels) == 0 {
		return caption
	}
	out := append([]string(nil), caption...)
	return append(out, "Not in this chart, histogram damaged: "+strings.Join(levels, ", ")+".")
}

// caption is the provenance line under every chart: profile, cluster, versions, date, workload,
// and which points are not drawn and why.
func caption(run *stats.Run, all []point) []string {
	idx := run.Index
	env := idx.Environment
	var first *stats.Result
	for _, p := range all {
		if p.Result != nil {
			if first == nil {
				first = p.Result
			}
			if env.KafkaVersion == "" {
				env = p.Result.Environment
			}
		}
	}
	profile := firstNonEmpty(idx.Profile, "unnamed profile")
	parts := []string{"Profile " + profile}
	if idx.RunID != "" {
		parts = append(parts, "run "+idx.RunID)
	}
	if !idx.Start.IsZero() {
		parts = append(parts, idx.Start.UTC().Format("2006-01-02 15:04 UTC"))
	}
	parts = append(parts, clusterPhrase(env))
	parts = append(parts, "Kafka "+firstNonEmpty(env.KafkaVersion, "unknown"))
	parts = append(parts, "librdkafka "+firstNonEmpty(env.LibrdkafkaVersion, "unknown"))
	parts = append(parts, "kbench "+firstNonEmpty(env.KbenchVersion, "unknown"))
	lines := []string{strings.Join(parts, " · ") + "."}
	if first != nil {
		lines[0] += " " + workloadPhrase(first) + "."
	}
	var skipped, incomplete []string
	for _, p := range all {
		switch {
		case p.Drawable() && p.Incomplete:
			incomplete = append(incomplete, p.Level)
		case !p.Drawable():
			why := string(p.Status)
			if p.Result != nil && p.Status == stats.StatusIncomplete {
				why = "incomplete, nothing measured"
			}
			skipped = append(skipped, fmt.Sprintf("%s (%s)", p.Level, why))
		}
	}
	if len(skipped) > 0 {
		lines = append(lines, "Not drawn: "+strings.Join(skipped, ", ")+".")
	}
	if len(incomplete) > 0 {
		lines = append(lines, "Incomplete, drawn faded or dashed: "+strings.Join(incomplete, ", ")+".")
	}
	if n := maxRepetitions(all); n > 1 {
		lines = append(lines, fmt.Sprintf("Each level measured up to %d times: bars, markers and curves at the median of its repetitions, error bars and bands its 95 %% confidence interval (Student t); where they overlap, the levels are not distinguishable.", n))
	}
	return lines
}

// maxRepetitions is the largest number of measured repetitions of any point (0: none repeated).
func maxRepetitions(all []point) int {
	n := 0
	for _, p := range all {
		n = max(n, len(p.Repetitions))
	}
	return n
}

// clusterPhrase says how many brokers and where, e.g. "3 brokers, local cluster on 2 cores".
func clusterPhrase(env stats.Environment) string {
	s := fmt.Sprintf("%d brokers", env.Brokers)
	if env.Brokers == 1 {
		s = "1 broker"
	} else if env.Brokers == 0 {
		s = "brokers unknown"
	}
	if env.LocalCluster {
		s += ", local cluster"
		if env.HostCores > 0 {
			s += fmt.Sprintf(" on %d cores", env.HostCores)
		}
	}
	return s
}

// workloadPhrase describes the fixed workload, e.g. "1024 B records, 6 partitions, RF 3, 1
// producer, max rate, 30 s".
func workloadPhrase(r *stats.Result) string {
	w := r.Point.Workload
	var parts []string
	if w.MessageSizeMin > 0 {
		if w.MessageSizeMin == w.MessageSizeMax {
			parts = append(parts, fmt.Sprintf("%d B records", w.MessageSizeMin))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d B records", w.MessageSizeMin, w.MessageSizeMax))
		}
	}
	if w.Partitions > 0 {
		parts = append(parts, fmt.Sprintf("%d partitions", w.Partitions))
	}
	if w.Producers > 0 {
		parts = append(parts, analysis.Plural(w.Producers, "producer"))
	}
	if w.Consumers > 0 {
		parts = append(parts, analysis.Plural(w.Consumers, "consumer"))
	}
	if w.Search != nil {
		parts = append(parts, "rate searched per point")
	} else if w.Rate > 0 {
		parts = append(parts, fmt.Sprintf("target %s msgs/s", formatNumber(float64(w.Rate))))
	} else if w.Producers > 0 {
		parts = append(parts, "max rate (closed loop)")
	}
	if w.Duration > 0 {
		parts = append(parts, fmt.Sprintf("%s measured per point", w.Duration))
	}
	return strings.Join(parts, ", ")
}
