package audit

import (
	"reflect"
	"testing"

	"github.com/kbench/kbench/stats"
)

// txnLedger builds a transactional producer's ledger: transactions of size records each, sent
// and delivered, ended with the outcomes given in order.
func syntheticTxnLedger(producer uint32, size uint64, outcomes ...TxnOutcome) *Ledger {
	l := NewLedger(producer)
	l.Transactional()
	for i, o := range outcomes {
		first := uint64(i) * size
		for s := first; s < first+size; s++ {
			l.Sent(s)
			l.Acked(s) // delivered: pending until the transaction ends
		}
		l.TxnEnded(first, first+size-1, o)
	}
	return l
}

func readAll(v *Verifier, producer uint32, seqs ...uint64) {
	for _, s := range seqs {
		v.Observe(0, producer, s)
	}
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s < to; s++ {
		out = append(out, s)
	}
	return out
}

// TestTxnAuditCommittedOnly: a read_committed read that shows every committed record once and
// no aborted one keeps the promise: committed records are the acknowledged ones, aborted ones
// are neither acknowledged nor lost, and nothing is a defect.
func TestTxnAuditCommittedOnly(t *testing.T) {
	l := syntheticTxnLedger(7, 10, TxnCommitted, TxnAborted, TxnCommitted)
	v := NewVerifier()
	readAll(v, 7, seqRange(0, 10)...)
	readAll(v, 7, seqRange(20, 30)...)
	a := Reconcile([]*Ledger{l}, v)
	FinishTxn(&a, []*Ledger{l}, v, "read_committed")
	if a.Sent != 30 || a.Acked != 20 || *a.Lost != 0 || a.Indeterminate != 0 || a.Failed != 0 || a.UnackedConsumed != 0 {
		t.Errorf("audit %+v", a)
	}
	want := stats.TxnAudit{Committed: 2, Aborted: 1, RecordsCommitted: 20, RecordsAborted: 10, ReadIsolation: "read_committed"}
	if !reflect.DeepEqual(*a.Transactions, want) {
		t.Errorf("transactions %+v\nwant %+v", *a.Transactions, want)
	}
}

// TestTxnAuditAbortedVisible: records of an aborted transaction that the read returned are
// counted and named; a committed record read twice is counted; a committed record not read is
// lost, an aborted one never is.
func TestTxnAuditAbortedVisible(t *testing.T) {
	l := syntheticTxnLedger(3, 4, TxnAborted, TxnCommitted)
	v := NewVerifier()
	readAll(v, 3, 1, 2, 4, 5, 5, 6) // aborted 1 and 2 visible; committed 5 twice; committed 7 missing
	a := Reconcile([]*Ledger{l}, v)
	FinishTxn(&a, []*Ledger{l}, v, "read_committed")
	tx := a.Transactions
	if tx.AbortedVisible != 2 || !reflect.DeepEqual(tx.AbortedVisibleExamples, []string{"producer 3 seq 1", "producer 3 seq 2"}) {
		t.Errorf("aborted visible %d %v", tx.AbortedVisible, tx.AbortedVisibleExamples)
	}
	if tx.CommittedReadTwice != 1 || a.Duplicates != 1 {
		t.Errorf("read twice %d duplicates %d", tx.CommittedReadTwice, a.Duplicates)
	}
	if *a.Lost != 1 || a.Acked != 4 || a.UnackedConsumed != 2 {
		t.Errorf("lost %d acked %d unacked consumed %d", *a.Lost, a.Acked, a.UnackedConsumed)
	}
}

// TestTxnAuditUnresolved: a transaction whose commit failed fatally leaves its delivered
// records indeterminate (neither acknowledged nor lost), and one still open when the producer
// stopped leaves them indeterminate too; a definite failure in an aborted transaction is
// counted as aborted, once.
func TestTxnAuditUnresolved(t *testing.T) {
	l := syntheticTxnLedger(1, 5, TxnCommitted, TxnUnresolved)
	for s := uint64(10); s < 13; s++ { // an open transaction: delivered, never ended
		l.Sent(s)
		l.Acked(s)
	}
	l.Sent(13)
	l.Failed(13, 19, "NOT_ENOUGH_REPLICAS", false)
	l.TxnEnded(13, 13, TxnAborted)
	v := NewVerifier()
	readAll(v, 1, seqRange(0, 5)...)
	readAll(v, 1, 6) // an unresolved record that did commit
	a := Reconcile([]*Ledger{l}, v)
	FinishTxn(&a, []*Ledger{l}, v, "read_committed")
	if a.Acked != 5 || a.Indeterminate != 8 || a.Failed != 0 || *a.Lost != 0 {
		t.Errorf("acked %d indeterminate %d failed %d lost %d", a.Acked, a.Indeterminate, a.Failed, *a.Lost)
	}
	Finish(&a, []*Ledger{l}, v, true)
	if a.IndeterminateConsumed != 1 || a.FailedButConsumed != 0 {
		t.Errorf("indeterminate consumed %d failed but consumed %d", a.IndeterminateConsumed, a.FailedButConsumed)
	}
	if tx := a.Transactions; tx.Unresolved != 1 || tx.RecordsUnresolved != 5 || tx.RecordsAborted != 1 || tx.Aborted != 1 {
		t.Errorf("transactions %+v", tx)
	}
}

// TestTxnAuditPlainLedger: a non-transactional point gets no transactional audit, and its
// counts are what they always were.
func TestTxnAuditPlainLedger(t *testing.T) {
	l := NewLedger(2)
	l.Sent(0)
	l.Acked(0)
	v := NewVerifier()
	readAll(v, 2, 0)
	a := Reconcile([]*Ledger{l}, v)
	FinishTxn(&a, []*Ledger{l}, v, "read_uncommitted")
	if a.Transactions != nil || a.Acked != 1 || *a.Lost != 0 {
		t.Errorf("audit %+v", a)
	}
}

// TestVerifierMergeKeepsDuplicates: identities read by two merged verifiers are named as read
// twice.
func TestVerifierMergeKeepsDuplicates(t *testing.T) {
	a, b := NewVerifier(), NewVerifier()
	readAll(a, 4, 1, 2)
	readAll(b, 4, 2, 3)
	a.Merge(b)
	if a.duplicates != 1 || a.dups[4] == nil || !a.dups[4].Contains(2) {
		t.Errorf("duplicates %d %v", a.duplicates, a.dups)
	}
}
