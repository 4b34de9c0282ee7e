package stats

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

// TestTxnFieldsOptional: a result without transactions writes no transaction fields (older
// readers and files stay as they were), one with them round-trips, and the summary under the
// table names an aborted record that was visible as a defect.
func TestTxnFieldsOptional(t *testing.T) {
	plain := &Result{Point: profiles.Point{ID: "p", Label: "p"}}
	data, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("transaction")) {
		t.Errorf("a result without transactions writes transaction fields: %s", data)
	}
	r := &Result{Point: profiles.Point{ID: "txn", Label: "txn txn.records=10"}}
	r.Metrics.Transactions = &TxnMetrics{Committed: 9, Aborted: 3, AbortedOnPurpose: 3, CommitsPerSecond: 3, AbortsPerSecond: 1, Fenced: 1, RecordsPerTransaction: 10,
		CommitLatency: LatencySummary{Count: 9, P50Ms: 80, P99Ms: 200}, ConsumerIsolation: "read_committed"}
	r.Metrics.LastStableOffsetLag = SummarizeLSOLag("t", 2, [][]int64{{0, 4}, {7, 3}}, 1, "timed out")
	r.Metrics.EndToEndLatency = LatencySummary{Count: 90, P50Ms: 90, P99Ms: 210}
	r.Audit.Transactions = &TxnAudit{Committed: 9, Aborted: 3, RecordsCommitted: 90, RecordsAborted: 30, ReadIsolation: "read_committed",
		AbortedVisible: 1, AbortedVisibleExamples: []string{"producer 1 seq 31"}}
	data, err = json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Metrics.Transactions == nil || *back.Metrics.Transactions != *r.Metrics.Transactions || back.Audit.Transactions.AbortedVisible != 1 {
		t.Errorf("round trip: %+v %+v", back.Metrics.Transactions, back.Audit.Transactions)
	}
	var out strings.Builder
	if err := WriteSummaryTable(&out, []*Result{plain, r, nil}); err != nil {
		t.Fatal(err)
	}
	want := "txn txn.records=10: transactions: 9 committed (3.0/s), 3 aborted (1.0/s, 3 on purpose), 1 producers fenced, 10.0 records each, commit latency p50 80.00 ms p99 200.00 ms; " +
		"LSO lag max 7 p99 7 p50 3 offsets per partition (2 samples, 1 failed); consumers read_committed (end-to-end p50 90.00 ms p99 210.00 ms); audit (read_committed read): 1 records of aborted transactions visible (DEFECT: producer 1 seq 31)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("summary:\n%s\nwant line %q", out.String(), want)
	}
}
