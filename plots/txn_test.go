package plots

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// withTxn turns the ladder fixture into a transaction-size sweep: points 0 to 3 commit
// transactions of 1, 10, 100 and 100 records (commit latency and LSO lag growing with the
// size); points 2 and 3 have the same settings but read_committed against read_uncommitted
// consumers (and a slower end-to-end latency at read_committed); point 3 was "written before kbench measured the LSO lag"; points 4 and 5 ran no
// transactions.
func withTxn(t *testing.T) *stats.Run {
	run := readFixture(t, "ladder")
	sizes := []int{1, 10, 100, 100}
	for i, rp := range run.Points[:4] {
		r := rp.Result
		yes, n := true, sizes[i]
		r.Point.Settings = profiles.Settings{Transactional: &yes, TransactionRecords: &n}
		iso := "read_committed"
		if i == 3 {
			iso = "read_uncommitted"
		}
		level := profiles.IsolationLevel(iso)
		r.Point.Settings.IsolationLevel = &level
		r.Metrics.Transactions = &stats.TxnMetrics{Committed: int64(1000 / n), CommitsPerSecond: 100 / float64(n), Aborted: 2, AbortsPerSecond: 0.2,
			AbortedOnPurpose: 1, Fenced: int64(i % 2), RecordsPerTransaction: float64(n), ConsumerIsolation: iso,
			CommitLatency: stats.LatencySummary{Count: 10, P50Ms: 4 * float64(i+1), P99Ms: 10 * float64(i+1)}}
		if i < 3 {
			r.Metrics.LastStableOffsetLag = stats.SummarizeLSOLag(r.Point.ID, 3, [][]int64{{int64(n / 3), 0, int64(n / 2)}, {int64(n), 1, 0}}, 0, "")
		}
		h := stats.NewHistogram()
		for k := range 100 {
			h.Record(time.Duration(k+1) * time.Duration(i+1) * 100 * time.Microsecond)
		}
		enc, err := h.Encode()
		if err != nil {
			t.Fatal(err)
		}
		r.Histograms[stats.HistTxnCommit] = enc
		r.Metrics.EndToEndLatency = stats.LatencySummary{Count: 100, P50Ms: 5, P99Ms: 20}
		if i == 2 {
			r.Metrics.EndToEndLatency.P50Ms, r.Metrics.EndToEndLatency.P99Ms = 60, 130
		}
	}
	return run
}

// TestTxnRows: the chart's and report's input is each transactional point's figures as its
// result file has them, an LSO lag not measured stays unknown (never 0), and points without
// transactions are left out.
func TestTxnRows(t *testing.T) {
	rows := txnRows(drawn(points(withTxn(t))))
	if len(rows) != 4 {
		t.Fatalf("%d rows, want the 4 transactional points", len(rows))
	}
	want := []struct {
		size           string
		commitP99      float64
		lsoP99, lsoMax float64
		lsoKnown       bool
		isolation      string
	}{
		{"1 rec/txn", 10, 1, 1, true, "read_committed"},
		{"10 rec/txn", 20, 10, 10, true, "read_committed"},
		{"100 rec/txn", 30, 100, 100, true, "read_committed"},
		{"100 rec/txn", 40, 0, 0, false, "read_uncommitted"},
	}
	for i, w := range want {
		r := rows[i]
		p99, known := lsoValue(r.lso, false)
		mx, _ := lsoValue(r.lso, true)
		if r.sizeLabel() != w.size || r.commit.P99Ms != w.commitP99 || known != w.lsoKnown || p99 != w.lsoP99 || mx != w.lsoMax || r.isolation != w.isolation {
			t.Errorf("row %d: size %q commit p99 %v LSO p99 %v max %v (known %v) isolation %q, want %+v", i, r.sizeLabel(), r.commit.P99Ms, p99, mx, known, r.isolation, w)
		}
	}
	if got := lsoNotMeasured(rows); len(got) != 1 || got[0] != rows[3].pt.Level {
		t.Errorf("not measured %v", got)
	}
}

// TestTransactionsChart: a run with transactional points gets the transactions chart (commit
// latency and LSO lag panels, the definition and the unmeasured point in the caption); a run
// without transactions does not.
func TestTransactionsChart(t *testing.T) {
	for _, c := range Charts(readFixture(t, "ladder")) {
		if c.Name == ChartTransactions {
			t.Error("a run without transactions has a transactions chart")
		}
	}
	var found bool
	for _, c := range Charts(withTxn(t)) {
		if c.Name != ChartTransactions {
			continue
		}
		found = true
		if len(c.fig.panels) != 2 || len(c.fig.panels[0].legend) != 2 || len(c.fig.panels[1].legend) != 2 {
			t.Errorf("panels %d, legends %v", len(c.fig.panels), c.fig.panels)
		}
		capText := strings.Join(c.fig.caption, " ")
		if !strings.Contains(capText, "high watermark minus the last stable offset") || !strings.Contains(capText, "LSO lag not measured") {
			t.Errorf("caption %q", capText)
		}
		var b bytes.Buffer
		if err := c.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		checkPNG(t, c.Name, b.Bytes())
	}
	if !found {
		t.Error("no transactions chart")
	}
	var commitLines int
	for _, c := range Charts(withTxn(t)) {
		if c.Name == ChartPercentilesTxnCommit {
			commitLines = len(c.fig.panels[0].legend)
		}
	}
	if commitLines != 4 {
		t.Errorf("commit latency percentile chart has %d lines, want one per transactional point (4)", commitLines)
	}
}

// TestReportTransactions: the report's Transactions section has each transactional point's
// figures and compares end-to-end latency between the two points that differ only in the
// consumers' isolation level.
func TestReportTransactions(t *testing.T) {
	var b strings.Builder
	if err := WriteReport(&b, withTxn(t), ReportOptions{Format: FormatMarkdown, NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"## Transactions",
		"| acks=1 | 10.0 | 10.0 | 0.2 (2, 1 on purpose) | 1 | 0 | 8.00 | 20.0 | 10 | 10 | read_committed | 5.00 | 20.0 |",
		"| not measured | not measured | read_uncommitted |",
		"high watermark minus the last stable offset",
		"acks=all (read_committed) against acks=all + idempotence (read_uncommitted): end-to-end p50 60.0 ms against 5.00 ms (+55.00 ms), p99 130 ms against 20.0 ms (+110.00 ms).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, mdSection(out, "## Transactions"))
		}
	}
	var plain strings.Builder
	if err := WriteReport(&plain, readFixture(t, "ladder"), ReportOptions{Format: FormatMarkdown, NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "## Transactions") {
		t.Error("a run without transactions has a Transactions section")
	}
}

// mdSection is the part of a markdown report from heading to the next "## ".
func mdSection(doc, heading string) string {
	i := strings.Index(doc, heading)
	if i < 0 {
		return doc
	}
	rest := doc[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return heading + rest
}
