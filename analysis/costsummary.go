package analysis

import (
	"fmt"
	"strings"
)

// The report's first paragraph: what each level costs, in one place, with its interval. A reader
// who stops there has every level's throughput at saturation and its produce p99 at the common
// fixed load (medians with 95 % intervals when the levels were repeated), and is told where a
// difference from the baseline is within the noise.

// costSummary is that paragraph for the classes cs against base; "" with fewer than two levels.
func costSummary(cs []*class, base *class) string {
	if len(cs) < 2 {
		return ""
	}
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		name := c.name
		if c == base {
			name += " (the baseline)"
		}
		parts = append(parts, name+": "+classThroughput(c, base)+"; "+classLatency(c, base))
	}
	return costSummaryLead(cs, base) + strings.Join(parts, ". ") + "."
}

// costSummaryLead says what the figures are: medians and intervals, which load, which baseline.
func costSummaryLead(cs []*class, base *class) string {
	n := 0
	for _, c := range cs {
		n = max(n, len(c.best.Repetitions))
	}
	s := "What each level costs"
	if n > 1 {
		s += fmt.Sprintf(" (median of %d repetitions [95 %% interval]; the change against the baseline is measured round by round, with its 95 %% interval)", n)
	}
	s += ", against " + base.name + ": acknowledged throughput"
	bm := base.best.Result.Metrics
	switch {
	case bm.TargetRate == 0:
		s += " at saturation (max rate)"
	default:
		s += fmt.Sprintf(" at an offered %.0f msgs/s", bm.TargetRate)
	}
	switch {
	case base.fixed != nil:
		s += fmt.Sprintf(", produce p99 at the common fixed load of %.0f msgs/s", base.fixed.Result.Metrics.TargetRate)
	case base.best.Result.AtMaxRate():
		s += ", produce p99 at max rate (" + queueingWords + ")"
	default:
		s += ", produce p99 at that rate"
	}
	return s + ". "
}

// queueingWords says what a max-rate latency is.
const queueingWords = "queueing in the client, not what the level costs"

// classThroughput is c's throughput and how it compares with base's.
func classThroughput(c, base *class) string {
	v := fmt.Sprintf("%.1f MB/s", c.best.Result.Metrics.Acked.MBPerSecond)
	if e, ok := c.best.Figure("acked_mb_per_second"); ok && c.best.Repeated() {
		v = FormatEstimate(e, FormatMBps) + " MB/s"
	}
	switch {
	case c == base:
		return v
	case c.enqueue:
		return v + ", nothing acknowledged"
	}
	if words, ok := judgedWords(c.best, base.best, "acked_mb_per_second"); ok {
		return v + " (" + words + ")"
	}
	return v + " (" + FormatPercent(c.best.Result.Metrics.Acked.MBPerSecond/base.best.Result.Metrics.Acked.MBPerSecond) + ")"
}

// judgedWords says how a differs from b when both were repeated: the round by round change with
// its interval, prefixed "not distinguishable" when it is within the noise; or, unpaired, "not
// distinguishable" alone. ok false: say the single numbers' difference instead.
func judgedWords(a, b Point, key string) (string, bool) {
	j, ok := Judge(a, b, key)
	switch {
	case !ok:
		return "", false
	case j.Paired:
		return roundByRoundWords(j), true
	case !j.Distinct:
		return NotDistinguishable, true
	}
	return "", false
}

// roundByRoundWords is a paired judgement's change with its interval, prefixed "not
// distinguishable" when the interval holds no change.
func roundByRoundWords(j Judgement) string {
	if !j.Distinct {
		return NotDistinguishable + ": " + FormatRatio(j.Ratio)
	}
	return FormatRatio(j.Ratio)
}

// classLatency is c's produce p99 (at the fixed load when the run has one) and how it compares.
func classLatency(c, base *class) string {
	lp := c.latencyPoint()
	v := "p99 " + FormatMs(c.latency().P99Ms) + " ms"
	if e, ok := lp.Figure("produce_p99_ms"); ok && lp.Repeated() {
		v = "p99 " + FormatEstimate(e, FormatMs) + " ms"
	}
	switch {
	case c.enqueue:
		return v + " (enqueue to socket, not comparable)"
	case c.fixed == nil && c.best.Result.AtMaxRate() && base.fixed != nil:
		return v + " (at max rate: " + queueingWords + ")"
	case c == base:
		return v
	}
	if words, ok := judgedWords(lp, base.latencyPoint(), "produce_p99_ms"); ok {
		return v + " (" + words + ")"
	}
	return v + " (" + FormatDeltaMs(c.latency().P99Ms-base.latency().P99Ms) + ")"
}
