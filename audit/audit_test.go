package audit

import (
	"testing"

	"github.com/kbench/kbench/stats"
)

// read is one record of a verification read.
type read struct {
	partition int32
	producer  uint32
	seq       uint64
}

// seqs returns the sequences from..to-1.
func seqs(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestReconcile(t *testing.T) {
	type failure struct {
		seq           uint64
		indeterminate bool
	}
	type producer struct {
		id     uint32
		sent   []uint64
		acked  []uint64
		failed []failure
	}
	cases := []struct {
		name      string
		producers []producer
		reads     []read
		want      stats.Audit // Lost left out: see lost
		lost      int64
	}{
		{
			name:      "everything acked comes back once, in order",
			producers: []producer{{id: 1, sent: seqs(0, 5), acked: seqs(0, 5)}},
			reads:     []read{{0, 1, 0}, {0, 1, 1}, {1, 1, 2}, {0, 1, 3}, {1, 1, 4}},
			want:      stats.Audit{Sent: 5, Acked: 5, Consumed: 5},
		},
		{
			name:      "acked records missing from the log are lost",
			producers: []producer{{id: 1, sent: seqs(0, 5), acked: seqs(0, 5)}},
			reads:     []read{{0, 1, 0}, {0, 1, 1}, {0, 1, 4}},
			want:      stats.Audit{Sent: 5, Acked: 5, Consumed: 3}, lost: 2,
		},
		{
			name:      "a retried batch written twice: duplicates, not out of order",
			producers: []producer{{id: 7, sent: seqs(0, 4), acked: seqs(0, 4)}},
			reads:     []read{{0, 7, 0}, {0, 7, 1}, {0, 7, 2}, {0, 7, 3}, {0, 7, 0}, {0, 7, 1}},
			want:      stats.Audit{Sent: 4, Acked: 4, Consumed: 4, Duplicates: 2},
		},
		{
			name:      "a batch overtaken by a later one is out of order (one backward step)",
			producers: []producer{{id: 2, sent: seqs(0, 6), acked: seqs(0, 6)}},
			reads:     []read{{0, 2, 3}, {0, 2, 4}, {0, 2, 5}, {0, 2, 0}, {0, 2, 1}, {0, 2, 2}},
			want:      stats.Audit{Sent: 6, Acked: 6, Consumed: 6, OutOfOrder: 1},
		},
		{
			name:      "order is per partition: interleaving across partitions is fine",
			producers: []producer{{id: 2, sent: seqs(0, 4), acked: seqs(0, 4)}},
			reads:     []read{{1, 2, 1}, {1, 2, 3}, {0, 2, 0}, {0, 2, 2}},
			want:      stats.Audit{Sent: 4, Acked: 4, Consumed: 4},
		},
		{
			name: "failures: definite ones absent, indeterminate ones that appear",
			producers: []producer{{id: 3, sent: seqs(0, 6), acked: []uint64{0, 1, 2},
				failed: []failure{{3, false}, {4, true}, {5, true}}}},
			// 4 was indeterminate and is in the log: read back but never acked.
			reads: []read{{0, 3, 0}, {0, 3, 1}, {0, 3, 2}, {0, 3, 4}},
			want:  stats.Audit{Sent: 6, Acked: 3, Failed: 1, Indeterminate: 2, Consumed: 4, UnackedConsumed: 1},
		},
		{
			name:      "sent without any delivery report, then read back",
			producers: []producer{{id: 3, sent: seqs(0, 3), acked: []uint64{0}}},
			reads:     []read{{0, 3, 0}, {0, 3, 2}},
			want:      stats.Audit{Sent: 3, Acked: 1, Consumed: 2, UnackedConsumed: 1},
		},
		{
			name:      "gaps in sequences and huge sequences",
			producers: []producer{{id: 9, sent: []uint64{0, 1 << 40, 1<<63 + 5}, acked: []uint64{0, 1 << 40, 1<<63 + 5}}},
			reads:     []read{{0, 9, 0}, {0, 9, 1<<63 + 5}},
			want:      stats.Audit{Sent: 3, Acked: 3, Consumed: 2}, lost: 1,
		},
		{
			name:      "records nobody here sent are counted apart",
			producers: []producer{{id: 1, sent: seqs(0, 2), acked: seqs(0, 2)}},
			reads:     []read{{0, 1, 0}, {0, 1, 1}, {0, 1, 99}, {0, 42, 0}},
			want:      stats.Audit{Sent: 2, Acked: 2, Consumed: 4, ConsumedNotSent: 2},
		},
		{
			name: "two producers, loss in one",
			producers: []producer{
				{id: 1, sent: seqs(0, 3), acked: seqs(0, 3)},
				{id: 2, sent: seqs(0, 3), acked: seqs(0, 3)},
			},
			reads: []read{{0, 1, 0}, {0, 2, 0}, {0, 1, 1}, {0, 2, 2}, {0, 1, 2}},
			want:  stats.Audit{Sent: 6, Acked: 6, Consumed: 5}, lost: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ledgers []*Ledger
			for _, p := range c.producers {
				l := NewLedger(p.id)
				for _, s := range p.sent {
					l.Sent(s)
				}
				for _, s := range p.acked {
					l.Acked(s)
				}
				for _, f := range p.failed {
					l.Failed(f.seq, 7, "REQUEST_TIMED_OUT", f.indeterminate)
				}
				ledgers = append(ledgers, l)
			}
			v := NewVerifier()
			for _, r := range c.reads {
				v.Observe(r.partition, r.producer, r.seq)
			}
			got := Reconcile(ledgers, v)
			if n, ok := got.LostCount(); !ok || n != c.lost {
				t.Errorf("lost %d (known %v), want %d", n, ok, c.lost)
			}
			checkBookkeeping(t, ledgers, v, got)
			got.Lost = nil
			if got != c.want {
				t.Errorf("audit\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// checkBookkeeping asserts the audit's invariants: every acked record is either read back or
// lost, and every record read back is accounted for exactly once.
func checkBookkeeping(t *testing.T, ledgers []*Ledger, v *Verifier, a stats.Audit) {
	t.Helper()
	var ackedConsumed int64
	for _, l := range ledgers {
		if s := v.seen[l.Producer()]; s != nil {
			ackedConsumed += int64(l.acked.bm.AndCardinality(s.bm))
		}
	}
	if lost, _ := a.LostCount(); a.Acked != ackedConsumed+lost {
		t.Errorf("acked %d != acked-and-consumed %d + lost %d", a.Acked, ackedConsumed, lost)
	}
	if a.Consumed != ackedConsumed+a.UnackedConsumed+a.ConsumedNotSent {
		t.Errorf("consumed %d != acked-and-consumed %d + unacked-consumed %d + not-sent %d",
			a.Consumed, ackedConsumed, a.UnackedConsumed, a.ConsumedNotSent)
	}
	if a.Sent < a.Acked+a.Failed+a.Indeterminate {
		t.Errorf("sent %d < acked %d + failed %d + indeterminate %d", a.Sent, a.Acked, a.Failed, a.Indeterminate)
	}
	if v.Observed() != a.Consumed+a.Duplicates {
		t.Errorf("observed %d != unique consumed %d + duplicates %d", v.Observed(), a.Consumed, a.Duplicates)
	}
}

// TestReconcileReadIncomplete: records a verification read had not reached are not lost. With
// the same ledgers and the same records read, a complete read counts the missing acknowledged
// records as lost; an incomplete one says lost is unknown and keeps them apart as an upper
// bound. The send-side counts are the ledgers' either way.
func TestReconcileReadIncomplete(t *testing.T) {
	l := NewLedger(1)
	for s := range uint64(100) {
		l.Sent(s)
		if s < 90 {
			l.Acked(s)
		}
	}
	l.Failed(90, 19, "NOT_ENOUGH_REPLICAS", false)
	l.Failed(91, 7, "REQUEST_TIMED_OUT", true)
	v := NewVerifier()
	for s := range uint64(40) {
		v.Observe(int32(s%2), 1, s)
	}

	done := ReconcileRead([]*Ledger{l}, v, stats.VerificationRead{Complete: true, Attempts: 1})
	if n, ok := done.LostCount(); !ok || n != 50 {
		t.Errorf("complete read: lost %d (known %v), want 50", n, ok)
	}
	part := ReconcileRead([]*Ledger{l}, v, stats.VerificationRead{Stopped: "interrupted", Attempts: 1, RecordsRead: 40})
	if _, ok := part.LostCount(); ok || part.ReadComplete() {
		t.Errorf("interrupted read: lost %s, want unknown", part.LostText())
	}
	if r := part.VerificationRead; r == nil || r.AckedNotReadBack != 50 || r.Stopped != "interrupted" {
		t.Errorf("interrupted read: %+v, want 50 acknowledged records not read back", r)
	}
	if part.Sent != 100 || part.Acked != 90 || part.Failed != 1 || part.Indeterminate != 1 || part.Consumed != 40 {
		t.Errorf("interrupted read: audit %+v, want the ledgers' sent 100, acked 90, failed 1, indeterminate 1 and 40 read", part)
	}
	skipped := ReconcileRead([]*Ledger{l}, nil, stats.VerificationRead{Stopped: "interrupted before the read began"})
	if _, ok := skipped.LostCount(); ok || skipped.Sent != 100 || skipped.Acked != 90 {
		t.Errorf("skipped read: audit %+v, want lost unknown and the send-side counts kept", skipped)
	}
}

func TestLedgerFailuresByError(t *testing.T) {
	l := NewLedger(1)
	l.Failed(0, 7, "REQUEST_TIMED_OUT", true)
	l.Failed(1, 7, "REQUEST_TIMED_OUT", true)
	l.Failed(2, 19, "NOT_ENOUGH_REPLICAS", false)
	got := l.FailuresByError()
	if len(got) != 2 || got["REQUEST_TIMED_OUT"] != 2 || got["NOT_ENOUGH_REPLICAS"] != 1 {
		t.Errorf("FailuresByError = %v", got)
	}
}

func TestVerifierMergeAcrossPartitionReaders(t *testing.T) {
	a, b := NewVerifier(), NewVerifier()
	a.Observe(0, 1, 0)
	a.Observe(0, 1, 2)
	b.Observe(1, 1, 1)
	b.Observe(1, 1, 2) // also in partition 0: a duplicate across readers
	a.Merge(b)
	l := NewLedger(1)
	for s := range uint64(3) {
		l.Sent(s)
		l.Acked(s)
	}
	got := Reconcile([]*Ledger{l}, a)
	want := stats.Audit{Sent: 3, Acked: 3, Consumed: 3, Duplicates: 1}
	if !got.NoneLost() {
		t.Errorf("merged audit lost %s, want 0", got.LostText())
	}
	got.Lost = nil
	if got != want {
		t.Errorf("merged audit\n got %+v\nwant %+v", got, want)
	}
}

func TestTenMillionContiguousAcksUseLittleMemory(t *testing.T) {
	const n = 10_000_000
	l := NewLedger(1)
	v := NewVerifier()
	for s := range uint64(n) {
		l.Sent(s)
		l.Acked(s)
	}
	// The read returns everything but one record, interleaved over 3 partitions.
	for s := range uint64(n) {
		if s != 4_000_000 {
			v.Observe(int32(s%3), 1, s)
		}
	}
	a := Reconcile([]*Ledger{l}, v)
	if lost, _ := a.LostCount(); a.Acked != n || lost != 1 || a.Consumed != n-1 {
		t.Fatalf("audit %+v", a)
	}
	for name, bm := range map[string]uint64{
		"sent":     l.sent.bm.GetSerializedSizeInBytes(),
		"acked":    l.acked.bm.GetSerializedSizeInBytes(),
		"consumed": v.seen[1].bm.GetSerializedSizeInBytes(),
	} {
		// 10 million contiguous values are 153 run containers of a few bytes each; a plain
		// bitmap would be 1.2 MB and a []uint64 80 MB.
		if bm > 4096 {
			t.Errorf("%s set of %d contiguous sequences takes %d bytes serialized, want <= 4096", name, n, bm)
		}
	}
}

// BenchmarkAuditPerRecord is the audit's cost for one record on its whole path: Sent on the
// producing goroutine, Acked on the delivery goroutine, Observe in the verification read.
func BenchmarkAuditPerRecord(b *testing.B) {
	l := NewLedger(1)
	v := NewVerifier()
	b.ReportAllocs()
	var s uint64
	for b.Loop() {
		l.Sent(s)
		l.Acked(s)
		v.Observe(int32(s&7), 1, s)
		s++
	}
}

func BenchmarkLedgerSentAcked(b *testing.B) {
	l := NewLedger(1)
	b.ReportAllocs()
	var s uint64
	for b.Loop() {
		l.Sent(s)
		l.Acked(s)
		s++
	}
}

// BenchmarkVerifierObserve is the verification read's cost per record when records arrive in
// per-partition batches of 500, as a consumer's fetches deliver them.
func BenchmarkVerifierObserve(b *testing.B) {
	v := NewVerifier()
	b.ReportAllocs()
	var s uint64
	for b.Loop() {
		v.Observe(int32((s/500)%6), 1, s)
		s++
	}
}
