// Package warmup decides when a load has reached steady state: a freshly started cluster (JIT,
// page cache, new segments, a topic's first leader elections) and a point's fresh clients answer
// slowly at first, and a measurement that starts then is biased by the cold start (on a 2-core
// machine a point right after `cluster up` had produce p99 12.2 s, the same point a minute later
// 0.10 s). It is pure: the runner feeds it the per-second produce p99 of a warmup.
package warmup

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Rule says when a series of per-window produce p99s (ms, one per whole window of Step, one
// second unless set) is steady: its last Window windows each had acknowledgements, and their p99s
// are within a factor MaxRatio of each other or within AbsMs of each other (whichever is wider: at
// a few ms a factor is noise). A window without a single acknowledgement (0 or NaN) is never
// steady. The comments below say "second" for a window of the default length.
type Rule struct {
	// Step is the length of one window; 0 means one second. A short point (the demo's 2 s measured
	// phases) is judged on half-second windows: three of them agreeing take 1.5 s, not 3 s.
	Step     time.Duration
	Window   int     // windows that must agree
	MaxRatio float64 // largest p99 over smallest
	AbsMs    float64 // or largest minus smallest, in ms
	// MaxImprovement, when set, also asks that the load has stopped getting faster, and is not
	// getting slower: the median p99 of the last Window seconds is at most this fraction below
	// the median of the Window seconds before, and that one at most this fraction below it (or
	// the two within AbsMs). A cold cluster can hold a plateau (0.8, 0.8, 1.1 s on a fresh
	// 2-core cluster) and only then fall to its warm 0.1 s; and one whose p99 climbs second by
	// second (0.9, 1.8, 2.6, 2.9, 3.2, 3.0 s) is building a queue, not steady.
	MaxImprovement float64
	// MaxOverBest, when set, also asks that the last Window seconds' median is at most this
	// factor above the best (lowest) second since the first SkipSeconds: a p99 that climbed
	// from 0.96 s to 3.1 s and levelled off there (a cold cluster under more load than it takes)
	// is not steady, however flat its top.
	MaxOverBest float64
	SkipSeconds int
}

// Default is the rule kbench uses for the cluster warm-up and each point's warmup: three
// seconds whose p99s are within a factor of 2 or 20 ms of each other. Cold, p99 falls by far more
// than a factor of 2 from one second to the next (12 s, then 2.5 s, then 0.1 s); warm, the
// per-second p99 of a 2-core machine at 1,000 msg/s moves between 70 and 110 ms.
var Default = Rule{Window: 3, MaxRatio: 2, AbsMs: 20}

// Cluster is the rule of the cluster warm-up before a sweep: Default, the last three seconds'
// median p99 neither 25 % below nor above the three seconds' before (so at least 6 s), and at
// most twice the best second after the first two (the producer's own start).
var Cluster = Rule{Window: 3, MaxRatio: 2, AbsMs: 20, MaxImprovement: 0.25, MaxOverBest: 2, SkipSeconds: 2}

// WithStep is the rule on windows of step instead of one second.
func (r Rule) WithStep(step time.Duration) Rule {
	r.Step = step
	return r
}

// step is the window length.
func (r Rule) step() time.Duration {
	if r.Step <= 0 {
		return time.Second
	}
	return r.Step
}

// windowWords names the window in a rule's words: "per-second" and "second", or for other
// lengths "per-0.5 s" and "0.5 s window".
func (r Rule) windowWords() (per, each string) {
	if r.step() == time.Second {
		return "per-second", "second"
	}
	return fmt.Sprintf("per-%g s", r.step().Seconds()), fmt.Sprintf("%g s window", r.step().Seconds())
}

// String states the rule as reports print it.
func (r Rule) String() string {
	per, each := r.windowWords()
	s := fmt.Sprintf("the last %d %s produce p99s within a factor of %g of each other (or within %g ms), each %s with acknowledgements",
		r.Window, per, r.MaxRatio, r.AbsMs, each)
	if r.MaxImprovement > 0 {
		s += fmt.Sprintf(", and their median neither %g %% below nor above the median of the %d %ss before", r.MaxImprovement*100, r.Window, each)
	}
	if r.MaxOverBest > 0 {
		s += fmt.Sprintf(" and at most %g times the best second after the first %d", r.MaxOverBest, r.SkipSeconds)
	}
	return s
}

// Steady says whether the last Window seconds of p99s meet the rule.
func (r Rule) Steady(p99s []float64) bool {
	w := max(1, r.Window)
	if len(p99s) < w {
		return false
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range p99s[len(p99s)-w:] {
		if !(v > 0) || math.IsInf(v, 0) { // no acknowledgement that second (or NaN)
			return false
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi > lo*r.MaxRatio && hi-lo > r.AbsMs {
		return false
	}
	if r.MaxOverBest > 0 && !r.nearBest(p99s) {
		return false
	}
	if r.MaxImprovement <= 0 {
		return true
	}
	if len(p99s) < 2*w {
		return false
	}
	last, before := median(p99s[len(p99s)-w:]), median(p99s[len(p99s)-2*w:len(p99s)-w])
	if math.Abs(last-before) <= r.AbsMs {
		return true
	}
	// Neither still falling (warming) nor rising (a queue building: the load is above what the
	// cluster does, and every second adds to the latency).
	return last >= (1-r.MaxImprovement)*before && last <= before/(1-r.MaxImprovement)
}

// nearBest says the last Window seconds' median is within MaxOverBest of the best second since
// SkipSeconds (or within AbsMs of it).
func (r Rule) nearBest(p99s []float64) bool {
	w := max(1, r.Window)
	best := math.Inf(1)
	for _, v := range p99s[min(r.SkipSeconds, len(p99s)-w):] {
		if v > 0 {
			best = math.Min(best, v)
		}
	}
	last := median(p99s[len(p99s)-w:])
	return last <= best*r.MaxOverBest || last-best <= r.AbsMs
}

// median of a few values (0 counts as a value: a second without acknowledgements).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Decision is how a warmup ended.
type Decision struct {
	Windows int    // whole windows of warmup (seconds, for the default one-second window)
	Steady  bool   // false: the bound ran out first
	Reason  string // one line: why it ended there
}

// Decide says whether a warmup that has run len(p99s) whole windows ends now: not before
// minWindows (the fixed minimum), at the first window after it where the series is steady, and
// at maxWindows at the latest (not steady then). ok is false while it should go on.
func (r Rule) Decide(p99s []float64, minWindows, maxWindows int) (d Decision, ok bool) {
	n := len(p99s)
	per, _ := r.windowWords()
	secs := func(k int) float64 { return float64(k) * r.step().Seconds() }
	switch {
	case n >= minWindows && r.Steady(p99s):
		w := p99s[n-max(1, r.Window):]
		return Decision{Windows: n, Steady: true, Reason: fmt.Sprintf("steady after %g s: last %d %s p99s %s ms", secs(n), len(w), per, formatMs(w))}, true
	case n >= maxWindows:
		w := p99s[max(0, n-max(1, r.Window)):]
		return Decision{Windows: n, Reason: fmt.Sprintf("not steady within the %g s bound: last %s p99s %s ms", secs(maxWindows), per, formatMs(w))}, true
	}
	return Decision{}, false
}

// FirstSteady is how a warmup over the whole series p99s would have ended by Decide (ok false:
// it would still go on).
func (r Rule) FirstSteady(p99s []float64, minWindows, maxWindows int) (Decision, bool) {
	for n := 0; n <= len(p99s); n++ {
		if d, ok := r.Decide(p99s[:n], minWindows, maxWindows); ok {
			return d, true
		}
	}
	return Decision{}, false
}

func formatMs(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		if !(x > 0) {
			s += "none"
			continue
		}
		s += fmt.Sprintf("%.1f", x)
	}
	return s
}
