package analysis

import (
	"fmt"

	"github.com/kbench/kbench/stats"
)

// A run whose profile has latency: holds two points per level: the saturation point (max rate,
// for throughput) and the fixed-load point (one offered rate for every level, for latency).
// Throughput figures come from the first, latency figures from the second; where a max-rate
// latency still appears it is labelled stats.QueueingAtMaxRate.

// IsFixedLoad says the point is a level's fixed-load point.
func (p Point) IsFixedLoad() bool { return p.Result != nil && p.Result.FixedLoad != nil }

// HasFixedLoad says whether any of ps is a fixed-load point.
func HasFixedLoad(ps []Point) bool {
	for _, p := range ps {
		if p.IsFixedLoad() {
			return true
		}
	}
	return false
}

// SaturationPoints are the points for throughput: all but the fixed-load ones.
func SaturationPoints(ps []Point) []Point {
	var out []Point
	for _, p := range ps {
		if !p.IsFixedLoad() {
			out = append(out, p)
		}
	}
	return out
}

// LatencyPoints are the points for latency: the fixed-load ones when the run has them, else all.
func LatencyPoints(ps []Point) []Point {
	if !HasFixedLoad(ps) {
		return ps
	}
	var out []Point
	for _, p := range ps {
		if p.IsFixedLoad() {
			out = append(out, p)
		}
	}
	return out
}

// FixedLoadCaption says at which load the latency figures were measured and how it was derived
// ("" when the run has no fixed-load point).
func FixedLoadCaption(ps []Point) string {
	for _, p := range ps {
		if fl := p.Result.FixedLoadOrNil(); fl != nil && fl.RatePerSecond > 0 {
			return fmt.Sprintf("Latency at a fixed offered load of %.0f msgs/s for every level: %s. Latencies at max rate are %s.", fl.RatePerSecond, fl.Derivation, stats.QueueingAtMaxRate)
		}
	}
	return ""
}
