package analysis

// Compare with repetitions: when a point was repeated in both runs, each ratio is of the two
// medians, and it is significant when the two 95 % intervals do not overlap (the rule the report
// uses between levels); the per-second standard error and the floors of the single-run rule are
// not used, since the repetitions measure the run-to-run noise itself. A run with repetitions
// compared with one without falls back to the per-second rule on the repeated run's medians.

// compareRepetitions replaces cp's ratios by the repetitions' when both x and y were repeated.
func compareRepetitions(cp *ComparedPoint, x, y Point) {
	if !x.Repeated() || !y.Repeated() {
		return
	}
	cp.RepetitionsA, cp.RepetitionsB = len(x.Repetitions), len(y.Repetitions)
	for _, f := range []struct {
		key           string
		dst           *Ratio
		higherIsWorse bool
	}{{"acked_per_second", &cp.Throughput, false}, {"produce_p50_ms", &cp.P50, true}, {"produce_p99_ms", &cp.P99, true}} {
		ea, okA := x.Figure(f.key)
		eb, okB := y.Figure(f.key)
		if okA && okB {
			*f.dst = repeatedRatio(ea, eb, f.higherIsWorse)
		}
	}
}

// repeatedRatio compares two figures' estimates: B/A of the medians, significant when the
// intervals do not overlap. Threshold is the relative difference of the means at which the
// intervals would just touch (the two half-widths over A's mean).
func repeatedRatio(a, b Estimate, higherIsWorse bool) Ratio {
	r := ratio(a.Median, b.Median, 0, 0, 0, higherIsWorse)
	if a.Mean > 0 {
		r.Threshold = ((a.Hi - a.Lo) + (b.Hi - b.Lo)) / 2 / a.Mean
	}
	if r.A <= 0 || r.B < 0 {
		return r
	}
	r.Significant = Distinguishable(a, b)
	r.Worse = r.Significant && (r.Value > 1) == higherIsWorse
	return r
}
