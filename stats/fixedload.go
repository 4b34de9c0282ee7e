package stats

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/kbench/kbench/profiles"
)

// FixedLoad says a point is its level's fixed-load point (latency: in the profile): the rate it
// was offered and how that rate was derived in this run.
type FixedLoad struct {
	RatePerSecond     float64 `json:"rate_messages_per_second"`
	Spec              string  `json:"spec"`       // as the profile wrote it: "50%" or "5000"
	Derivation        string  `json:"derivation"` // in words, e.g. "50 % of fire-and-forget's saturated 28000 msgs/s"
	BasePointID       string  `json:"base_point_id,omitempty"`
	BaseLevel         string  `json:"base_level,omitempty"`
	BaseThroughput    float64 `json:"base_saturated_messages_per_second,omitempty"`
	SaturationPointID string  `json:"saturation_point_id"` // the same level's point at max rate
}

// ErrNoSaturatedThroughput says a share-of-throughput fixed load could not be resolved: no
// saturation point of the run measured a throughput.
var ErrNoSaturatedThroughput = errors.New("no saturation point measured a throughput")

// ResolveFixedLoad turns a profile's latency load into one rate for every level's fixed-load
// point. An absolute rate is taken as given. A share is of the least durable level's measured
// saturated throughput (acknowledged msgs/s of the lowest-ranked saturation point that finished
// ok); when that level has none, the next level up is used and the derivation says so.
func ResolveFixedLoad(l profiles.LatencyLoad, saturated []*Result) (FixedLoad, error) {
	fl := FixedLoad{Spec: l.String()}
	if l.Share <= 0 {
		fl.RatePerSecond = float64(l.Rate)
		fl.Derivation = fmt.Sprintf("%d msgs/s, as the profile sets it", l.Rate)
		return fl, nil
	}
	ordered := make([]*Result, 0, len(saturated))
	for _, r := range saturated {
		if r != nil {
			ordered = append(ordered, r)
		}
	}
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Point.Level.Rank < ordered[j].Point.Level.Rank })
	if l.OfSlowest() { // the slowest usable level first; unusable ones keep their place after
		sort.SliceStable(ordered, func(i, j int) bool { return slowerUsable(ordered[i], ordered[j]) })
	}
	var skipped []string
	for _, r := range ordered {
		tp := r.Metrics.Acked.RecordsPerSecond
		if !usable(r) {
			skipped = append(skipped, fmt.Sprintf("%s (%s)", r.Point.Level.Name, r.Status))
			continue
		}
		fl.RatePerSecond = math.Max(1, math.Round(l.Share*tp))
		fl.BasePointID, fl.BaseLevel, fl.BaseThroughput = r.Point.ID, r.Point.Level.Name, tp
		fl.Derivation = fmt.Sprintf("%s of %s's saturated throughput in this run (%.0f msgs/s acknowledged at max rate)", l.String(), r.Point.Level.Name, tp)
		if l.OfSlowest() {
			fl.Derivation += ", the slowest level"
		}
		if len(skipped) > 0 {
			fl.Derivation += fmt.Sprintf("; less durable levels had no throughput to derive from: %v", skipped)
		}
		return fl, nil
	}
	return fl, fmt.Errorf("latency rate %s: %w (%d saturation points)", l.String(), ErrNoSaturatedThroughput, len(ordered))
}

// slowerUsable orders a before b when a is usable (finished ok with a throughput) and b is not,
// or both are and a's throughput is lower.
func slowerUsable(a, b *Result) bool {
	ua, ub := usable(a), usable(b)
	if ua != ub {
		return ua
	}
	return ua && a.Metrics.Acked.RecordsPerSecond < b.Metrics.Acked.RecordsPerSecond
}

func usable(r *Result) bool { return r.Status == StatusOK && r.Metrics.Acked.RecordsPerSecond > 0 }

// FixedLoadOrNil is the result's fixed load (nil for a nil result or a point without one).
func (r *Result) FixedLoadOrNil() *FixedLoad {
	if r == nil {
		return nil
	}
	return r.FixedLoad
}
