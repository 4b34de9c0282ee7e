package runner

import (
	"context"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// txnPoint is testPoint with transactions of records records, abort share ratio, and consumers
// at isolation level iso.
func txnPoint(id string, rate int, dur time.Duration, consumers, records int, ratio float64, iso profiles.IsolationLevel) profiles.Point {
	p := testPoint(id, rate, dur, consumers)
	yes := true
	p.Settings.Transactional, p.Settings.TransactionRecords, p.Settings.TransactionAbortRatio = &yes, &records, &ratio
	if consumers > 0 {
		p.Settings.IsolationLevel = &iso
	}
	return p
}

// TestAbortOnPurpose: the share of transactions aborted is exact over any prefix and the same
// numbers every time, so the audit knows which.
func TestAbortOnPurpose(t *testing.T) {
	var got []uint64
	for n := uint64(0); n < 12; n++ {
		if abortOnPurpose(n, 0.25) {
			got = append(got, n)
		}
	}
	if len(got) != 3 || got[0] != 3 || got[1] != 7 || got[2] != 11 {
		t.Errorf("aborted %v, want [3 7 11]", got)
	}
	for n := uint64(0); n < 100; n++ {
		if abortOnPurpose(n, 0) || !abortOnPurpose(n, 1) {
			t.Fatalf("ratio 0 or 1 wrong at %d", n)
		}
	}
}

// TestRunPointTransactionsKfake runs a transactional point through the runner against kfake
// (runner logic only; broker behaviour is the integration test's): a quarter of the
// transactions are aborted on purpose, only committed records count as acknowledged, the
// aborted ones are neither acknowledged nor lost, and the commit figures are in the result.
func TestRunPointTransactionsKfake(t *testing.T) {
	bootstrap := startKfake(t)
	p := txnPoint("txn-kfake", 1000, 2*time.Second, 1, 10, 0.25, profiles.ReadCommitted)
	res, err := RunPoint(context.Background(), p, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, Version: "test"})
	if err != nil {
		t.Fatalf("RunPoint: %v (notes %v)", err, res.Notes)
	}
	if res.Status != stats.StatusOK {
		t.Fatalf("status %s (%s), notes %v", res.Status, res.Error, res.Notes)
	}
	a, tx, mt := res.Audit, res.Audit.Transactions, res.Metrics.Transactions
	if tx == nil || mt == nil {
		t.Fatalf("no transaction audit or metrics: %+v %+v", tx, mt)
	}
	t.Logf("audit sent %d acked %d lost %s; txn %+v; metrics %+v", a.Sent, a.Acked, a.LostText(), *tx, *mt)
	t.Logf("LSO lag %+v", res.Metrics.LastStableOffsetLag)
	if tx.Aborted == 0 || tx.Committed < 3*tx.Aborted-3 || tx.RecordsAborted == 0 {
		t.Errorf("transactions committed %d aborted %d (records %d): want about a quarter aborted", tx.Committed, tx.Aborted, tx.RecordsAborted)
	}
	if a.Acked != tx.RecordsCommitted || a.Sent != tx.RecordsCommitted+tx.RecordsAborted+tx.RecordsUnresolved {
		t.Errorf("acked %d sent %d vs committed %d aborted %d", a.Acked, a.Sent, tx.RecordsCommitted, tx.RecordsAborted)
	}
	if lost, known := a.LostCount(); !known || lost != 0 || tx.AbortedVisible != 0 || a.Duplicates != 0 {
		t.Errorf("lost %d (known %v), aborted visible %d, duplicates %d", lost, known, tx.AbortedVisible, a.Duplicates)
	}
	if mt.CommitLatency.Count == 0 || mt.CommitsPerSecond <= 0 || mt.RecordsPerTransaction < 9 || mt.RecordsPerTransaction > 10 {
		t.Errorf("commit latency count %d, commits/s %.1f, records/txn %.2f", mt.CommitLatency.Count, mt.CommitsPerSecond, mt.RecordsPerTransaction)
	}
	if res.Histograms[stats.HistTxnCommit] == "" {
		t.Error("no transaction_commit histogram")
	}
	// The LSO lag sampler ran five times a second through the 2 s measured phase (kfake answers
	// ListOffsets at read_committed with its LSO; how large the lag is is the real cluster's
	// test): 10-record transactions hold back at most 10 offsets per partition.
	if l := res.Metrics.LastStableOffsetLag; l == nil || l.Samples < 5 || l.IntervalMs != 200 || l.FailedSamples != 0 || l.Partitions != p.Workload.Partitions ||
		l.MaxOffsets > 10 || len(l.SeriesMaxOffsets) != l.Samples {
		t.Errorf("LSO lag %+v", l)
	}
	// A transactional record is acknowledged at its commit: the adaptive warmup judges the
	// send-to-commit latency of the warmup's commits (it once saw none and always ran to its bound),
	// on one-second windows even for a short point (a half-second may hold no commit).
	if w := res.Warmup; w == nil || !w.IsSteady() || w.WindowSeconds != 1 || len(w.ProduceP99Ms) < 3 || w.ProduceP99Ms[len(w.ProduceP99Ms)-1] <= 0 {
		t.Errorf("warmup %+v: want steady on the warmup's send-to-commit p99s", w)
	}
	if mt.ConsumerIsolation != "read_committed" || res.Metrics.EndToEndLatency.Count == 0 {
		t.Errorf("isolation %q, e2e count %d", mt.ConsumerIsolation, res.Metrics.EndToEndLatency.Count)
	}
}

// TestTxnPerRecordAllocatesNothing: the per-record part of a transaction (is it due, note the
// record) allocates nothing once the buffers have their size, which the first transaction
// gives them (here the records bound preallocates it).
func TestTxnPerRecordAllocatesNothing(t *testing.T) {
	st, err := newTxnState(nopTxnProducer{}, txnSettings{records: 1000, maxNs: int64(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	st.open = true
	seq := uint64(0)
	allocs := testing.AllocsPerRun(10000, func() {
		now := nowNs()
		if st.due(now) {
			st.sched, st.sent, st.sizes = st.sched[:0], st.sent[:0], st.sizes[:0] // what begin does
		}
		st.add(seq, now, now, 100)
		seq++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per record", allocs)
	}
}

// BenchmarkTxnPerRecord is the per-record cost transactions add to the send loop.
func BenchmarkTxnPerRecord(b *testing.B) {
	st, _ := newTxnState(nopTxnProducer{}, txnSettings{records: 1000})
	st.open = true
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now := nowNs()
		if st.due(now) {
			st.sched, st.sent, st.sizes = st.sched[:0], st.sent[:0], st.sizes[:0]
		}
		st.add(uint64(i), now, now, 100)
	}
}

// nopTxnProducer is a TransactionalProducer that does nothing (the per-record test never calls it).
type nopTxnProducer struct{ driver.Producer }

func (nopTxnProducer) InitTransactions(context.Context) error  { return nil }
func (nopTxnProducer) BeginTransaction() error                 { return nil }
func (nopTxnProducer) CommitTransaction(context.Context) error { return nil }
func (nopTxnProducer) AbortTransaction(context.Context) error  { return nil }
func (nopTxnProducer) SendOffsetsToTransaction(context.Context, []driver.TopicPartition, driver.GroupMetadata) error {
	return nil
}
