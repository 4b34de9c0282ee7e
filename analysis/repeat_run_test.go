package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

// repeatedRun writes and reads the repeated ladder fixture, changed by edit.
func repeatedRun(t *testing.T, edit func(*statstest.Run)) *stats.Run {
	t.Helper()
	r := statstest.RepeatedLadder()
	if edit != nil {
		edit(&r)
	}
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestRepeatedPoints: a repeated point is drawn from the medians of its repetitions, with each
// figure's interval, and its audit adds up every repetition's.
func TestRepeatedPoints(t *testing.T) {
	run := repeatedRun(t, nil)
	ps := Points(run)
	if len(ps) != 4 {
		t.Fatalf("%d points", len(ps))
	}
	p := ps[0]
	reps := run.Points[0].RepetitionResults()
	var vals []float64
	var sent int64
	for _, r := range reps {
		vals = append(vals, r.Metrics.Acked.RecordsPerSecond)
		sent += r.Audit.Sent
	}
	want := EstimateOf(vals, 0)
	got, ok := p.Figure("acked_per_second")
	if !p.Repeated() || !ok || got.Median != want.Median || got.Lo != want.Lo || p.Result.Metrics.Acked.RecordsPerSecond != want.Median {
		t.Errorf("acks=1: figure %+v ok %v, result %v; want median %v", got, ok, p.Result.Metrics.Acked.RecordsPerSecond, want.Median)
	}
	if p.Result.Audit.Sent != sent || !p.Result.Audit.NoneLost() {
		t.Errorf("audit sent %d, want the sum %d", p.Result.Audit.Sent, sent)
	}
}

// TestRepeatedLossIsALoss: a loss in one repetition makes the point's (and so its level's)
// record unclean, and an unknown loss in one repetition makes the figure unknown, never 0.
func TestRepeatedLossIsALoss(t *testing.T) {
	run := repeatedRun(t, nil)
	lost := int64(3)
	run.Points[1].Repetitions[2].Result.Audit.Lost = &lost
	run.Points[2].Repetitions[0].Result.Audit.Lost = nil
	ps := Points(run)
	if n, ok := ps[1].Result.Audit.LostCount(); !ok || n != 3 {
		t.Errorf("acks=all lost %d known %v, want 3", n, ok)
	}
	if e, _ := ps[2].Figure("lost"); e.Known() || FormatEstimate(e, FormatCount) != "unknown in 1 of 3 repetitions" {
		t.Errorf("idempotence lost figure %+v: %q", e, FormatEstimate(e, FormatCount))
	}
	if _, ok := ps[2].Result.Audit.LostCount(); ok {
		t.Error("a repetition's unknown loss became a known total")
	}
}

// TestRecommendNotDistinguishable: levels whose intervals overlap are not ranked: the cost
// sentence and the cost table say "not distinguishable" instead of a percentage of noise.
func TestRecommendNotDistinguishable(t *testing.T) {
	run := repeatedRun(t, func(r *statstest.Run) {
		r.Points[1].MBps, r.Points[1].P99 = r.Points[0].MBps*0.98, r.Points[0].P99*1.02 // acks=all 2 % from acks=1
	})
	rec := Recommend(Drawn(Points(run)), Faults{})
	text := strings.Join(rec.Lines, "\n")
	for _, want := range []string{
		"acks=all has a throughput not distinguishable (",
		"MB/s, round by round +1.4 % [-10.7, +15.2 %]) and a p99 not distinguishable (",
		"acks=all + idempotence costs 34.9 % throughput (93.8 vs 144.1 MB/s; round by round -34.3 % [-36.4, -32.2 %])",
		"Each level was measured 3 times",
		"+ flush.messages=1 costs", // a real difference is still stated
	} {
		if !strings.Contains(text, want) {
			t.Errorf("recommendation lacks %q:\n%s", want, text)
		}
	}
	if row := rec.CostRows[1]; !strings.Contains(row[3], NotDistinguishable) || !strings.Contains(row[2], "[") {
		t.Errorf("cost row %q: want an interval and not distinguishable", row)
	}
}

// TestCompareRepetitions: two repeated runs of the same points are compared by their intervals:
// the same run drawn again (other noise) is not a regression; a run 20 % slower at one point is,
// at N=5 and 5 % noise per repetition (TestRealDifferenceDetected: about 93 % of such runs).
func TestCompareRepetitions(t *testing.T) {
	a := repeatedRun(t, func(r *statstest.Run) { r.Repeat = 5 })
	same := repeatedRun(t, func(r *statstest.Run) {
		r.Repeat, r.Shape.Seed, r.RunID, r.Start = 5, 99, "20260303-090000", r.Start.Add(time.Hour)
	})
	c := Compare(a, same)
	if c.Regressions != 0 {
		t.Errorf("a second draw of the same run: %d regressions", c.Regressions)
	}
	for _, p := range c.Points {
		if p.RepetitionsA != 5 || p.RepetitionsB != 5 || p.Throughput.Significant {
			t.Errorf("point %s: repetitions %d/%d, throughput %+v", p.ID, p.RepetitionsA, p.RepetitionsB, p.Throughput)
		}
	}
	slow := repeatedRun(t, func(r *statstest.Run) {
		r.Repeat, r.Shape.Seed, r.RunID = 5, 99, "20260303-100000"
		r.Points[1].MBps *= 0.8
	})
	c = Compare(a, slow)
	if c.Regressions != 1 || !c.Points[1].Throughput.Worse {
		t.Errorf("20 %% slower acks=all: %d regressions, throughput %+v", c.Regressions, c.Points[1].Throughput)
	}
}

// TestBrokenPromiseInOneRepetition: a duplicate in one repetition of an idempotent level is a
// broken promise (exit 4 in the CLI), named with its repetition, though the other two are clean.
func TestBrokenPromiseInOneRepetition(t *testing.T) {
	run := repeatedRun(t, nil)
	r := run.Points[2].Repetitions[1].Result // acks=all + idempotence, repetition 2
	r.Audit.Duplicates, r.Audit.IdempotenceEnabled = 2, true
	broken := RunBrokenPromises(run)
	if len(broken) != 1 || !strings.Contains(broken[0], "acks=all idem (repetition 2 of 3): 2 duplicate records") {
		t.Errorf("broken promises %q: want the duplicates of repetition 2", broken)
	}
}

// TestCostSummaryStatesEachLevel: the report's first paragraph gives every level's throughput and
// p99 with its 95 % interval, says "not distinguishable" where the intervals overlap, and still
// states a real difference (flush.messages=1) as a change against the baseline.
func TestCostSummaryStatesEachLevel(t *testing.T) {
	run := repeatedRun(t, func(r *statstest.Run) {
		r.Points[1].MBps, r.Points[1].P99 = r.Points[0].MBps*0.98, r.Points[0].P99*1.02 // acks=all 2 % from acks=1
	})
	ps := Drawn(Points(run))
	rec := Recommend(ps, Faults{})
	s := rec.Costs
	if !strings.HasPrefix(s, "What each level costs (median of 3 repetitions [95 % interval]; the change against the baseline is measured round by round, with its 95 % interval), against acks=1") {
		t.Errorf("cost paragraph %q: want the lead naming medians, intervals and the baseline", s)
	}
	for _, p := range ps {
		tp, _ := p.Figure("acked_mb_per_second")
		lat, _ := p.Figure("produce_p99_ms")
		for _, want := range []string{FormatEstimate(tp, FormatMBps) + " MB/s", "p99 " + FormatEstimate(lat, FormatMs) + " ms"} {
			if !strings.Contains(s, want) || !strings.Contains(want, "[") {
				t.Errorf("cost paragraph lacks %s's %q:\n%s", p.Level, want, s)
			}
		}
	}
	for _, want := range []string{"acks=1 (the baseline): ", "MB/s (" + NotDistinguishable + ": +1.4 % [-10.7, +15.2 %]); p99 ", "+ flush.messages=1: 17.7 [16.3–18.7] MB/s (-87.8 % [-89.5, -86.0 %])"} {
		if !strings.Contains(s, want) {
			t.Errorf("cost paragraph lacks %q:\n%s", want, s)
		}
	}
	if i := strings.Index(s, "+ flush.messages=1: "); i >= 0 && strings.Contains(s[i:], NotDistinguishable) {
		t.Errorf("the fsync level's real cost is called not distinguishable:\n%s", s[i:])
	}
}
