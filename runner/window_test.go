package runner

import (
	"context"
	"testing"
	"time"

	"github.com/kbench/kbench/audit"
)

// TestPhaseClockMember: at a target rate a record belongs to the measured phase by its scheduled
// time (from producer id and sequence), whenever it was actually sent; at max rate, and for a
// producer id that is not the point's, by its actual send time.
func TestPhaseClockMember(t *testing.T) {
	const s = int64(time.Second)
	// 10 records/s over 2 producers (ids 7 and 8): producer 7's record n is due at n*0.2 s,
	// producer 8's at 0.1+n*0.2 s; the measured phase is [1 s, 2 s).
	rated := phaseClock{Start: 0, Measure: s, End: 2 * s, rate: 10, producers: 2, idBase: 7}
	maxRate := rated
	maxRate.rate = 0
	cases := []struct {
		name     string
		clock    phaseClock
		producer uint32
		seq      uint64
		sendNs   int64
		want     bool
	}{
		{"due in the phase, sent after it (sender lagging)", rated, 7, 9, 5 * s, true}, // due 1.8 s
		{"second producer due in the phase, sent late", rated, 8, 9, 3 * s, true},      // due 1.9 s
		{"due before the phase, sent in it", rated, 7, 4, s + s/2, false},              // due 0.8 s
		{"due at the end, sent at once", rated, 7, 10, 2 * s, false},                   // due 2.0 s
		{"first record due at the start", rated, 7, 5, s, true},                        // due 1.0 s
		{"max rate: actual send time in the phase", maxRate, 7, 1 << 40, s + 1, true},
		{"max rate: actual send time after the phase", maxRate, 7, 0, 2 * s, false},
		{"foreign producer: actual send time", rated, 3, 0, s + 1, true},
	}
	for _, c := range cases {
		if got := c.clock.member(c.producer, c.seq, c.sendNs); got != c.want {
			t.Errorf("%s: member = %v, want %v (scheduled %d ns)", c.name, got, c.want, c.clock.scheduled(c.producer, c.seq, c.sendNs))
		}
	}
}

// TestLaggingSenderKeepsScheduledRecords: the sender stalls through the whole measured phase and
// catches up only after it ended (here: it starts 1 s after the phase's end, against librdkafka's
// mock cluster). Every record the phase scheduled is still counted as sent and acknowledged, and
// its produce latency is measured from its scheduled time, so the stall shows in the tail instead
// of the records falling out of the window (issue 13 item 6: 232 of 100,000 dropped at 5,000/s).
func TestLaggingSenderKeepsScheduledRecords(t *testing.T) {
	const rate = 2000
	bootstrap, topic := mockTopic(t, 3)
	w := benchProducer(t, bootstrap, topic, 100, 3)
	now := nowNs()
	s := int64(time.Second)
	clock := phaseClock{Start: now - 3*s, Measure: now - 2*s, End: now - s, rate: rate, producers: 1, idBase: w.id}
	col := newCollector(2)
	go col.run()
	pacer, err := NewPacer(rate, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.pacer, w.clock, w.win = pacer, clock, newWindow(kindProduce, clock, col)
	go w.deliveries()
	w.send(context.Background()) // every record is overdue: all go out now, after the phase
	if !w.drain(30 * time.Second) {
		t.Fatal("deliveries still outstanding after 30 s")
	}
	close(col.in)
	<-col.finished

	const inPhase = rate // records scheduled in the 1 s measured phase
	if got := w.c.sent.Load(); got != inPhase {
		t.Errorf("sent in the measured phase %d, want the %d it scheduled", got, inPhase)
	}
	if got := w.c.acked.Load(); got != inPhase {
		t.Errorf("acked in the measured phase %d, want %d", got, inPhase)
	}
	if got := w.produce.Count(); got != inPhase {
		t.Errorf("produce latency histogram holds %d records, want %d", got, inPhase)
	}
	if got := audit.Reconcile([]*audit.Ledger{w.ledger}, nil).Sent; got != 2*rate {
		t.Errorf("ledger has %d sends, want %d (warmup and measured phase)", got, 2*rate)
	}
	// Sent 1 s or more after the last one was due: the latency from the schedule says so, the
	// raw latency (from the actual send) does not.
	sum := w.produce.Summary()
	if sum.MinMs < 1000 {
		t.Errorf("produce latency min %.1f ms, want at least 1000 ms (measured from the scheduled time)", sum.MinMs)
	}
	if raw := w.produceRaw.Summary(); raw.P50Ms >= 1000 {
		t.Errorf("raw produce latency p50 %.1f ms: the records were sent at once, want far below 1 s", raw.P50Ms)
	}
}
