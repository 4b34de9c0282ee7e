package fleet

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
