package runner

import (
	"fmt"
	"math/bits"
	"time"
)

// Pacer is an open-loop, constant-rate schedule for one producer, in the manner of vegeta's
// ConstantPacer. The schedule is fixed in advance: send n of producer i is due at
// (i + n*P) / rate seconds after the start, where rate is the total over all P producers. So the P
// producers interleave evenly (staggered by 1/rate), their sum is exactly the total rate, and
// nothing accumulates: send 1,000,000 is computed from n, not by adding up intervals.
//
// The pacer never waits on delivery reports. A sender that falls behind is told to send at once
// (wait <= 0) until it has caught up, and latency is measured from ScheduledTime, so a stall shows
// up in the latency of every send it delayed (no coordinated omission).
//
// A Pacer is immutable and safe for concurrent use.
type Pacer struct {
	rate      uint64        // total sends per second over all producers
	producers uint64        // P
	index     uint64        // this producer's index, 0..P-1
	duration  time.Duration // 0: no end
}

// NewPacer returns the schedule of producer index (0-based) out of producers, sharing totalRate
// sends per second. With duration > 0 the schedule ends there: Pace reports stop for any send due
// at or after duration.
func NewPacer(totalRate, producers, index int, duration time.Duration) (*Pacer, error) {
	switch {
	case totalRate <= 0:
		return nil, fmt.Errorf("pacer: rate must be positive, got %d (max rate runs closed loop, without a pacer)", totalRate)
	case producers <= 0:
		return nil, fmt.Errorf("pacer: producers must be positive, got %d", producers)
	case index < 0 || index >= producers:
		return nil, fmt.Errorf("pacer: producer index %d out of range 0..%d", index, producers-1)
	case duration < 0:
		return nil, fmt.Errorf("pacer: negative duration %s", duration)
	}
	return &Pacer{rate: uint64(totalRate), producers: uint64(producers), index: uint64(index), duration: duration}, nil
}

// Offset is when send n (0-based) of this producer is due, counted from the start. It saturates
// at the largest Duration instead of wrapping.
func (p *Pacer) Offset(n uint64) time.Duration {
	return scheduleOffset(p.rate, p.producers, p.index, n)
}

// scheduleOffset is when send n of producer index (of producers, sharing rate sends per second)
// is due, counted from the start: the schedule every Pacer follows, which phaseClock also uses
// to tell a record's scheduled time from its producer id and sequence alone.
func scheduleOffset(rate, producers, index, n uint64) time.Duration {
	// k = index + n*P, the send's place in the global schedule; offset = k * 1e9 / rate ns,
	// computed in 128 bits so it is exact (truncated to the nanosecond) for any n.
	hi, k := bits.Mul64(n, producers)
	k, carry := bits.Add64(k, index, 0)
	hi += carry
	if hi != 0 {
		return maxDuration
	}
	hi, lo := bits.Mul64(k, uint64(time.Second))
	if hi >= rate {
		return maxDuration
	}
	ns, _ := bits.Div64(hi, lo, rate)
	if ns > uint64(maxDuration) {
		return maxDuration
	}
	return time.Duration(ns)
}

const maxDuration = time.Duration(1<<63 - 1)

// ScheduledTime is when send n (0-based) of this producer is due, given the start of the schedule.
// Latency measured from it includes any time the send spent waiting for the sender.
func (p *Pacer) ScheduledTime(start time.Time, n uint64) time.Time {
	return start.Add(p.Offset(n))
}

// Pace says how long to wait before the next send, given the time elapsed since the start and the
// number of sends made so far (hits). A wait <= 0 means the send is due or late: send now. stop is
// true once the next send would be due at or after the duration given to NewPacer.
func (p *Pacer) Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool) {
	due := p.Offset(hits)
	if p.duration > 0 && due >= p.duration {
		return 0, true
	}
	return due - elapsed, false
}

// Rate is this producer's share of the total rate, in sends per second.
func (p *Pacer) Rate() float64 { return float64(p.rate) / float64(p.producers) }
