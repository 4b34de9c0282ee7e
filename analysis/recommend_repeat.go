package analysis

import (
	"fmt"
	"strings"
)

// The recommendation with repetitions: a level's cost against the baseline is stated as a
// difference only when it is more than the noise (Judge: round by round, else the two 95 %
// intervals); otherwise the sentence and the cost table say "not distinguishable" and give the
// intervals, so that noise never ranks two levels.

// repeatedCost rewrites the throughput and latency parts of a cost sentence (tp, lat) when both
// points were repeated: a stated difference gets its round by round change, one within the
// noise becomes "not distinguishable" with both intervals.
func repeatedCost(c, base, cl, bl Point, tp, lat string) (string, string) {
	if j, ok := Judge(c, base, "acked_mb_per_second"); ok {
		switch {
		case j.Distinct:
			tp = withRoundByRound(tp, j)
		case !strings.HasPrefix(tp, "keeps"):
			ec, _ := c.Figure("acked_mb_per_second")
			eb, _ := base.Figure("acked_mb_per_second")
			tp = fmt.Sprintf("has a throughput %s (%s vs %s MB/s, %s)", NotDistinguishable,
				FormatEstimate(ec, FormatMBps), FormatEstimate(eb, FormatMBps), noiseWords(j))
		}
	}
	if j, ok := Judge(cl, bl, "produce_p99_ms"); ok {
		switch {
		case j.Distinct:
			lat = withRoundByRound(lat, j)
		default:
			ec, _ := cl.Figure("produce_p99_ms")
			eb, _ := bl.Figure("produce_p99_ms")
			lat = fmt.Sprintf("a p99 %s (%s vs %s ms, %s)", NotDistinguishable, FormatEstimate(ec, FormatMs), FormatEstimate(eb, FormatMs), noiseWords(j))
		}
	}
	return tp, lat
}

// withRoundByRound adds a paired judgement's change and interval to a stated difference
// ("costs 34.9 % throughput (93.8 vs 144.1 MB/s)"), whose own figure is the ratio of the medians.
func withRoundByRound(part string, j Judgement) string {
	if !j.Paired || !strings.HasSuffix(part, ")") {
		return part
	}
	return strings.TrimSuffix(part, ")") + "; round by round " + FormatRatio(j.Ratio) + ")"
}

// noiseWords says why a difference is within the noise: the round by round change's interval
// holds no change, or the two intervals overlap.
func noiseWords(j Judgement) string {
	if j.Paired {
		return "round by round " + FormatRatio(j.Ratio)
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
	j, ok := Judge(c, base, key)
	switch {
	case ok && j.Paired:
		return roundByRoundWords(j)
	case ok && !j.Distinct:
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
