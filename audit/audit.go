// Package audit is kbench's record audit: what each producer sent and what the delivery reports
// said (Ledger), what a verification read found (Verifier), and their comparison into the
// durability counts of a result (Reconcile, Finish, ConsumerGroup). It is pure: it never talks
// to Kafka, so any client implementation can feed it, and it builds without cgo.
package audit

import (
	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/kbench/kbench/stats"
)

// The record audit judges a point by record identity, (producer id, sequence), never by offsets
// (transaction markers and retries take offsets too). Each producer goroutine keeps a Ledger of
// what it sent and what the delivery reports said; the verification read feeds a Verifier; and
// Reconcile compares the two into a stats.Audit.
//
// Sets of sequences are compressed bitmaps (roaring64) that are run-length optimised as they
// grow, so memory grows with the number of gaps, not with the number of records: ten million
// contiguous acknowledgements take a few dozen bytes.

// optimizeEvery is how many additions a set takes between run-length optimisations. Roaring's
// bitmap containers cost 8 KiB per 65,536 values until optimised into runs, so this bounds the
// unoptimised part of a set to about one container's worth per set.
const optimizeEvery = 1 << 16

// seqSet is a set of sequences that keeps itself run-length optimised.
type seqSet struct {
	bm      *roaring64.Bitmap
	pending int
}

func newSeqSet() seqSet { return seqSet{bm: roaring64.New()} }

// add inserts x and reports whether it was new.
func (s *seqSet) add(x uint64) bool {
	if !s.bm.CheckedAdd(x) {
		return false
	}
	s.pending++
	if s.pending >= optimizeEvery {
		s.bm.RunOptimize()
		s.pending = 0
	}
	return true
}

func (s *seqSet) optimize() {
	s.bm.RunOptimize()
	s.pending = 0
}

// Ledger is one producer's account of its records: which sequences it handed to the client and
// what each delivery report said. It takes no lock. Sent must be called from one goroutine (the
// one producing) and Acked/Failed from one goroutine (the one reading delivery reports); the two
// groups touch disjoint fields, so those two goroutines may run at the same time. Reconcile reads
// the ledger after both have stopped.
type Ledger struct {
	producer uint32

	// Producing side.
	sent seqSet

	// Delivery-report side.
	acked         seqSet
	failed        seqSet // definitely not written
	indeterminate seqSet // may or may not have been written
	failures      map[int]failureCount

	// Producing side, transactional producers only (nil otherwise): how each transaction ended.
	txn *txnLedger
}

type failureCount struct {
	name  string
	count int64
}

// NewLedger returns an empty ledger for producer id producer (the id written into its records).
func NewLedger(producer uint32) *Ledger {
	return &Ledger{
		producer:      producer,
		sent:          newSeqSet(),
		acked:         newSeqSet(),
		failed:        newSeqSet(),
		indeterminate: newSeqSet(),
		failures:      map[int]failureCount{},
	}
}

// Producer is the producer id this ledger accounts for.
func (l *Ledger) Producer() uint32 { return l.producer }

// Sent records that sequence seq was handed to the client.
func (l *Ledger) Sent(seq uint64) { l.sent.add(seq) }

// Acked records a delivery report without error for seq.
func (l *Ledger) Acked(seq uint64) { l.acked.add(seq) }

// Failed records a delivery report with an error for seq: code and name are the Kafka (or
// librdkafka) error code and its name; indeterminate is true when the record may still have been
// written (request timed out, connection lost, NOT_LEADER_OR_FOLLOWER after the request left),
// false when it definitely was not.
func (l *Ledger) Failed(seq uint64, code int, name string, indeterminate bool) {
	if indeterminate {
		l.indeterminate.add(seq)
	} else {
		l.failed.add(seq)
	}
	fc, ok := l.failures[code]
	if !ok {
		fc.name = name
	}
	fc.count++
	l.failures[code] = fc
}

// FailuresByError counts failed delivery reports by error name, for stats.Metrics.FailedByError.
func (l *Ledger) FailuresByError() map[string]int64 {
	out := make(map[string]int64, len(l.failures))
	for _, fc := range l.failures {
		out[fc.name] += fc.count
	}
	return out
}

// Verifier checks what the verification read returned: every record identity it sees, which
// ones came back more than once, and whether any producer's sequence went backwards within a
// partition. It takes no lock; one goroutine feeds it (or one per partition group, then Merge).
type Verifier struct {
	seen       map[uint32]*seqSet
	last       map[partitionProducer]*lastSeq
	lastKey    partitionProducer // cache: consecutive records usually share partition and producer
	lastSet    *seqSet
	lastPos    *lastSeq
	duplicates int64
	outOfOrder int64
	observed   int64
	// dups holds the identities seen more than once, per producer (created on the first
	// duplicate: normally never), so a transactional audit can say which records were read twice.
	dups map[uint32]*roaring64.Bitmap
}

// lastSeq is the last first-seen sequence of one producer in one partition.
type lastSeq struct {
	seq uint64
	ok  bool
}

type partitionProducer struct {
	partition int32
	producer  uint32
}

// NewVerifier returns an empty verifier.
func NewVerifier() *Verifier {
	return &Verifier{seen: map[uint32]*seqSet{}, last: map[partitionProducer]*lastSeq{}}
}

// Observe takes one record of the verification read. Each offset must be observed once. A record
// identity seen before is a duplicate (one count per extra copy). Within a partition, a producer's
// first-seen sequence lower than its previous first-seen sequence is out of order (one count per
// backward step). Duplicates are not also counted as out of order.
func (v *Verifier) Observe(partition int32, producer uint32, seq uint64) {
	v.observed++
	key := partitionProducer{partition, producer}
	if v.lastSet == nil || key != v.lastKey {
		set := v.seen[producer]
		if set == nil {
			s := newSeqSet()
			set = &s
			v.seen[producer] = set
		}
		pos := v.last[key]
		if pos == nil {
			pos = &lastSeq{}
			v.last[key] = pos
		}
		v.lastKey, v.lastSet, v.lastPos = key, set, pos
	}
	if !v.lastSet.add(seq) {
		v.duplicates++
		v.dup(producer).Add(seq)
		return
	}
	if v.lastPos.ok && seq < v.lastPos.seq {
		v.outOfOrder++
	}
	v.lastPos.seq, v.lastPos.ok = seq, true
}

// dup is the set of producer's identities seen more than once.
func (v *Verifier) dup(producer uint32) *roaring64.Bitmap {
	if v.dups == nil {
		v.dups = map[uint32]*roaring64.Bitmap{}
	}
	d := v.dups[producer]
	if d == nil {
		d = roaring64.New()
		v.dups[producer] = d
	}
	return d
}

// Observed is the number of records observed, duplicates included.
func (v *Verifier) Observed() int64 { return v.observed }

// Merge adds what o observed to v, for verification reads split across goroutines by partition
// (each partition must be read by exactly one of them). Identities seen by both count as
// duplicates.
func (v *Verifier) Merge(o *Verifier) {
	v.observed += o.observed
	v.duplicates += o.duplicates
	v.outOfOrder += o.outOfOrder
	for p, os := range o.seen {
		s := v.seen[p]
		if s == nil {
			c := newSeqSet()
			c.bm.Or(os.bm)
			c.optimize()
			v.seen[p] = &c
			continue
		}
		if both := roaring64.And(s.bm, os.bm); !both.IsEmpty() {
			v.duplicates += int64(both.GetCardinality())
			v.dup(p).Or(both)
		}
		s.bm.Or(os.bm)
		s.optimize()
	}
	for p, d := range o.dups {
		v.dup(p).Or(d)
	}
	for k, os := range o.last {
		if !os.ok {
			continue
		}
		if pos := v.last[k]; pos == nil {
			v.last[k] = &lastSeq{seq: os.seq, ok: true}
		} else if !pos.ok || os.seq > pos.seq {
			pos.seq, pos.ok = os.seq, true
		}
	}
	v.lastSet, v.lastPos = nil, nil
}

// Reconcile compares the producers' ledgers with what a complete verification read returned
// (see ReconcileRead for one that may not have completed). It reads the ledgers and the verifier
// and leaves them unchanged in content. Invariants of the result: Acked = (acked and consumed) +
// Lost, and Consumed = (acked and consumed) + UnackedConsumed + ConsumedNotSent. The drain fields
// of stats.Audit are the caller's to fill.
func Reconcile(ledgers []*Ledger, v *Verifier) stats.Audit {
	a, notRead := reconcile(ledgers, v)
	a.Lost = &notRead
	return a
}

// ReconcileRead is Reconcile for a verification read described by read. When the read did not
// complete (interrupted, bound ran out, failed, skipped), an acknowledged record it did not see
// may simply not have been read yet: Lost is then unknown (nil) and the count of such records
// goes to read.AckedNotReadBack as an upper bound, never as loss. The send-side counts (sent,
// acked, failed, indeterminate) come from the ledgers alone and are kept either way; what was
// read back (consumed, duplicates, out of order) is a lower bound of an incomplete read.
func ReconcileRead(ledgers []*Ledger, v *Verifier, read stats.VerificationRead) stats.Audit {
	a, notRead := reconcile(ledgers, v)
	read.AckedNotReadBack = notRead
	if read.Complete {
		a.Lost = &notRead
	}
	a.VerificationRead = &read
	return a
}

// reconcile computes the audit with Lost left nil, and returns the number of acknowledged
// records the read did not see: the lost ones if the read was complete.
func reconcile(ledgers []*Ledger, v *Verifier) (a stats.Audit, ackedNotRead int64) {
	if v == nil {
		v = NewVerifier()
	}
	byProducer := map[uint32]*Ledger{}
	for _, l := range ledgers {
		if l == nil {
			continue
		}
		byProducer[l.producer] = l
		lv := l.view()
		a.Sent += int64(lv.sent.GetCardinality())
		a.Acked += int64(lv.acked.GetCardinality())
		a.Failed += int64(lv.failed.GetCardinality())
		a.Indeterminate += int64(lv.indet.GetCardinality())

		seen := v.seen[l.producer]
		if seen == nil {
			ackedNotRead += int64(lv.acked.GetCardinality())
			continue
		}
		seen.optimize()
		ackedNotRead += int64(lv.acked.GetCardinality() - lv.acked.AndCardinality(seen.bm))
		consumedSent := roaring64.And(seen.bm, lv.sent)
		a.UnackedConsumed += int64(consumedSent.GetCardinality() - consumedSent.AndCardinality(lv.acked))
		a.ConsumedNotSent += int64(seen.bm.GetCardinality() - consumedSent.GetCardinality())
	}
	for p, seen := range v.seen {
		a.Consumed += int64(seen.bm.GetCardinality())
		if _, ok := byProducer[p]; !ok {
			a.ConsumedNotSent += int64(seen.bm.GetCardinality())
		}
	}
	a.Duplicates = v.duplicates
	a.OutOfOrder = v.outOfOrder
	return a, ackedNotRead
}
