package fleet

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/stats"
)

// TestConsumersAreDealtLikeProducers: the group keeps the point's size (never one per worker),
// members dealt out evenly; and each producer's owner is the worker whose share runs it.
func TestConsumersAreDealtLikeProducers(t *testing.T) {
	for _, c := range []struct{ consumers, workers int }{{2, 3}, {5, 2}, {3, 3}, {1, 4}} {
		sum := 0
		for i := range c.workers {
			sh, _ := ShareOf(0, 6, c.workers, i, 0)
			sh = sh.WithConsumers(c.consumers)
			if sh.FirstConsumer != sum || sh.Consumers < c.consumers/c.workers || sh.Consumers > c.consumers/c.workers+1 {
				t.Fatalf("%d consumers over %d workers: worker %d gets %+v", c.consumers, c.workers, i, sh)
			}
			sum += sh.Consumers
		}
		if sum != c.consumers {
			t.Fatalf("%d consumers over %d workers: %d run", c.consumers, c.workers, sum)
		}
	}
	for _, c := range []struct{ producers, workers int }{{3, 3}, {7, 3}, {2, 5}} {
		owners := ProducerOwners(c.producers, c.workers)
		for w := range c.workers {
			sh, _ := ShareOf(0, c.producers, c.workers, w, 0)
			for i := sh.FirstProducer; i < sh.FirstProducer+sh.Producers; i++ {
				if owners[i] != w {
					t.Fatalf("%d producers over %d workers: producer %d owned by %d, run by %d", c.producers, c.workers, i, owners[i], w)
				}
			}
		}
	}
}

// TestSendClockCorrectsByBothOffsets: a record's send time moves by the producing worker's
// offset minus the consumer's, its own producers' not at all, and the uncertainty is the sum of
// the consumer's and the worst producing worker's; one worker alone has one clock (0).
func TestSendClockCorrectsByBothOffsets(t *testing.T) {
	offs := []Offset{{OffsetNs: 1000, UncertaintyNs: 30}, {OffsetNs: -4000, UncertaintyNs: 70}, {OffsetNs: 2500, UncertaintyNs: 50}}
	c, err := NewSendClock(ProducerOwners(3, 3), offs, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{5000, 0, 6500}; c.CorrectionNs[0] != want[0] || c.CorrectionNs[1] != want[1] || c.CorrectionNs[2] != want[2] {
		t.Fatalf("corrections %v, want %v", c.CorrectionNs, want)
	}
	if !c.Own[1] || c.Own[0] || c.Own[2] || c.UncertaintyNs != 70+50 {
		t.Fatalf("own %v uncertainty %d: want producer 1 own, 120 ns", c.Own, c.UncertaintyNs)
	}
	one, err := NewSendClock(ProducerOwners(2, 1), offs[:1], 0)
	if err != nil || one.UncertaintyNs != 0 || !one.Own[0] || !one.Own[1] {
		t.Fatalf("one worker: %+v %v", one, err)
	}
	if _, err := NewSendClock(ProducerOwners(3, 3), offs[:2], 1); err == nil {
		t.Fatal("a plan missing a producing worker's offset was taken")
	}
}

func readsOf(t *testing.T, producer uint32, seqs ...uint64) []byte {
	v := audit.NewVerifier()
	for _, s := range seqs {
		v.Observe(0, producer, s)
	}
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMergeOfConsumerResults: consumed counts add up, the group's lag is the workers' signed
// balances summed per sample (a worker that read more than it produced offsets one that
// produced more than it read), never below zero, and the identities read merge into one
// group account: a record read on two workers is one redelivery, one read nowhere is skipped.
func TestMergeOfConsumerResults(t *testing.T) {
	m := NewMerge("p", 2)
	m.Add(&Result{Worker: 0, Point: "p", Consumed: 7, ConsumedBytes: 700, EndToEndUncertaintyNs: 9,
		LagBalance: []int64{5, -3, 2}, Series: []stats.Second{{}, {}}, Reads: [][]byte{readsOf(t, 0, 0, 1, 2)}})
	m.Add(&Result{Worker: 1, Point: "p", Consumed: 3, ConsumedBytes: 300, EndToEndUncertaintyNs: 4,
		LagBalance: []int64{-2, 4, -4}, Series: []stats.Second{{}, {}}, Reads: [][]byte{readsOf(t, 0, 2, 3)}})
	tot := m.Totals()
	if tot.Consumed != 10 || tot.ConsumedBytes != 1000 || tot.EndToEndUncertaintyNs != 9 {
		t.Fatalf("totals %+v", tot)
	}
	if lag := m.LagBalance(); len(lag) != 3 || lag[0] != 3 || lag[1] != 1 || lag[2] != 0 {
		t.Fatalf("group lag %v, want [3 1 0]", lag)
	}
	if s := m.Series(); s[0].ConsumerLag != 1 || s[1].ConsumerLag != 0 {
		t.Fatalf("series lag %d %d: a row carries the lag at its end", s[0].ConsumerLag, s[1].ConsumerLag)
	}
	reads, err := m.Reads()
	if err != nil || len(reads) != 2 {
		t.Fatalf("reads %d err %v", len(reads), err)
	}
	verified := audit.NewVerifier()
	for s := range uint64(5) {
		verified.Observe(0, 0, s)
	}
	if g := audit.ConsumerGroup(verified, reads); g.Redelivered != 1 || g.Skipped != 1 || g.ProcessedUnique != 4 {
		t.Fatalf("group account %+v: want record 2 read twice, record 4 skipped", g)
	}
	m.Add(&Result{Worker: 1, Point: "p", Reads: [][]byte{{9}}}) // a duplicate: dropped, never decoded
	if _, err := m.Reads(); err != nil {
		t.Fatal(err)
	}
}

// TestConsumersWaitForTheWholeGroup: a worker's consumers keep reading until the coordinator's
// totals over every worker say the group read every acknowledged record, not just this
// worker's: worker 0 acknowledged 10 and read 4, worker 1 acknowledged none; worker 0 is caught
// up only once worker 1 has read the other 6.
func TestConsumersWaitForTheWholeGroup(t *testing.T) {
	bus := &memBus{}
	c := NewCoordinator(bus.end(), "rg", 2, fast, now)
	defer c.Close()
	var read1 atomic.Int64
	type wait struct {
		early, late bool
		tot         Progress
	}
	got := make(chan wait, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 2 {
		w := &Worker{Bus: bus.end(), RunID: "rg", Index: i, Timing: fast, Now: now, Pings: 3}
		w.Progress = func() *Progress {
			if i == 0 {
				return &Progress{Point: "p1", AckedAll: 10, ConsumedAll: 4, Produced: true, HasConsumers: true}
			}
			return &Progress{Point: "p1", ConsumedAll: read1.Load(), Produced: true, HasConsumers: true}
		}
		w.Share = func(ctx context.Context, p Plan, _ Share, _ Offset) *Result {
			if i == 0 {
				var r wait
				_, r.early = w.WaitCaughtUp(ctx, p.Point.ID, 300*time.Millisecond)
				read1.Store(6)
				r.tot, r.late = w.WaitCaughtUp(ctx, p.Point.ID, 5*time.Second)
				got <- r
			} else {
				w.WaitCaughtUp(ctx, p.Point.ID, 5*time.Second) // as the runner's shares: read until the group is done
			}
			return &Result{Status: stats.StatusOK}
		}
		go func() { _ = w.Run(ctx) }()
	}
	if err := c.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := plan("p1")
	p.Point.Workload.Consumers = 2
	if _, lost, err := c.RunPoint(context.Background(), p, 100*time.Millisecond); err != nil || len(lost) != 0 {
		t.Fatalf("lost %v err %v", lost, err)
	}
	r := <-got
	if r.early || !r.late || r.tot.AckedAll != 10 || r.tot.ConsumedAll != 10 {
		t.Fatalf("caught up before worker 1 read: %v; after: %v with totals %+v", r.early, r.late, r.tot)
	}
	if l := c.Live(); l.Alive != 2 || l.Workers != 2 || l.AckedAll != 10 {
		t.Fatalf("live %+v: want 2 of 2 alive, 10 acknowledged", l)
	}
}
