package stats

import (
	"fmt"
	"strings"
)

// Transactions (issue 19). Both structs are optional fields of a result (nil: the point ran no
// transactions, or was written before kbench had them); the format version is unchanged.

// LatencySendToCommit is the produce latency kind of a transactional point: a record is
// acknowledged when its transaction commits, so its latency runs from the (scheduled) send to
// the commit's return.
const LatencySendToCommit = "send-to-commit"

// HistTxnCommit is the key of Result.Histograms for the transaction commit latency: the
// CommitTransaction call (flush of the transaction's records, then the two-phase commit) to its
// return, per committed transaction of the measured phase.
const HistTxnCommit = "transaction_commit"

// TxnMetrics is what the producers' transactions cost in the measured phase. A transaction
// belongs to it when it ended in it.
type TxnMetrics struct {
	Committed int64 `json:"committed"` // transactions committed
	// Aborted counts aborted transactions: on purpose (transaction.abort.ratio) and after an
	// abortable error (a record of it failed, its commit could not complete).
	Aborted          int64   `json:"aborted"`
	AbortedOnPurpose int64   `json:"aborted_on_purpose"`
	Unresolved       int64   `json:"unresolved"` // commit failed fatally or timed out: outcome unknown
	CommitsPerSecond float64 `json:"commits_per_second"`
	AbortsPerSecond  float64 `json:"aborts_per_second"`
	// RecordsPerTransaction is the mean number of records per ended transaction.
	RecordsPerTransaction float64        `json:"records_per_transaction"`
	CommitLatency         LatencySummary `json:"commit_latency"`
	// Fenced counts producer instances whose transactional.id was taken over by a newer
	// instance (PRODUCER_FENCED and kin): they stop sending, their open transaction's outcome
	// is the new instance's to decide.
	Fenced int64 `json:"fenced"`
	// ConsumerIsolation is the measuring consumers' isolation.level as applied ("" when no
	// consumer ran): read_committed consumers wait for the last stable offset, so their
	// end-to-end latency includes the wait for the commit.
	ConsumerIsolation string `json:"consumer_isolation_level,omitempty"`
}

// TxnAudit is the transactional side of the record audit, over every phase (warmup included),
// judged by record identity against a read_committed verification read.
type TxnAudit struct {
	Committed  int64 `json:"transactions_committed"`
	Aborted    int64 `json:"transactions_aborted"`
	Unresolved int64 `json:"transactions_unresolved"`
	// Records of committed transactions are the audit's "acked"; of aborted ones "aborted",
	// never acked and never lost; of unresolved ones indeterminate.
	RecordsCommitted  int64 `json:"records_committed"`
	RecordsAborted    int64 `json:"records_aborted"`
	RecordsUnresolved int64 `json:"records_unresolved"`
	// ReadIsolation is the verification read's isolation.level (read_committed here).
	ReadIsolation string `json:"read_isolation_level"`
	// AbortedVisible counts records of aborted transactions that the read_committed read
	// returned: a broken promise (read_committed must never show them). AbortedVisibleExamples
	// names the first few ("producer 3 seq 41").
	AbortedVisible         int64    `json:"aborted_visible"`
	AbortedVisibleExamples []string `json:"aborted_visible_examples,omitempty"`
	// CommittedReadTwice counts records of committed transactions read more than once (they
	// are in Duplicates too): exactly once means once.
	CommittedReadTwice int64 `json:"committed_read_twice"`
}

// TxnSummary says in one line what a transactional point's transactions cost and what the
// audit found ("" for a point without transactions): the figures the table cannot show.
func TxnSummary(r *Result) string {
	if r == nil || r.Metrics.Transactions == nil {
		return ""
	}
	t := r.Metrics.Transactions
	line := fmt.Sprintf("transactions: %d committed (%.1f/s), %d aborted (%.1f/s, %d on purpose), %d producers fenced, %.1f records each, commit latency",
		t.Committed, t.CommitsPerSecond, t.Aborted, t.AbortsPerSecond, t.AbortedOnPurpose, t.Fenced, t.RecordsPerTransaction)
	if c := t.CommitLatency; c.Count > 0 {
		line += fmt.Sprintf(" p50 %.2f ms p99 %.2f ms", c.P50Ms, c.P99Ms)
	} else {
		line += " -"
	}
	if t.Unresolved > 0 {
		line += fmt.Sprintf("; %d unresolved", t.Unresolved)
	}
	if l := LSOLagSummary(r.Metrics.LastStableOffsetLag); l != "" {
		line += "; " + l
	}
	if t.ConsumerIsolation != "" {
		line += "; consumers " + t.ConsumerIsolation
		if e := r.Metrics.EndToEndLatency; e.Count > 0 && !r.Metrics.ConsumerBehind {
			line += fmt.Sprintf(" (end-to-end p50 %.2f ms p99 %.2f ms)", e.P50Ms, e.P99Ms)
		}
	}
	if a := r.Audit.Transactions; a != nil {
		line += fmt.Sprintf("; audit (%s read): %d records of aborted transactions visible", a.ReadIsolation, a.AbortedVisible)
		if a.AbortedVisible > 0 {
			line += " (DEFECT: " + strings.Join(a.AbortedVisibleExamples, ", ") + ")"
		}
	}
	return line
}
