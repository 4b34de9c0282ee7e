package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// Transactions (issue 19). A transactional producer groups its records into transactions of
// transaction.records records and/or transaction.ms milliseconds (whichever ends first), on its
// send goroutine: the per-record part is a few field updates (no lock, no allocation once the
// reused buffers have grown to the transaction's size); the per-transaction part (commit, abort,
// begin) blocks and may allocate. A record counts as acknowledged only when its transaction
// commits: its delivery report before that says "in the log, pending", so in transactional mode
// the send goroutine, not the delivery goroutine, counts acknowledgements and records produce
// latency, from the record's scheduled send to the commit's return. On abort the records are
// neither acknowledged nor lost (the audit classes them aborted).

// txnCallTimeout bounds one commit or abort, retries included (librdkafka's own bound is
// transaction.timeout.ms, 60 s by default).
const txnCallTimeout = 60 * time.Second

// txnSettings are a point's transaction settings as the send loop uses them.
type txnSettings struct {
	records    int     // end a transaction after this many records (0: no bound)
	maxNs      int64   // end it after this long (0: no bound)
	abortRatio float64 // share of transactions aborted on purpose
}

func newTxnSettings(s profiles.Settings) txnSettings {
	var t txnSettings
	if s.TransactionRecords != nil {
		t.records = *s.TransactionRecords
	}
	if s.TransactionMs != nil {
		t.maxNs = int64(*s.TransactionMs) * int64(time.Millisecond)
	}
	if s.TransactionAbortRatio != nil {
		t.abortRatio = *s.TransactionAbortRatio
	}
	return t
}

// abortOnPurpose says whether transaction number n (0-based) is aborted on purpose: spread
// evenly, deterministically, so that exactly floor(k * ratio) of the first k transactions are
// aborted (ratio 0.25: numbers 3, 7, 11, ...), and the audit can tell which.
func abortOnPurpose(n uint64, ratio float64) bool {
	if ratio <= 0 {
		return false
	}
	return math.Floor(float64(n+1)*ratio) > math.Floor(float64(n)*ratio)
}

// transactionalID is producer instance i's transactional.id: derived from the run id and the
// point, so it is stable across a restart of that instance and kbench can recognise its own.
func transactionalID(runID, pointID string, i int) string {
	return fmt.Sprintf("%s-txn-%d", topicName(runID, pointID), i)
}

// txnState is one producer's transactions. Send goroutine only, except the histogram and the
// counts, which the point reads after the send goroutine stopped.
type txnState struct {
	tp  driver.TransactionalProducer
	set txnSettings

	n     uint64 // number of the open transaction
	open  bool
	first uint64 // first sequence of the open transaction
	last  uint64 // last sequence produced in it
	began int64  // when it began (unix ns)
	sched []int64
	sent  []int64
	sizes []int32
	dead  error // the producer cannot go on (fatal, fenced): why

	commit       *stats.Histogram // commit call latency, transactions ending in the measured phase
	win          window           // per-second produce latency (the delivery goroutine's win is idle)
	warmWin      window           // the warmup's per-second send-to-commit latency (out nil: not kept)
	counts       stats.TxnMetrics // measured phase
	endedRecords int64            // records of transactions ended in the measured phase
}

// begin opens the next transaction at sequence seq.
func (t *txnState) begin(seq uint64, now int64) error {
	if err := t.tp.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction %d: %w", t.n, err)
	}
	t.open, t.first, t.began = true, seq, now
	t.sched, t.sent, t.sizes = t.sched[:0], t.sent[:0], t.sizes[:0]
	return nil
}

// add notes one record produced in the open transaction (the per-record part).
func (t *txnState) add(seq uint64, sched, sent int64, size int) {
	t.last = seq
	t.sched = append(t.sched, sched)
	t.sent = append(t.sent, sent)
	t.sizes = append(t.sizes, int32(size))
}

// due says whether the open transaction should end before the next record.
func (t *txnState) due(now int64) bool {
	n := len(t.sched)
	return t.open && n > 0 && ((t.set.records > 0 && n >= t.set.records) || (t.set.maxNs > 0 && now-t.began >= t.set.maxNs))
}

// txnBegin starts the first transaction; false (with w.txn.dead set) when it cannot.
func (w *producerWorker) txnBegin(seq uint64) bool {
	if err := w.txn.begin(seq, nowNs()); err != nil {
		w.txn.dead = err
		return false
	}
	return true
}

// txnEnd ends the open transaction (commit, or abort on purpose), accounts for it and, unless
// last, begins the next one at sequence next. It returns false when the producer cannot go on.
func (w *producerWorker) txnEnd(next uint64, last bool) bool {
	t := w.txn
	if !t.open || t.dead != nil {
		return t.dead == nil
	}
	t.open = false
	n := len(t.sched)
	if n == 0 { // nothing produced: an empty transaction costs no request, abort it locally
		ctx, cancel := context.WithTimeout(context.Background(), txnCallTimeout)
		defer cancel()
		_ = t.tp.AbortTransaction(ctx)
	} else {
		outcome, onPurpose, commitNs := w.txnFinish()
		w.txnAccount(outcome, onPurpose, commitNs)
	}
	t.n++
	if last || t.dead != nil {
		return t.dead == nil
	}
	return w.txnBegin(next)
}

// txnFinish commits or (on purpose) aborts the open transaction, handling errors as their class
// says: retriable calls are retried within txnCallTimeout, abortable ones abort, fatal ones
// leave the outcome unknown and stop the producer. commitNs is the commit call's duration
// (0 when there was no successful commit).
func (w *producerWorker) txnFinish() (outcome audit.TxnOutcome, onPurpose bool, commitNs int64) {
	t := w.txn
	ctx, cancel := context.WithTimeout(context.Background(), txnCallTimeout)
	defer cancel()
	if abortOnPurpose(t.n, t.set.abortRatio) {
		// Wait for the records to be in the log first: an abort of records never sent would
		// prove nothing about what read_committed readers see.
		w.waitIdle(txnCallTimeout)
		return w.txnAbort(ctx), true, 0
	}
	for {
		start := nowNs()
		err := t.tp.CommitTransaction(ctx)
		if err == nil {
			return audit.TxnCommitted, false, nowNs() - start
		}
		switch driver.ClassifyTxn(err) {
		case driver.TxnRetriable:
			if ctx.Err() == nil {
				continue
			}
			t.dead = fmt.Errorf("commit transaction %d: %w", t.n, err)
			return audit.TxnUnresolved, false, 0
		case driver.TxnAbortable:
			return w.txnAbort(ctx), false, 0
		default:
			w.txnFatal(fmt.Errorf("commit transaction %d: %w", t.n, err))
			return audit.TxnUnresolved, false, 0
		}
	}
}

// txnAbort aborts the open transaction; an abort that fails leaves the outcome unknown.
func (w *producerWorker) txnAbort(ctx context.Context) audit.TxnOutcome {
	t := w.txn
	for {
		err := t.tp.AbortTransaction(ctx)
		if err == nil {
			return audit.TxnAborted
		}
		if driver.ClassifyTxn(err) == driver.TxnRetriable && ctx.Err() == nil {
			continue
		}
		w.txnFatal(fmt.Errorf("abort transaction %d: %w", t.n, err))
		return audit.TxnUnresolved
	}
}

// txnFatal stops the producer: a newer instance fenced it, or the client is unusable.
func (w *producerWorker) txnFatal(err error) {
	w.txn.dead = err
	if driver.IsFenced(err) {
		w.txn.counts.Fenced++
	}
}

// txnAccount records the ended transaction in the ledger and, for the measured phase, in the
// counters: on commit, its records are acknowledged now, with their produce latency from the
// scheduled send to the commit's return.
func (w *producerWorker) txnAccount(outcome audit.TxnOutcome, onPurpose bool, commitNs int64) {
	t := w.txn
	n := len(t.sched)
	w.ledger.TxnEnded(t.first, t.last, outcome)
	now := nowNs()
	if outcome == audit.TxnCommitted {
		w.c.ackedAll.Add(int64(n))
		var acked, bytes int64
		for i := range t.sched {
			lat := time.Duration(now - t.sched[i])
			if !w.clock.measured(t.sched[i]) {
				// The adaptive warmup decides on these (a transactional record is acknowledged
				// at its commit, so the delivery reports feed it nothing).
				if t.warmWin.out != nil {
					t.warmWin.record(now, lat)
				}
				continue
			}
			w.produce.Record(lat)
			w.produceRaw.Record(time.Duration(now - t.sent[i]))
			t.win.record(now, lat)
			acked++
			bytes += int64(t.sizes[i])
		}
		w.c.acked.Add(acked)
		w.c.ackedBytes.Add(bytes)
	}
	if !w.clock.measured(now) {
		return
	}
	t.endedRecords += int64(n)
	switch outcome {
	case audit.TxnCommitted:
		t.counts.Committed++
		t.commit.Record(time.Duration(commitNs))
	case audit.TxnAborted:
		t.counts.Aborted++
		if onPurpose {
			t.counts.AbortedOnPurpose++
		}
	default:
		t.counts.Unresolved++
	}
}

// txnStop ends the open transaction when the send loop stops and flushes the latency window.
func (w *producerWorker) txnStop() {
	w.txnEnd(0, true)
	w.txn.win.flush()
	if w.txn.warmWin.out != nil {
		w.txn.warmWin.flush()
	}
}

// initTransactions registers every producer's transactional.id (fencing any older instance).
func (m *measurement) initTransactions() error {
	ctx, cancel := context.WithTimeout(context.Background(), txnCallTimeout)
	defer cancel()
	for _, pw := range m.producers {
		if err := pw.txn.tp.InitTransactions(ctx); err != nil {
			return fmt.Errorf("producer %d: init transactions: %w", pw.id, err)
		}
	}
	return nil
}

// newTxnState gives a producer its transactional state, or says why its driver cannot.
func newTxnState(p driver.Producer, set txnSettings) (*txnState, error) {
	tp, ok := p.(driver.TransactionalProducer)
	if !ok {
		return nil, driver.ErrTransactionsNotSupported
	}
	size := min(max(set.records, 16), 1<<16) // a larger transaction grows the buffers once
	return &txnState{tp: tp, set: set, commit: stats.NewHistogram(),
		sched: make([]int64, 0, size), sent: make([]int64, 0, size), sizes: make([]int32, 0, size)}, nil
}

// fillTxnMetrics merges the producers' transaction figures into the result.
func (m *measurement) fillTxnMetrics() {
	if !m.p.Transactional() {
		return
	}
	mt := &m.res.Metrics
	out := &stats.TxnMetrics{}
	commit := stats.NewHistogram()
	var ended int64
	for _, pw := range m.producers {
		t := pw.txn
		if t == nil {
			continue
		}
		c := t.counts
		out.Committed += c.Committed
		out.Aborted += c.Aborted
		out.AbortedOnPurpose += c.AbortedOnPurpose
		out.Unresolved += c.Unresolved
		out.Fenced += c.Fenced
		ended += t.endedRecords
		commit.Merge(t.commit)
		if t.dead != nil {
			m.note("producer %d stopped its transactions: %v", pw.id, t.dead)
		}
	}
	secs := math.Max(mt.MeasuredSeconds, 1e-9)
	out.CommitsPerSecond = float64(out.Committed) / secs
	out.AbortsPerSecond = float64(out.Aborted) / secs
	if all := out.Committed + out.Aborted + out.Unresolved; all > 0 {
		out.RecordsPerTransaction = float64(ended) / float64(all)
	}
	out.CommitLatency = commit.Summary()
	if commit.Count() > 0 {
		if enc, err := commit.Encode(); err == nil {
			m.res.Histograms[stats.HistTxnCommit] = enc
		}
	}
	if len(m.consumers) > 0 || m.fx.pool != nil {
		out.ConsumerIsolation = consumerIsolation(m.res.Effective.ConsumerConfig)
	}
	mt.Transactions = out
}

// consumerIsolation is a consumer config's isolation.level as applied: librdkafka's default is
// read_committed (Java's is read_uncommitted).
func consumerIsolation(cfg map[string]string) string {
	if v := cfg["isolation.level"]; v != "" {
		return v
	}
	return string(profiles.ReadCommitted)
}

// errTxnUnsupported names the driver that cannot run a transactional point.
func errTxnUnsupported(err error) error {
	if errors.Is(err, driver.ErrTransactionsNotSupported) {
		return fmt.Errorf("transactional point: driver %s: %w", clientDriver.Name(), err)
	}
	return err
}
