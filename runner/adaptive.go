package runner

import (
	"context"
	"math"
	"time"

	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/warmup"
)

// A point's warmup ends at steady state: its producers run for the profile's warmup (the fixed
// minimum), then on until the per-window produce p99 of the warmup (windows of warmupStep)
// meets warmup.Default, at most
// warmupExtra longer. Until then the measured phase's start (and so its end) is provisional, at
// the bound; the decision moves both once, warmupMargin ahead of now, through the clock's live
// bounds that every worker reads, so no record already sent changes phase.

// warmupExtra bounds how much longer than its fixed minimum a point's warmup may run to reach
// steady state; after it the point is measured anyway and its result says it was not steady.
// The bound scales with the minimum (warmupExtraPerMinimum times it, between warmupExtraFloor and
// warmupExtra): a profile that asks for a short warmup is a short run (the demo), and a point
// that never steadies by this rule (a transactional producer's send-to-commit p99 jumps with every
// commit) should not cost it 15 s a repetition.
const (
	warmupExtra           = 15 * time.Second
	warmupExtraFloor      = 5 * time.Second
	warmupExtraPerMinimum = 4
)

// warmupExtension is the adaptive part's bound for a point whose fixed minimum is minimum.
func warmupExtension(minimum time.Duration) time.Duration {
	return min(max(warmupExtraPerMinimum*minimum, warmupExtraFloor), warmupExtra)
}

// shortPointWindow is the warmup's window for a short point: a point whose measured phase is
// under shortPointUnder (the demo's 2 s) is judged on half-second windows, so three agreeing
// windows take 1.5 s instead of 3 s. The rule is the same (three windows within a factor of 2
// or 20 ms, each with acknowledgements) and is recorded with its window length.
const (
	shortPointWindow = 500 * time.Millisecond
	shortPointUnder  = 4 * time.Second
)

// warmupStep is the length of the windows the point's warmup is judged on: half a second for a
// short point, one second otherwise, for the cluster warm-up (its rule compares six windows),
// and for a transactional point (its records are acknowledged at commits, a few a second at
// saturation: a half-second window may hold none).
func (m *measurement) warmupStep() time.Duration {
	if m.s.warming || m.dur >= shortPointUnder {
		return time.Second
	}
	for _, pw := range m.producers {
		if pw.txn != nil {
			return time.Second
		}
	}
	return shortPointWindow
}

// warmupMargin is how far ahead of the decision the measured phase starts: no record scheduled
// (or, at max rate, sent) before the decision is measured.
const warmupMargin = 250 * time.Millisecond

// adaptive says whether the point's warmup may end at steady state: not with faults or consumer
// worker processes, whose schedules and clocks are fixed before the point starts.
func (m *measurement) adaptive() bool {
	return len(m.s.opts.Faults) == 0 && !m.usesWorkers() && !m.s.opts.FixedWarmup
}

// warmupBounds are the fixed minimum and the bound of the point's warmup.
func (m *measurement) warmupBounds() (minimum, bound time.Duration) {
	minimum = max(m.p.Workload.Warmup, 0)
	switch {
	case !m.adaptive():
		return minimum, minimum
	case m.s.warming:
		return minimum, minimum + clusterWarmupExtra
	}
	return minimum, minimum + warmupExtension(minimum)
}

// settle waits until the warmup ends (steady, or the bound), then moves the measured phase to
// start warmupMargin later and records how the warmup went. The producers are sending.
func (m *measurement) settle(ctx context.Context) {
	minimum, bound := m.warmupBounds()
	rep := &stats.WarmupReport{MinSeconds: minimum.Seconds(), Seconds: minimum.Seconds()}
	m.res.Warmup = rep
	if !m.adaptive() || m.clock.live == nil {
		rep.Reason = "fixed warmup: the point's faults or consumer processes run on a schedule fixed in advance"
		if m.s.opts.FixedWarmup {
			rep.Reason = "fixed warmup (asked for)"
		}
		return
	}
	rule := warmup.Default
	if m.s.warming {
		rule = warmup.Cluster
	}
	step := m.warmStep
	rule = rule.WithStep(step)
	rep.Adaptive, rep.MaxSeconds, rep.Rule, rep.WindowSeconds = true, bound.Seconds(), rule.String(), step.Seconds()
	start := time.Unix(0, m.clock.Start)
	minW, maxW := int(math.Ceil(float64(minimum)/float64(step))), int(math.Floor(float64(bound)/float64(step)))
	for k := 1; k <= maxW; k++ {
		// At k windows and a bit, windows 0..k-1 are over and handed over.
		t := time.NewTimer(time.Until(start.Add(time.Duration(k)*step + 100*time.Millisecond)))
		select {
		case <-ctx.Done():
			t.Stop()
			rep.Reason = "interrupted during the warmup"
			return
		case <-t.C:
		}
		p99s := m.warmCol.p99s(k)
		if d, ok := rule.Decide(p99s, minW, maxW); ok {
			rep.SetP99s(p99s, step)
			rep.Reason = d.Reason
			steady := d.Steady
			rep.Steady = &steady
			break
		}
	}
	measure := time.Now().Add(warmupMargin)
	if floor := start.Add(minimum); measure.Before(floor) {
		measure = floor
	}
	m.moveMeasure(measure)
	rep.Seconds = measure.Sub(start).Seconds()
	if rep.Steady == nil { // the loop ran out without a decision (bound below one window)
		f := false
		rep.Steady, rep.Reason = &f, "not steady within the bound"
	}
	if !*rep.Steady {
		m.note("warmup not steady after %.1f s (%s): the point's figures may include a cold start", rep.Seconds, rep.Reason)
	}
}

// moveMeasure starts the measured phase at measure (earlier than the provisional start) and ends
// it the point's duration later, for every worker (live bounds) and for the point itself.
func (m *measurement) moveMeasure(measure time.Time) {
	ns := measure.UnixNano()
	if ns >= m.clock.Measure {
		return
	}
	m.clock.Measure, m.clock.End = ns, ns+int64(m.dur)
	m.clock.live.measure.Store(m.clock.Measure)
	m.clock.live.end.Store(m.clock.End)
}
