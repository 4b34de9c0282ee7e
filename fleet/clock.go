package fleet

import "fmt"

// Offset is a worker's clock offset to the coordinator, estimated over the control topic:
// coordinator time = worker time + OffsetNs, within ±UncertaintyNs (half the round trip of the
// sample kept, the one with the lowest round trip, as NTP does).
type Offset struct {
	OffsetNs      int64 `json:"offset_ns"`
	UncertaintyNs int64 `json:"uncertainty_ns"`
	Samples       int   `json:"samples"`
}

// OffsetEstimator keeps the lowest-round-trip sample of ping/pong exchanges.
type OffsetEstimator struct {
	best    Offset
	bestRTT int64
}

// Add takes one exchange: the worker sent the ping at t0 (worker clock), the coordinator
// answered at tc (its clock), the pong arrived at t1 (worker clock).
func (e *OffsetEstimator) Add(t0, tc, t1 int64) {
	rtt := t1 - t0
	if rtt < 0 {
		return
	}
	e.best.Samples++
	if e.best.Samples == 1 || rtt < e.bestRTT {
		e.bestRTT = rtt
		e.best.OffsetNs = tc - (t0+t1)/2
		e.best.UncertaintyNs = (rtt + 1) / 2
	}
}

// Estimate is the best sample so far (Samples 0: none).
func (e *OffsetEstimator) Estimate() Offset { return e.best }

// ToLocal converts a coordinator time to this worker's clock.
func (o Offset) ToLocal(coordNs int64) int64 { return coordNs - o.OffsetNs }

// SendClock puts the send time a record carries (its producing worker's clock) on a consuming
// worker's clock, so end-to-end latency across machines is (receipt - send) on one clock. The
// correction of producer index i is the producing worker's offset minus the consumer's; it is
// as good as the two offset estimates, so the latencies carry the sum of their uncertainties.
type SendClock struct {
	// CorrectionNs is added to a record's send time, by producer index (point id base first):
	// 0 for the consumer's own producers.
	CorrectionNs []int64
	// Own marks the producers of the consuming worker itself (one clock, no correction).
	Own []bool
	// UncertaintyNs is the consumer's offset uncertainty plus the largest of the other
	// producing workers' (0: every producer is its own, one clock).
	UncertaintyNs int64
}

// NewSendClock is the correction table of worker self consuming a point whose producers are
// owned as owners says (ProducerOwners), the workers' offsets as the plan carries them.
func NewSendClock(owners []int, offsets []Offset, self int) (SendClock, error) {
	if self < 0 || self >= len(offsets) {
		return SendClock{}, fmt.Errorf("worker %d: the plan carries %d workers' clock offsets", self, len(offsets))
	}
	me := offsets[self]
	c := SendClock{CorrectionNs: make([]int64, len(owners)), Own: make([]bool, len(owners))}
	var worst int64
	other := false
	for i, w := range owners {
		if w < 0 || w >= len(offsets) {
			return SendClock{}, fmt.Errorf("producer %d owned by worker %d of %d", i, w, len(offsets))
		}
		if w == self {
			c.Own[i] = true
			continue
		}
		other = true
		c.CorrectionNs[i] = offsets[w].OffsetNs - me.OffsetNs
		worst = max(worst, offsets[w].UncertaintyNs)
	}
	if other {
		c.UncertaintyNs = me.UncertaintyNs + worst
	}
	return c, nil
}
