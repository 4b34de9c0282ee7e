package audit

import (
	"fmt"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/kbench/kbench/stats"
)

// Transactions. A transactional producer's record is acknowledged only when its transaction
// commits: a delivery report before the commit says the record is in the log, pending. The
// producing goroutine records how each transaction ended (TxnEnded, by its range of sequences),
// and the audit then reads the ledger as:
//
//   - acknowledged: sent in a committed transaction (a commit succeeds only when every record
//     of the transaction was delivered);
//   - aborted: sent in an aborted transaction, on purpose or after an abortable error: never
//     acknowledged, never lost, and never to be seen by a read_committed reader;
//   - indeterminate: delivered (or indeterminate) in a transaction whose commit failed fatally
//     or timed out, whose outcome kbench cannot know;
//   - failed: a definite delivery failure outside any ended transaction.

// TxnOutcome is how a transaction ended.
type TxnOutcome uint8

// The outcomes of a transaction.
const (
	TxnCommitted  TxnOutcome = iota + 1 // committed: its records are acknowledged
	TxnAborted                          // aborted on purpose or after an abortable error
	TxnUnresolved                       // the commit failed fatally or timed out: unknown
)

// txnLedger is the transactional part of a Ledger, written by the producing goroutine only.
type txnLedger struct {
	committed, aborted, unresolved seqSet
	count                          [4]int64 // by TxnOutcome
}

// Transactional marks the ledger as a transactional producer's, before its first record.
func (l *Ledger) Transactional() {
	l.txn = &txnLedger{committed: newSeqSet(), aborted: newSeqSet(), unresolved: newSeqSet()}
}

// TxnEnded records that the transaction holding sequences first to last (inclusive) ended with
// outcome. Sequences the client refused are in the range but were never sent: the audit
// intersects with what was sent. Called from the producing goroutine, once per transaction.
func (l *Ledger) TxnEnded(first, last uint64, outcome TxnOutcome) {
	if l.txn == nil || last < first || outcome < TxnCommitted || outcome > TxnUnresolved {
		return
	}
	set := map[TxnOutcome]*seqSet{TxnCommitted: &l.txn.committed, TxnAborted: &l.txn.aborted, TxnUnresolved: &l.txn.unresolved}[outcome]
	set.bm.AddRange(first, last+1)
	set.pending += int(last - first + 1)
	if set.pending >= optimizeEvery {
		set.optimize()
	}
	l.txn.count[outcome]++
}

// ledgerView is a ledger's records by final class, as the audit counts them.
type ledgerView struct {
	sent, acked, failed, indet, aborted *roaring64.Bitmap
}

// view classes the ledger's records: for a plain producer by its delivery reports (an ack
// outranks a failure, a definite failure an indeterminate one), for a transactional one by its
// transactions' outcomes first (see the Transactions comment).
func (l *Ledger) view() ledgerView {
	l.sent.optimize()
	l.acked.optimize()
	l.failed.optimize()
	l.indeterminate.optimize()
	if l.txn == nil {
		failed := roaring64.AndNot(l.failed.bm, l.acked.bm)
		indet := roaring64.AndNot(l.indeterminate.bm, l.acked.bm)
		indet.AndNot(l.failed.bm)
		return ledgerView{sent: l.sent.bm, acked: l.acked.bm, failed: failed, indet: indet, aborted: roaring64.New()}
	}
	t := l.txn
	t.committed.optimize()
	t.aborted.optimize()
	t.unresolved.optimize()
	acked := roaring64.And(t.committed.bm, l.sent.bm)
	aborted := roaring64.And(t.aborted.bm, l.sent.bm)
	aborted.AndNot(acked)
	ended := roaring64.Or(acked, aborted)
	failed := roaring64.AndNot(l.failed.bm, ended)
	indet := roaring64.Or(l.indeterminate.bm, l.acked.bm) // delivered but not committed: pending forever
	indet.Or(roaring64.And(t.unresolved.bm, l.sent.bm))
	indet.AndNot(ended)
	indet.AndNot(failed)
	return ledgerView{sent: l.sent.bm, acked: acked, failed: failed, indet: indet, aborted: aborted}
}

// maxExamples is how many aborted-but-visible records the audit names.
const maxExamples = 5

// FinishTxn adds the transactional audit to a when any ledger is a transactional producer's:
// transactions and their records by outcome, and what the (read_committed) verification read
// v showed of them. Records of aborted transactions it returned are a defect, counted and
// named; committed records it returned twice are counted (they are duplicates too). isolation
// is the read's isolation.level.
func FinishTxn(a *stats.Audit, ledgers []*Ledger, v *Verifier, isolation string) {
	var t stats.TxnAudit
	found := false
	for _, l := range ledgers {
		if l == nil || l.txn == nil {
			continue
		}
		found = true
		t.Committed += l.txn.count[TxnCommitted]
		t.Aborted += l.txn.count[TxnAborted]
		t.Unresolved += l.txn.count[TxnUnresolved]
		lv := l.view()
		t.RecordsCommitted += int64(lv.acked.GetCardinality())
		t.RecordsAborted += int64(lv.aborted.GetCardinality())
		t.RecordsUnresolved += int64(roaring64.And(l.txn.unresolved.bm, l.sent.bm).GetCardinality())
		if v == nil {
			continue
		}
		if seen := v.seen[l.producer]; seen != nil {
			visible := roaring64.And(lv.aborted, seen.bm)
			t.AbortedVisible += int64(visible.GetCardinality())
			for it := visible.Iterator(); it.HasNext() && len(t.AbortedVisibleExamples) < maxExamples; {
				t.AbortedVisibleExamples = append(t.AbortedVisibleExamples, fmt.Sprintf("producer %d seq %d", l.producer, it.Next()))
			}
		}
		if d := v.dups[l.producer]; d != nil {
			t.CommittedReadTwice += int64(d.AndCardinality(lv.acked))
		}
	}
	if !found {
		return
	}
	t.ReadIsolation = isolation
	a.Transactions = &t
}
