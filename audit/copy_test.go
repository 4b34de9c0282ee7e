package audit

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// ackedLedger is a plain producer's ledger with records 0..n-1 sent and acknowledged.
func ackedLedger(producer uint32, n uint64) *Ledger {
	l := NewLedger(producer)
	for s := uint64(0); s < n; s++ {
		l.Sent(s)
		l.Acked(s)
	}
	return l
}

// copyRead is the output read: each identity read with its copier tag.
type copyRead struct {
	out  *Verifier
	tags *CopyTags
}

func newCopyRead() copyRead { return copyRead{NewVerifier(), NewCopyTags()} }

func (r copyRead) read(producer uint32, inst, txn uint32, seqs ...uint64) {
	for _, s := range seqs {
		r.out.Observe(0, producer, s)
		r.tags.Observe(record.CopyTag{Instance: inst, Txn: txn}, producer, s)
	}
}

func copied(producer uint32, seqs ...uint64) *Verifier {
	v := NewVerifier()
	readAll(v, producer, seqs...)
	return v
}

// TestCopyExactlyOnceAcrossKill: copier instance 1 copied 0..19, committed 0..14 and was killed
// with 15..19 in an open transaction (aborted by its replacement's init); instance 2 copied
// 15..29 again. The output shows each record once: exactly once, with 5 redeliveries of work
// and no duplicate.
func TestCopyExactlyOnceAcrossKill(t *testing.T) {
	l := ackedLedger(3, 30)
	r := newCopyRead()
	r.read(3, 1, 0, seqRange(0, 15)...)
	r.read(3, 2, 0, seqRange(15, 30)...)
	a := ReconcileRead([]*Ledger{l}, r.out, stats.VerificationRead{Complete: true})
	var c stats.CopyAudit
	CopyOutput(&c, &a, r.tags, []CopierInstance{{Instance: 1}, {Instance: 2}},
		[]*Verifier{copied(3, seqRange(0, 20)...), copied(3, seqRange(15, 30)...)})
	if !c.ExactlyOnce || c.Missing == nil || *c.Missing != 0 || c.Duplicates != 0 || c.Redelivered != 5 || c.CopyEvents != 35 || c.OutputRead != 30 {
		t.Errorf("copy audit %+v (missing %v)", c, c.Missing)
	}
}

// TestCopyDuplicateAndMissing: a record copied in two committed transactions is a duplicate; an
// acknowledged record not in the output is missing; either breaks exactly once.
func TestCopyDuplicateAndMissing(t *testing.T) {
	l := ackedLedger(1, 10)
	r := newCopyRead()
	r.read(1, 1, 0, 0, 1, 2, 3, 4, 5, 6, 8, 9)
	r.read(1, 2, 0, 3)
	a := ReconcileRead([]*Ledger{l}, r.out, stats.VerificationRead{Complete: true})
	var c stats.CopyAudit
	CopyOutput(&c, &a, r.tags, nil, nil)
	if c.ExactlyOnce || c.Missing == nil || *c.Missing != 1 || c.Duplicates != 1 {
		t.Errorf("copy audit %+v (missing %v)", c, c.Missing)
	}
}

// TestCopyIncompleteReadIsNotExactlyOnce: when the output read did not complete, missing is
// unknown (nil, never zero) and there is no verdict of exactly once.
func TestCopyIncompleteReadIsNotExactlyOnce(t *testing.T) {
	l := ackedLedger(1, 10)
	r := newCopyRead()
	r.read(1, 1, 0, seqRange(0, 5)...)
	a := ReconcileRead([]*Ledger{l}, r.out, stats.VerificationRead{Stopped: "its bound of 1s ran out"})
	var c stats.CopyAudit
	CopyOutput(&c, &a, r.tags, nil, nil)
	if c.ExactlyOnce || c.Missing != nil {
		t.Errorf("copy audit %+v (missing %v)", c, c.Missing)
	}
}

// TestCopyZombieVisible: instance 1 was made a zombie at t=100. Its transaction 4, whose commit
// began at t=50, may be visible (the takeover completes a commit under way); transaction 5
// (commit began at t=150, after the pause) and transaction 6 (no commit reported) are the
// zombie's writes: visible, they are counted and named. The replacement's are not.
func TestCopyZombieVisible(t *testing.T) {
	l := ackedLedger(2, 40)
	r := newCopyRead()
	r.read(2, 1, 4, seqRange(0, 10)...)
	r.read(2, 1, 5, seqRange(10, 13)...)
	r.read(2, 1, 6, 13)
	r.read(2, 2, 0, seqRange(14, 40)...)
	a := ReconcileRead([]*Ledger{l}, r.out, stats.VerificationRead{Complete: true})
	zombie := CopierInstance{Instance: 1, Slot: 0, ZombieSinceNs: 100, CommitBeganNs: map[uint32]int64{4: 50, 5: 150}}
	var c stats.CopyAudit
	CopyOutput(&c, &a, r.tags, []CopierInstance{zombie, {Instance: 2}}, nil)
	if c.ZombieVisible != 4 || c.ExactlyOnce || len(c.ZombieVisibleExamples) != 2 {
		t.Fatalf("copy audit %+v", c)
	}
	if !strings.Contains(c.ZombieVisibleExamples[0], "transaction 5: 3 records, e.g. producer 2 seq 10") ||
		!strings.Contains(c.ZombieVisibleExamples[1], "transaction 6: 1 records, e.g. producer 2 seq 13") {
		t.Errorf("examples %q", c.ZombieVisibleExamples)
	}
	if *c.Missing != 0 || c.Duplicates != 0 {
		t.Errorf("missing %d duplicates %d, want 0 (the zombie's writes were the only copies)", *c.Missing, c.Duplicates)
	}
}

// TestCopyAbortedInputVisible: a record of an aborted input transaction that reached the output
// (a copier read it although it reads with read_committed) is counted against exactly once.
func TestCopyAbortedInputVisible(t *testing.T) {
	l := syntheticTxnLedger(5, 10, TxnCommitted, TxnAborted)
	r := newCopyRead()
	r.read(5, 1, 0, seqRange(0, 10)...)
	r.read(5, 1, 1, 12)
	a := ReconcileRead([]*Ledger{l}, r.out, stats.VerificationRead{Complete: true})
	FinishTxn(&a, []*Ledger{l}, r.out, "read_committed")
	var c stats.CopyAudit
	CopyOutput(&c, &a, r.tags, nil, nil)
	if c.AbortedVisible != 1 || c.ExactlyOnce || *c.Missing != 0 {
		t.Errorf("copy audit %+v", c)
	}
}
