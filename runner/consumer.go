package runner

import (
	"context"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// pollBatch is how many records one poll hands over at most: enough to amortize the call,
// few enough that stop and the commit clock are checked often.
const pollBatch = 64

// consumerWorker is one measuring consumer in the point's fresh group. It measures end-to-end
// latency from the send time written in each record to the moment it is polled.
type consumerWorker struct {
	c      counters
	cons   driver.Consumer
	clock  phaseClock
	commit bool        // commit after processing (enable.auto.commit=false)
	slot   *workerSlot // non-nil: the consumer runs as worker processes (cons is nil)
	read   *readSignal // wakes the phase waiting for reads (drain, backlog read); nil: none
	// backlog: consume.mode backlog; every record counts and no latency is recorded (records
	// waited by design). firstNs and lastNs (poll goroutine; read after done) bound the read.
	backlog         bool
	firstNs, lastNs int64
	// fleet is set when the consumer is a kbench worker's member of a group spread over
	// workers (nil: one process, one clock).
	fleet *fleetRead

	// Poll goroutine only.
	e2e     *stats.Histogram
	win     window
	foreign int64 // values without the kbench header
	errs    map[string]int64
	done    chan struct{}
}

// poll reads until stop is closed. Commits, when the point asks for commit-after-processing,
// happen once a second for what has been processed so far.
func (w *consumerWorker) poll(ctx context.Context, stop <-chan struct{}) {
	defer close(w.done)
	lastCommit := time.Now()
	batch := make([]driver.Message, pollBatch)
	for {
		select {
		case <-stop:
			w.win.flush()
			return
		default:
		}
		n, err := w.cons.Poll(100*time.Millisecond, batch)
		for i := range batch[:n] {
			w.onRecord(&batch[i])
		}
		if err != nil {
			w.errs[errorName(err)]++
		}
		if w.commit && time.Since(lastCommit) >= time.Second {
			lastCommit = time.Now()
			_ = w.cons.Commit() // "no offset" between batches is normal; the commit mode is what is measured
		}
		_ = ctx
	}
}

// onRecord accounts for one polled record, stamped with the time it was handed over.
func (w *consumerWorker) onRecord(m *driver.Message) {
	now := nowNs()
	h, err := record.DecodeHeader(m.Value)
	if err != nil {
		w.foreign++
		return
	}
	w.c.consumedAll.Add(1)
	w.read.read()
	if w.backlog {
		if w.firstNs == 0 {
			w.firstNs = now
		}
		w.lastNs = now
		w.c.consumed.Add(1)
		w.c.consBytes.Add(int64(len(m.Value)))
		return
	}
	send, own := h.SendNs, true
	if f := w.fleet; f != nil {
		f.read.Observe(m.Partition, h.Producer, h.Seq)
		send, own = f.onClock(h.Producer, send)
	}
	if w.clock.member(h.Producer, h.Seq, send) {
		lat := time.Duration(now - send)
		w.e2e.Record(lat)
		if own && w.fleet != nil {
			w.fleet.same.Record(lat)
		}
		w.win.record(now, lat)
		w.c.consumed.Add(1)
		w.c.consBytes.Add(int64(len(m.Value)))
	}
}

// fleetRead is what a worker's group member keeps beyond a lone consumer: the record
// identities it read (the group's audit across workers) and the correction that puts a send
// time taken on another worker on this worker's clock (end-to-end latency across machines).
type fleetRead struct {
	idBase uint32 // the point's first producer id (SendClock is indexed from it)
	clock  fleet.SendClock
	same   *stats.Histogram // records this worker's own producers sent: one clock, no correction
	read   *audit.Verifier
}

// onClock is send time sendNs of a record of producer id on this worker's clock, and whether
// the producer is this worker's own. A producer id not of the point is left as it is.
func (f *fleetRead) onClock(producer uint32, sendNs int64) (int64, bool) {
	i := producer - f.idBase
	if int(i) >= len(f.clock.CorrectionNs) {
		return sendNs, false
	}
	return sendNs + f.clock.CorrectionNs[i], f.clock.Own[i]
}
