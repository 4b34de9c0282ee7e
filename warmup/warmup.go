// Package warmup decides when a load has reached steady state: a freshly started cluster (JIT,
// page cache, new segments, a topic's first leader elections) and a point's fresh clients answer
// slowly at first, and a measurement that starts then is biased by the cold start (on a 2-core
// machine a point right after `cluster up` had produce p99 12.2 s, the same point a minute later
// 0.10 s). It is pure: the runner feeds it the per-second produce p99 of a warmup.
package warmup

import (
	"fmt"
	"math"
)

// Rule says when a series of per-second produce p99s (ms, one per whole second of load) is
// steady: its last Window seconds each had acknowledgements, and their p99s are within a factor
// MaxRatio of each other or within AbsMs of each other (whichever is wider: at a few ms a factor
// is noise). A second without a single acknowledgement (0 or NaN) is never steady.
type Rule struct {
	Window   int     // seconds that must agree
	MaxRatio float64 // largest p99 over smallest
	AbsMs    float64 // or largest minus smallest, in ms
}

// Default is the rule kbench uses for the cluster warm-up and each point's warmup: three
// seconds whose p99s are within a factor of 2 or 20 ms of each other. Cold, p99 falls by far more
// than a factor of 2 from one second to the next (12 s, then 2.5 s, then 0.1 s); warm, the
// per-second p99 of a 2-core machine at 1,000 msg/s moves between 70 and 110 ms.
var Default = Rule{Window: 3, MaxRatio: 2, AbsMs: 20}

// String states the rule as reports print it.
func (r Rule) String() string {
	return fmt.Sprintf("the last %d per-second produce p99s within a factor of %g of each other (or within %g ms), each second with acknowledgements",
		r.Window, r.MaxRatio, r.AbsMs)
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
	return hi <= lo*r.MaxRatio || hi-lo <= r.AbsMs
}

// Decision is how a warmup ended.
type Decision struct {
	Seconds int    // whole seconds of warmup
	Steady  bool   // false: the bound ran out first
	Reason  string // one line: why it ended there
}

// Decide says whether a warmup that has run len(p99s) whole seconds ends now: not before
// minSeconds (the fixed minimum), at the first second after it where the series is steady, and at
// maxSeconds at the latest (not steady then). ok is false while it should go on.
func (r Rule) Decide(p99s []float64, minSeconds, maxSeconds int) (d Decision, ok bool) {
	n := len(p99s)
	switch {
	case n >= minSeconds && r.Steady(p99s):
		w := p99s[n-max(1, r.Window):]
		return Decision{Seconds: n, Steady: true, Reason: fmt.Sprintf("steady after %d s: last %d per-second p99s %s ms", n, len(w), formatMs(w))}, true
	case n >= maxSeconds:
		w := p99s[max(0, n-max(1, r.Window)):]
		return Decision{Seconds: n, Reason: fmt.Sprintf("not steady within the %d s bound: last per-second p99s %s ms", maxSeconds, formatMs(w))}, true
	}
	return Decision{}, false
}

// FirstSteady is the number of seconds after which a warmup over the whole series p99s would
// have ended by Decide (-1: it would still go on).
func (r Rule) FirstSteady(p99s []float64, minSeconds, maxSeconds int) (Decision, bool) {
	for n := 0; n <= len(p99s); n++ {
		if d, ok := r.Decide(p99s[:n], minSeconds, maxSeconds); ok {
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
