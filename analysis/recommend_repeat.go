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
	tp, lat = withRoundByRound(tp, c, base, "acked_mb_per_second"), withRoundByRound(lat, cl, bl, "produce_p99_ms")
	if distinct, ok := Difference(c, base, "acked_mb_per_second"); ok && !distinct && !strings.HasPrefix(tp, "keeps") {
		ec, _ := c.Figure("acked_mb_per_second")
		eb, _ := base.Figure("acked_mb_per_second")
		tp = fmt.Sprintf("has a throughput %s (%s vs %s MB/s, %s)", NotDistinguishable,
			FormatEstimate(ec, FormatMBps), FormatEstimate(eb, FormatMBps), noiseWords(c, base, "acked_mb_per_second"))
	}
	if distinct, ok := Difference(cl, bl, "produce_p99_ms"); ok && !distinct {
		ec, _ := cl.Figure("produce_p99_ms")
		eb, _ := bl.Figure("produce_p99_ms")
		lat = fmt.Sprintf("a p99 %s (%s vs %s ms, %s)", NotDistinguishable, FormatEstimate(ec, FormatMs), FormatEstimate(eb, FormatMs), noiseWords(cl, bl, "produce_p99_ms"))
	}
	return tp, lat
}

// withRoundByRound adds the round by round change and its interval to a stated difference
// ("costs 34.9 % throughput (93.8 vs 144.1 MB/s)"), whose own figure is the ratio of the medians.
func withRoundByRound(part string, a, b Point, key string) string {
	r, ok := PairedRatio(a, b, key)
	if !ok || !r.Distinct() || !strings.HasSuffix(part, ")") {
		return part
	}
	return strings.TrimSuffix(part, ")") + "; round by round " + FormatRatio(r) + ")"
}

// noiseWords says why a difference is within the noise: the round by round change's interval
// holds no change, or the two intervals overlap.
func noiseWords(a, b Point, key string) string {
	if r, ok := PairedRatio(a, b, key); ok {
		return "round by round " + FormatRatio(r)
	}
	return "95 % intervals overlap"
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
	row[3] = repeatedChange(row[3], c, base, "acked_mb_per_second")
	row[5] = repeatedChange(row[5], cl, bl, "produce_p99_ms")
}

// repeatedChange is a "vs baseline" cell: the round by round change with its interval when the
// two points pair, and "not distinguishable" when the difference is within the noise.
func repeatedChange(cell string, c, base Point, key string) string {
	if r, ok := PairedRatio(c, base, key); ok {
		return pairedWords(r)
	}
	if distinct, ok := Difference(c, base, key); ok && !distinct {
		return cell + " (" + NotDistinguishable + ")"
	}
	return cell
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
	return []string{fmt.Sprintf("Each level was measured %d times, in rounds of shuffled order; its figures are the medians of its repetitions with 95 %% confidence intervals [low–high] (Student t). A level's change against another is measured round by round (the two levels' ratio in each round, so that what drifted over the run cancels; its geometric mean with a 95 %% interval) and stated only where that interval excludes no change; elsewhere the levels are %s at this noise: measure more repetitions to separate them.", n, NotDistinguishable)}
}
