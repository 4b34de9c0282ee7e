package analysis

import (
	"fmt"
	"strings"
)

// The recommendation with repetitions: a level's cost against the baseline is stated as a
// difference only when the two points' 95 % intervals do not overlap; otherwise the sentence and
// the cost table say "not distinguishable" and give both intervals, so that noise never ranks two
// levels.

// repeatedCost rewrites the throughput and latency parts of a cost sentence (tp, lat) when both
// points were repeated and the difference is within their noise.
func repeatedCost(c, base, cl, bl Point, tp, lat string) (string, string) {
	if distinct, ok := Difference(c, base, "acked_mb_per_second"); ok && !distinct && !strings.HasPrefix(tp, "keeps") {
		ec, _ := c.Figure("acked_mb_per_second")
		eb, _ := base.Figure("acked_mb_per_second")
		tp = fmt.Sprintf("has a throughput %s (%s vs %s MB/s, 95 %% intervals overlap)", NotDistinguishable,
			FormatEstimate(ec, FormatMBps), FormatEstimate(eb, FormatMBps))
	}
	if distinct, ok := Difference(cl, bl, "produce_p99_ms"); ok && !distinct {
		ec, _ := cl.Figure("produce_p99_ms")
		eb, _ := bl.Figure("produce_p99_ms")
		lat = fmt.Sprintf("a p99 %s (%s vs %s ms)", NotDistinguishable, FormatEstimate(ec, FormatMs), FormatEstimate(eb, FormatMs))
	}
	return tp, lat
}

// repeatedCostRow puts intervals into a cost table row (level, point, MB/s, vs baseline, p99,
// vs baseline) and marks differences within the noise.
func repeatedCostRow(row []string, c, base, cl, bl Point) {
	if !c.Repeated() {
		return
	}
	if e, ok := c.Figure("acked_mb_per_second"); ok {
		row[2] = FormatEstimate(e, FormatMBps)
	}
	if e, ok := cl.Figure("produce_p99_ms"); ok {
		row[4] = FormatEstimate(e, FormatMs)
	}
	if distinct, ok := Difference(c, base, "acked_mb_per_second"); ok && !distinct {
		row[3] += " (" + NotDistinguishable + ")"
	}
	if distinct, ok := Difference(cl, bl, "produce_p99_ms"); ok && !distinct {
		row[5] += " (" + NotDistinguishable + ")"
	}
}

// repeatedLines says how the figures of a run with repetitions are to be read.
func repeatedLines(ps []Point) []string {
	n := 0
	for _, p := range ps {
		n = max(n, len(p.Repetitions))
	}
	if n < 2 {
		return nil
	}
	return []string{fmt.Sprintf("Each level was measured %d times, in rounds of shuffled order; its figures are the medians of its repetitions with 95 %% confidence intervals [low–high] (Student t). A difference is stated only where the intervals do not overlap; elsewhere the levels are %s at this noise: measure more repetitions to separate them.", n, NotDistinguishable)}
}
