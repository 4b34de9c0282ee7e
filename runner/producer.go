package runner

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// defaultMaxInFlight bounds outstanding records per producer in max-rate (closed loop) mode when
// the profile does not say: enough to keep librdkafka's batches full at hundreds of thousands of
// records per second, small enough that latency is not mostly time in the client's queue.
const defaultMaxInFlight = 10000

// stickyInterval is how long a producer keeps sending to one partition with the "none" key
// distribution, like librdkafka's sticky.partitioning.linger.ms default. The runner picks
// partitions itself because its records carry a key (the delivery report needs it), and keyed
// records would otherwise be hashed, one partition per record.
const stickyInterval = 10 * time.Millisecond

// phaseClock is when the phases of a point begin and end, in unix nanoseconds, and the point's
// send schedule. A record belongs to the measured phase when its send time is in [Measure, End):
// at a target rate its scheduled send time, so a record the window scheduled but a lagging
// sender (a stall near the end) sent after End is still counted, with its latency from the
// schedule, and the throughput is the records the window scheduled over the window's length; at
// max rate (closed loop, no schedule) its actual send time. Producers, consumers and the
// per-second counters all decide by member, so sent, acked and consumed count the same records.
type phaseClock struct {
	Start   int64 // warmup begins; the pacer's schedule starts here
	Measure int64 // measured phase begins
	End     int64 // measured phase ends; no record is scheduled at or after it

	// The schedule (rate 0: max rate, none): producer id idBase+i is Pacer i of producers
	// sharing rate sends per second.
	rate, producers uint64
	idBase          uint32
}

func (c phaseClock) measured(ns int64) bool { return ns >= c.Measure && ns < c.End }

// scheduled is when record seq of producer id was due (unix ns): from the schedule at a target
// rate, else (max rate, or a producer id not of this point) its actual send time sendNs.
func (c phaseClock) scheduled(producer uint32, seq uint64, sendNs int64) int64 {
	i := uint64(producer - c.idBase)
	if c.rate == 0 || i >= c.producers {
		return sendNs
	}
	return c.Start + int64(scheduleOffset(c.rate, c.producers, i, seq))
}

// member says whether record seq of producer id, sent at sendNs, belongs to the measured phase.
func (c phaseClock) member(producer uint32, seq uint64, sendNs int64) bool {
	return c.measured(c.scheduled(producer, seq, sendNs))
}

// counters are the per-worker numbers other goroutines read while it runs (progress, per-second
// series). Each has one writer; readers use atomic loads. Padding keeps workers off each
// other's cache lines.
type counters struct {
	sent, sentBytes     atomic.Int64 // measured phase, written by the send goroutine
	acked, ackedBytes   atomic.Int64 // measured phase, delivery goroutine
	failed              atomic.Int64 // measured phase, delivery goroutine (and send goroutine via sendFailed)
	ackedAll            atomic.Int64 // all phases: the denominator of consumer lag
	consumed, consBytes atomic.Int64 // measured phase, consumer goroutine
	consumedAll         atomic.Int64 // all phases
	_                   [64]byte
}

// producerWorker is one producer instance: its own librdkafka client, one goroutine sending and
// one reading delivery reports. Each owns its histograms and its half of the audit ledger.
type producerWorker struct {
	id       uint32
	p        driver.Producer
	topic    string
	nparts   int32
	keyDist  string
	sizes    sizeCycle
	pacer    *Pacer // nil in max-rate mode
	maxIn    int64
	clock    phaseClock
	c        counters
	inflight atomic.Int64
	waiting  atomic.Int32
	room     chan struct{} // delivery goroutine -> sender: an in-flight slot or queue space freed

	// Send goroutine only.
	sendFailed map[string]int64 // Produce returned an error other than queue full

	// Delivery goroutine only.
	ledger       *audit.Ledger
	produce      *stats.Histogram
	produceRaw   *stats.Histogram
	sendDelay    *stats.Histogram // scheduled to actual send (OMB's publish delay); nil in closed loop
	win          window
	delayWin     window
	clientErrs   map[string]int64   // client-level error events (all brokers down ...)
	failedByName map[string]int64   // measured-phase delivery failures by Kafka error name
	tl           *producerTimelines // ack and failure times for the availability numbers (nil: off)
	done         chan struct{}

	// txn is the producer's transactions (nil: not transactional). Send goroutine only; the
	// delivery goroutine only tests it for nil.
	txn *txnState
}

// send produces records until the measured phase ends or ctx is done. It is the hot path: no lock,
// no allocation of its own (one value buffer, one key buffer, one Record, reused).
func (w *producerWorker) send(ctx context.Context) {
	value := make([]byte, w.sizes.max())
	key := make([]byte, record.KeyLen)
	rec := driver.Record{Topic: w.topic, Key: key}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	parts := partitioner{dist: w.keyDist, n: w.nparts, part: int32(w.id) % w.nparts, rnd: uint64(w.id)*0x9E3779B97F4A7C15 + 1}
	if w.txn != nil {
		if !w.txnBegin(0) {
			return
		}
		defer w.txnStop()
	}

	for seq := uint64(0); ; seq++ {
		if ctx.Err() != nil {
			return
		}
		var sched int64
		if w.pacer != nil {
			sched = w.clock.Start + int64(w.pacer.Offset(seq))
			if sched >= w.clock.End {
				return
			}
			if wait := sched - nowNs(); wait > 0 {
				timer.Reset(time.Duration(wait))
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
		} else if !w.waitSlot(ctx, timer) {
			return
		}
		if w.txn != nil && w.txn.due(nowNs()) && !w.txnEnd(seq, false) {
			return
		}
		size := w.sizes.at(seq)
		rec.Value = value[:size]
		for {
			now := nowNs()
			if w.pacer == nil {
				sched = now
				if now >= w.clock.End {
					return
				}
			}
			rec.Partition = parts.next(seq, now)
			record.EncodeHeader(value, record.Header{Producer: w.id, Seq: seq, SendNs: now})
			record.EncodeKey(key, seq, now)
			w.inflight.Add(1)
			err := w.p.Produce(&rec)
			if err == nil {
				w.ledger.Sent(seq)
				if w.txn != nil {
					w.txn.add(seq, sched, now, size)
				}
				if w.clock.measured(sched) {
					w.c.sent.Add(1)
					w.c.sentBytes.Add(int64(size))
				}
				break
			}
			w.release()
			if err == driver.QueueFull {
				// Never drop and never flush: wait for a delivery report to free space, then
				// retry the same record (its scheduled time stays, so the wait counts as latency).
				if !w.waitRoom(ctx, timer) {
					return
				}
				continue
			}
			if w.clock.measured(sched) {
				w.sendFailed[errorName(err)]++
				w.c.failed.Add(1)
			}
			break
		}
	}
}

// partitioner picks each record's partition by the profile's key distribution. The runner picks
// partitions itself because its records carry a key (the delivery report needs it), and keyed
// records would otherwise be hashed, one partition per record.
type partitioner struct {
	dist       string // "random", "sequential", else sticky ("none")
	n          int32  // partitions
	part       int32  // the current sticky partition
	lastSwitch int64  // when the sticky partition last changed (unix ns)
	rnd        uint64 // xorshift state
}

// next is the partition of record seq sent at now.
func (p *partitioner) next(seq uint64, now int64) int32 {
	switch p.dist {
	case "random":
		p.rnd ^= p.rnd << 13
		p.rnd ^= p.rnd >> 7
		p.rnd ^= p.rnd << 17
		p.part = int32(p.rnd % uint64(p.n))
	case "sequential":
		p.part = int32(seq % uint64(p.n))
	default: // sticky
		if now-p.lastSwitch >= int64(stickyInterval) {
			p.part = (p.part + 1) % p.n
			p.lastSwitch = now
		}
	}
	return p.part
}

// waitSlot blocks while the closed-loop in-flight bound is reached; false when ctx is done.
func (w *producerWorker) waitSlot(ctx context.Context, timer *time.Timer) bool {
	for w.inflight.Load() >= w.maxIn {
		if !w.waitRoom(ctx, timer) {
			return false
		}
	}
	return true
}

// waitRoom waits until the delivery goroutine signals freed space, at most 100 ms (a missed
// signal costs a re-check, never a hang); false when ctx is done.
func (w *producerWorker) waitRoom(ctx context.Context, timer *time.Timer) bool {
	w.waiting.Store(1)
	timer.Reset(100 * time.Millisecond)
	select {
	case <-ctx.Done():
		return false
	case <-w.room:
	case <-timer.C:
	}
	return true
}

// release frees one in-flight slot and wakes the sender if it waits for one.
func (w *producerWorker) release() {
	w.inflight.Add(-1)
	if w.waiting.Load() == 1 && w.waiting.CompareAndSwap(1, 0) {
		select {
		case w.room <- struct{}{}:
		default:
		}
	}
}

// deliveries reads delivery reports until the producer is closed.
func (w *producerWorker) deliveries() {
	defer close(w.done)
	w.p.Deliveries(w)
	w.win.flush()
	w.delayWin.flush()
}

// ClientError counts a client-level error event (driver.DeliveryHandler).
func (w *producerWorker) ClientError(e driver.Error) { w.clientErrs[errorName(e)]++ }

// Delivered accounts for one delivery report (driver.DeliveryHandler).
func (w *producerWorker) Delivered(m *driver.Delivery) { w.onDelivery(m) }

// onDelivery accounts for one delivery report.
func (w *producerWorker) onDelivery(m *driver.Delivery) {
	now := nowNs()
	seq, sendNs, ok := record.DecodeKey(m.Key)
	if !ok {
		return
	}
	w.release()
	sched := sendNs
	if w.pacer != nil {
		sched = w.clock.Start + int64(w.pacer.Offset(seq))
	}
	// Which phase a record belongs to is decided as the send loop and the consumers decide it
	// (phaseClock): by its scheduled time at a target rate, by its actual send time at max rate.
	measured := w.clock.measured(sched)
	if m.Err.Code() != driver.ErrNoError {
		code, name, indet := int(m.Err.Code()), m.Err.Name(), m.Err.Class() == driver.Indeterminate
		w.ledger.Failed(seq, code, name, indet)
		w.tl.fail(now, name)
		// A transaction's abort purges its records still queued: the abort, not a failure.
		purged := m.Err.Code() == driver.ErrPurgeQueue || m.Err.Code() == driver.ErrPurgeInflight
		if measured && !(w.txn != nil && purged) {
			w.c.failed.Add(1)
			w.failedByName[name]++
		}
		return
	}
	w.ledger.Acked(seq)
	w.tl.ack(now)
	if w.txn != nil {
		// In the log but pending: acknowledged (counted, latency recorded) when its
		// transaction commits, by the send goroutine (txnAccount).
		if measured && w.sendDelay != nil {
			w.sendDelay.Record(time.Duration(sendNs - sched))
			w.delayWin.record(now, time.Duration(sendNs-sched))
		}
		return
	}
	w.c.ackedAll.Add(1)
	if !measured {
		return
	}
	lat := time.Duration(now - sched)
	w.produce.Record(lat)
	w.produceRaw.Record(time.Duration(now - sendNs))
	w.c.acked.Add(1)
	w.c.ackedBytes.Add(int64(w.sizes.at(seq)))
	w.win.record(now, lat)
	if w.sendDelay != nil {
		w.sendDelay.Record(time.Duration(sendNs - sched))
		w.delayWin.record(now, time.Duration(sendNs-sched))
	}
}

// drain waits (bounded) for every outstanding delivery report, purges what is left when the
// bound runs out (those reports arrive as purge errors, counted as indeterminate), and closes the
// client. It returns false when the bound ran out.
func (w *producerWorker) drain(limit time.Duration) bool {
	clean := w.waitIdle(limit)
	if !clean {
		w.p.Purge()
		w.waitIdle(5 * time.Second)
	}
	closeBounded(w.p.Close, 10*time.Second)
	select {
	case <-w.done:
	case <-time.After(5 * time.Second):
		clean = false
	}
	return clean
}

// waitIdle waits until every outstanding record has its delivery report, at most limit; false
// when some are still out. It is woken by the delivery goroutine (release signals room while the
// waiting flag is set), re-checking at least every 100 ms so a missed signal costs a re-check,
// never a hang. The sender has stopped by then, so it does not compete for the signal.
func (w *producerWorker) waitIdle(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		w.waiting.Store(1)
		if w.inflight.Load() <= 0 {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		timer.Reset(min(left, 100*time.Millisecond))
		select {
		case <-w.room:
		case <-timer.C:
		}
	}
}

// closeBounded runs a client's Close with a bound (see driver.CloseBounded).
func closeBounded(closeFn func(), limit time.Duration) bool {
	return driver.CloseBounded(closeFn, limit)
}

// errorName is the Kafka error code name of err ("REQUEST_TIMED_OUT", "_MSG_TIMED_OUT", ...).
func errorName(err error) string {
	_, name, _ := classifyError(err)
	return name
}

// classifyError returns an error's code, its name, and whether a record it failed may still
// have been written (indeterminate) rather than definitely not. An error that is not a
// driver.Error is indeterminate ("UNKNOWN").
func classifyError(err error) (code int, name string, indeterminate bool) {
	var de driver.Error
	if !errors.As(err, &de) {
		return -1, "UNKNOWN", true
	}
	return int(de.Code()), de.Name(), de.Class() == driver.Indeterminate
}
