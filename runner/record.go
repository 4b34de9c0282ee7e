package runner

import (
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/record"
)

// The profile validation refuses message sizes below profiles.MinMessageSize; it must be the
// record header's length. These two lines fail to compile if the two ever differ.
var (
	_ [record.HeaderLen - profiles.MinMessageSize]struct{}
	_ [profiles.MinMessageSize - record.HeaderLen]struct{}
)

// sizeCycle picks message sizes between min and max as a pure function of the sequence, so the
// delivery report (which carries only the key) can tell the acknowledged record's size without a
// lookup, and no random source is used on the hot path. A prime stride walks the range so every
// size appears and the mean is close to the midpoint.
type sizeCycle struct {
	min, span uint64
}

// newSizeCycle returns sizes in [min, max]; both are raised to record.HeaderLen (runPoint
// refuses a point below it first, so a result never claims a size smaller than what was sent).
func newSizeCycle(min, max int) sizeCycle {
	if min < record.HeaderLen {
		min = record.HeaderLen
	}
	if max < min {
		max = min
	}
	return sizeCycle{min: uint64(min), span: uint64(max - min + 1)}
}

// at returns the size of the record with sequence seq.
func (s sizeCycle) at(seq uint64) int {
	if s.span == 1 {
		return int(s.min)
	}
	return int(s.min + (seq*7919)%s.span)
}

// max is the largest size at can return.
func (s sizeCycle) max() int { return int(s.min + s.span - 1) }

// clockBase anchors nowNs: one wall-clock reading taken when the process starts.
var clockBase = time.Now()

// clockBaseNs is clockBase in unix nanoseconds.
var clockBaseNs = clockBase.UnixNano()

// nowNs is the current time in unix nanoseconds for the per-record hot paths (send time,
// delivery time, poll time). It reads only the monotonic clock, one vDSO call where time.Now
// makes two (wall and monotonic), and adds it to a wall-clock reading taken at start, so
// differences between two readings are exact and the value is still wall-clock time, as the
// record header needs for consumers in other processes (drift from the wall clock is the
// NTP slew since start: microseconds over a run).
func nowNs() int64 { return clockBaseNs + int64(time.Since(clockBase)) }
