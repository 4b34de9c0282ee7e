package plots

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// Transactions (issue 19): what transactional points cost, as the result files recorded it.
// The chart and the report section draw only from stats.TxnMetrics, stats.CopyAudit and
// stats.LSOLag; points written before kbench measured the LSO lag show it as not measured.

// Chart names of the transaction charts.
const (
	// ChartTransactions is commit latency and last-stable-offset lag by point (transaction size
	// or level).
	ChartTransactions = "transactions"
	// ChartPercentilesTxnCommit is the HDR percentile distribution of the commit latency (the
	// transaction_commit histogram), one line per transactional point.
	ChartPercentilesTxnCommit = "percentiles-transaction-commit"
)

// txnCommitPercentiles draws the commit latency distribution of the points that recorded one.
func txnCommitPercentiles(ps []point, caption []string) (figure, bool) {
	dist, damaged := distributions(ps, stats.HistTxnCommit)
	return percentileFigure(ChartPercentilesTxnCommit, "Transaction commit latency by percentile (CommitTransaction call to its return)",
		ps, dist, withDamaged(caption, damaged))
}

// lsoLagDefinition says what the LSO lag figures are, under the chart and in the report.
const lsoLagDefinition = "LSO lag: per partition, the high watermark minus the last stable offset (offsets already in the log that read_committed consumers cannot read yet because a transaction is still open; commit markers count too), sampled through the measured phase (every 200 ms: sample_interval_ms in the result file) with ListOffsets at both isolation levels; max and p99 over every (sample, partition) value."

// txnRow is one transactional point's cost, as the chart and the report show it.
type txnRow struct {
	pt                                                   point
	copier                                               bool    // the figures are the copy pipeline's copiers' (no transactional producer)
	recordsPerTxn                                        float64 // measured mean (0: unknown)
	commits, aborts, abortsOnPurpose, fenced, unresolved int64
	commitsPerSec, abortsPerSec                          float64
	commit                                               stats.LatencySummary
	lso                                                  *stats.LSOLag // nil: not measured
	isolation                                            string        // measuring consumers' isolation.level ("": none)
}

// txnRows are the drawn points that ran transactions (producers or the copy pipeline), in
// point order.
func txnRows(ps []point) []txnRow {
	var out []txnRow
	for _, pt := range ps {
		r := pt.Result
		if r == nil {
			continue
		}
		m := r.Metrics
		row := txnRow{pt: pt, lso: m.LastStableOffsetLag}
		switch {
		case m.Transactions != nil:
			t := m.Transactions
			row.recordsPerTxn, row.commits, row.aborts, row.abortsOnPurpose = t.RecordsPerTransaction, t.Committed, t.Aborted, t.AbortedOnPurpose
			row.fenced, row.unresolved, row.commitsPerSec, row.abortsPerSec = t.Fenced, t.Unresolved, t.CommitsPerSecond, t.AbortsPerSecond
			row.commit, row.isolation = t.CommitLatency, t.ConsumerIsolation
		case r.CopyAudit != nil:
			c := r.CopyAudit
			row.copier, row.commits, row.aborts, row.fenced, row.commit = true, c.TxnCommitted, c.TxnAborted, c.TxnFenced, c.CommitLatency
			row.isolation = "read_committed"
		default:
			continue
		}
		if row.isolation == "" && r.Point.Workload.Consumers > 0 {
			row.isolation = r.Effective.ConsumerConfig["isolation.level"]
		}
		out = append(out, row)
	}
	return out
}

// sizeLabel is the row's transaction size for an axis label ("100 rec/txn"; copier rows say so).
func (r txnRow) sizeLabel() string {
	switch {
	case r.copier:
		return "copier txns"
	case r.recordsPerTxn > 0:
		return formatNumber(roundTo(r.recordsPerTxn, 3)) + " rec/txn"
	}
	return ""
}

// transactionsFigure draws commit latency (p50, p99) and the LSO lag (p99, max) per
// transactional point, one x slot per point labelled with its level and measured transaction
// size; false when the run has no transactional point.
func transactionsFigure(ps []point, caption []string) (figure, bool) {
	rows := txnRows(ps)
	if len(rows) == 0 {
		return figure{}, false
	}
	drawnPts := make([]point, len(rows))
	for i, r := range rows {
		drawnPts[i] = r.pt
	}
	mark := func(pt point) string {
		for _, r := range rows {
			if r.pt.ID == pt.ID {
				return r.sizeLabel()
			}
		}
		return ""
	}
	commit := txnPanel("latency, ms", rows, []txnSeries{
		{"commit p50", func(r txnRow) (float64, bool) { return r.commit.P50Ms, r.commit.Count > 0 }, draw.CircleGlyph{}, nil},
		{"commit p99", func(r txnRow) (float64, bool) { return r.commit.P99Ms, r.commit.Count > 0 }, draw.BoxGlyph{}, nil},
	})
	lso := txnPanel("offsets per partition", rows, []txnSeries{
		{"LSO lag p99", func(r txnRow) (float64, bool) { return lsoValue(r.lso, false) }, draw.BoxGlyph{}, nil},
		{"LSO lag max", func(r txnRow) (float64, bool) { return lsoValue(r.lso, true) }, draw.CrossGlyph{}, []vg.Length{vg.Points(4), vg.Points(3)}},
	})
	nominalLevels(commit.p, drawnPts, mark)
	nominalLevels(lso.p, drawnPts, mark)
	commit.title = "Transaction commit latency (CommitTransaction call: flush, then the two-phase commit)"
	lso.title = "Last-stable-offset lag: offsets read_committed consumers could not read yet"
	cap := append(append([]string(nil), caption...), lsoLagDefinition)
	if missing := lsoNotMeasured(rows); len(missing) > 0 {
		cap = append(cap, "LSO lag not measured (result written before kbench measured it, or every sample failed): "+strings.Join(missing, ", ")+".")
	}
	return figure{name: ChartTransactions, caption: cap, panels: []panel{commit, lso}}, true
}

// lsoValue is the LSO lag's p99 or max, false when not measured.
func lsoValue(l *stats.LSOLag, maxValue bool) (float64, bool) {
	if l == nil || l.Samples == 0 {
		return 0, false
	}
	if maxValue {
		return float64(l.MaxOffsets), true
	}
	return float64(l.P99Offsets), true
}

// lsoNotMeasured names the rows without an LSO lag.
func lsoNotMeasured(rows []txnRow) []string {
	var out []string
	for _, r := range rows {
		if _, ok := lsoValue(r.lso, false); !ok {
			out = append(out, r.pt.Level)
		}
	}
	return out
}

// txnSeries is one line of a transactions panel.
type txnSeries struct {
	name  string
	get   func(txnRow) (float64, bool)
	glyph draw.GlyphDrawer
	dash  []vg.Length
}

// txnPanel draws each series as marks joined by a line over the rows' slots; y is log when the
// values span decades (commit latency across transaction sizes often does).
func txnPanel(yLabel string, rows []txnRow, series []txnSeries) panel {
	p := newPlot("", "", yLabel)
	addGrid(p, false)
	var legend []legendEntry
	var all []float64
	var data []*plotter.XYs
	for si, s := range series {
		var xys plotter.XYs
		for i, r := range rows {
			if v, ok := s.get(r); ok {
				xys = append(xys, plotter.XY{X: float64(i), Y: v})
				all = append(all, v)
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, sc, err := markedLine(xys, colour(si), vg.Points(1.2), s.glyph, s.dash)
		if err != nil {
			continue
		}
		p.Add(line, sc)
		data = append(data, &line.XYs, &sc.XYs)
		legend = append(legend, legendEntry{label: s.name, thumbs: []plot.Thumbnailer{line, sc}})
	}
	fitY(p, all, 1, data...)
	return panel{p: p, legend: legend}
}

// txnSection is the report's "Transactions" section: per transactional point what its
// transactions cost (commit latency, commits and aborts per second, records per transaction,
// fenced producers, LSO lag) and, where the run measured the same settings at both isolation
// levels, the end-to-end latency read_committed pays for waiting on the last stable offset.
func txnSection(ps []point) (section, bool) {
	rows := txnRows(ps)
	if len(rows) == 0 {
		return section{}, false
	}
	header := []string{"level", "records per txn", "commits/s", "aborts/s (count, on purpose)", "fenced", "unresolved", "commit p50 ms", "commit p99 ms",
		"LSO lag p99", "LSO lag max", "consumers", "e2e p50 ms", "e2e p99 ms"}
	right := []bool{false, true, true, true, true, true, true, true, true, true, false, true, true}
	var table [][]string
	copier := false
	for _, r := range rows {
		size, rate := "-", fmt.Sprintf("%.1f", r.commitsPerSec)
		if r.recordsPerTxn > 0 {
			size = fmt.Sprintf("%.1f", r.recordsPerTxn)
		}
		aborts := fmt.Sprintf("%.1f (%d, %d on purpose)", r.abortsPerSec, r.aborts, r.abortsOnPurpose)
		if r.copier {
			copier = true
			rate, aborts = fmt.Sprintf("%d copier commits", r.commits), fmt.Sprintf("%d copier aborts", r.aborts)
		}
		lsoP99, lsoMax := "not measured", "not measured"
		if v, ok := lsoValue(r.lso, false); ok {
			lsoP99 = fmt.Sprintf("%.0f", v)
			lsoMax = fmt.Sprintf("%d", r.lso.MaxOffsets)
		}
		commit := latencyCells(r.commit)
		e2e := []string{"-", "-"}
		if m := r.pt.Result.Metrics; m.EndToEndReported() {
			e2e = latencyCells(m.EndToEndLatency)[:2]
		} else if m.EndToEndLatency.Count > 0 {
			e2e = []string{stats.ConsumersBehindText, stats.ConsumersBehindText}
		}
		table = append(table, []string{r.pt.Level, size, rate, aborts, i64(r.fenced), i64(r.unresolved), commit[0], commit[1],
			lsoP99, lsoMax, firstNonEmpty(r.isolation, "none"), e2e[0], e2e[1]})
	}
	blocks := []block{{kind: "table", header: header, right: right, rows: table},
		para("%s Commit latency is the CommitTransaction call (the transaction's records flushed, then the coordinator's two-phase commit), per committed transaction of the measured phase; a transactional record is acknowledged when its transaction commits, so produce latency here runs from the send to the commit. Aborts on purpose are transaction.abort.ratio's; fenced counts producer instances a newer one with the same transactional.id took over.", lsoLagDefinition)}
	if copier {
		blocks = append(blocks, para("Copy pipeline points without transactional producers show the copiers' transactions (counts over the whole point) and the LSO lag of the output topic."))
	}
	if lines := isolationComparison(rows); len(lines) > 0 {
		blocks = append(blocks, para("End-to-end latency by consumer isolation level, same settings otherwise (read_committed waits for the last stable offset: the transaction's commit):"),
			block{kind: "list", items: lines})
	} else {
		blocks = append(blocks, para("No pair of points here differs only in the consumers' isolation level, so the wait read_committed pays for the last stable offset is not isolated by this run; the LSO lag above bounds it."))
	}
	return section{heading: "Transactions", blocks: blocks}, true
}

// isolationComparison pairs transactional points whose settings differ only in the consumers'
// isolation level and says, per pair, the end-to-end p50 and p99 at each level and the
// difference (only where both end-to-end latencies are reported).
func isolationComparison(rows []txnRow) []string {
	type pair struct{ committed, uncommitted *txnRow }
	groups := map[string]*pair{}
	var order []string
	for i := range rows {
		r := &rows[i]
		if r.copier || !r.pt.Result.Metrics.EndToEndReported() {
			continue
		}
		vals := settingValues(r.pt.Result.Point.Settings)
		delete(vals, "consumer_isolation_level")
		var sig strings.Builder
		for _, k := range slices.Sorted(maps.Keys(vals)) {
			fmt.Fprintf(&sig, "%s=%s;", k, vals[k])
		}
		g := groups[sig.String()]
		if g == nil {
			g = &pair{}
			groups[sig.String()] = g
			order = append(order, sig.String())
		}
		switch r.isolation {
		case "read_committed":
			g.committed = r
		case "read_uncommitted":
			g.uncommitted = r
		}
	}
	var out []string
	for _, k := range order {
		g := groups[k]
		if g.committed == nil || g.uncommitted == nil {
			continue
		}
		c, u := g.committed.pt.Result.Metrics.EndToEndLatency, g.uncommitted.pt.Result.Metrics.EndToEndLatency
		out = append(out, fmt.Sprintf("%s (read_committed) against %s (read_uncommitted): end-to-end p50 %s ms against %s ms (%+.2f ms), p99 %s ms against %s ms (%+.2f ms).",
			g.committed.pt.Level, g.uncommitted.pt.Level, analysis.FormatMs(c.P50Ms), analysis.FormatMs(u.P50Ms), c.P50Ms-u.P50Ms, analysis.FormatMs(c.P99Ms), analysis.FormatMs(u.P99Ms), c.P99Ms-u.P99Ms))
	}
	return out
}
