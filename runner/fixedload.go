package runner

import (
	"strings"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// resolveFixedLoad gives the sweep's fixed-load points (latency: in the profile) their rate,
// resolved from the saturation points' results (stats.ResolveFixedLoad), and says it. When the
// rate cannot be resolved the points keep rate 0 and fail with the reason (markFixedLoad and
// measure see fixedLoadErr).
func (s *session) resolveFixedLoad(points []profiles.Point, results []*stats.Result) []profiles.Point {
	var l *profiles.LatencyLoad
	for _, p := range points {
		if p.Workload.Latency != nil {
			l = p.Workload.Latency
			break
		}
	}
	if l == nil {
		return nil
	}
	fl, err := stats.ResolveFixedLoad(*l, results)
	if err != nil {
		s.fixedLoadErr = err
		s.warn("fixed-load points not run: %v", err)
		return profiles.FixedLoadPoints(points, 0)
	}
	s.fixedLoad = &fl
	s.say("fixed load for latency: %.0f msgs/s (%s)", fl.RatePerSecond, fl.Derivation)
	return profiles.FixedLoadPoints(points, int(fl.RatePerSecond))
}

// markFixedLoad records on a fixed-load point's result the rate it ran at and how it was derived.
func (s *session) markFixedLoad(res *stats.Result, p profiles.Point) {
	sat, ok := strings.CutSuffix(p.ID, profiles.FixedLoadSuffix)
	if res == nil || !ok || (s.fixedLoad == nil && s.fixedLoadErr == nil) {
		return
	}
	fl := stats.FixedLoad{SaturationPointID: sat}
	if s.fixedLoad != nil {
		fl = *s.fixedLoad
		fl.SaturationPointID = sat
	}
	res.FixedLoad = &fl
}
