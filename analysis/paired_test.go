package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kbench/kbench/stats"
)

// roundPoint is a repeated point of run whose throughput in round i+1 is mbps[i]; a NaN leaves
// that round out (the repetition did not measure).
func roundPoint(run string, mbps ...float64) Point {
	var reps []*stats.Result
	for i, v := range mbps {
		if math.IsNaN(v) {
			continue
		}
		r := &stats.Result{RunID: run, Status: stats.StatusOK, Repetition: &stats.Repetition{Number: i + 1, Of: len(mbps), Round: i + 1}}
		r.Metrics.MeasuredSeconds = 2
		r.Metrics.Acked.MBPerSecond = v
		reps = append(reps, r)
	}
	return Point{Result: reps[0], Repetitions: reps, Figures: FiguresOf(reps)}
}

// TestPairedRatio: two points of one run are compared round by round, so a drift shared by the
// round cancels; points that cannot be paired fall back to the overlap of their intervals.
func TestPairedRatio(t *testing.T) {
	nan := math.NaN()
	// The demo's exactly-once and leader-ack rungs on 2 cores (MB/s in rounds 1 to 3): each one's
	// own interval spans a factor of three, the ratio is steady.
	eos, leader := roundPoint("r", 32.5, 37.1, 74.7), roundPoint("r", 100.9, 108.6, 222.4)
	for _, c := range []struct {
		name     string
		a, b     Point
		paired   bool
		distinct bool
		mean     float64 // when paired
		words    string  // FormatRatio, when paired
	}{
		{"drift cancels", eos, leader, true, true, 0.333, "-66.7 % [-69.1, -64.1 %]"},
		{"no change, noisy rounds", roundPoint("r", 100, 150, 220), roundPoint("r", 104, 141, 226), true, false, 0.999, ""},
		{"a missing round leaves two", roundPoint("r", 50, nan, 100), roundPoint("r", 100, 120, 200), true, true, 0.5, "-50.0 % [-50.0, -50.0 %]"},
		{"one round in common", roundPoint("r", 50, nan, nan), roundPoint("r", 100, 120, 200), false, false, 0, ""},
		{"other run: compare", roundPoint("r", 32.5, 37.1, 74.7), roundPoint("s", 100.9, 108.6, 222.4), false, false, 0, ""},
		{"a zero value", roundPoint("r", 0, 37.1, 74.7), leader, false, false, 0, ""},
	} {
		r, ok := PairedRatio(c.a, c.b, "acked_mb_per_second")
		if ok != c.paired {
			t.Errorf("%s: paired %v, want %v", c.name, ok, c.paired)
			continue
		}
		if !ok {
			// the fallback: judged by overlap, and the eos/leader pair of two runs overlaps (0.0–164 vs 0.0–430 MB/s)
			if j, _ := Judge(c.a, c.b, "acked_mb_per_second"); j.Distinct || j.Paired {
				t.Errorf("%s: unpaired, distinguishable by overlap; want not", c.name)
			}
			continue
		}
		if r.Distinct() != c.distinct || math.Abs(r.Mean-c.mean) > 0.001 || !(r.Lo <= r.Mean && r.Mean <= r.Hi) {
			t.Errorf("%s: %+v, want distinct %v around %.3f", c.name, r, c.distinct, c.mean)
		}
		if j, _ := Judge(c.a, c.b, "acked_mb_per_second"); !j.Paired || j.Distinct != c.distinct {
			t.Errorf("%s: Judge says %+v, the round by round ratio distinct %v", c.name, j, c.distinct)
		}
		if c.words != "" && FormatRatio(r) != c.words {
			t.Errorf("%s: %q, want %q", c.name, FormatRatio(r), c.words)
		}
	}
	if ea, _ := eos.Figure("acked_mb_per_second"); Distinguishable(ea, mustFigure(t, leader)) {
		t.Error("the eos and leader rungs' own intervals do not overlap: the example no longer shows the point")
	}
}

func mustFigure(t *testing.T, p Point) Estimate {
	t.Helper()
	e, ok := p.Figure("acked_mb_per_second")
	if !ok {
		t.Fatal("no throughput figure")
	}
	return e
}

// simulatedRounds runs two points n rounds each, every round scaled by a drift shared by both
// (log-normal, roundCV) and every repetition by its own noise (cv), b's true value gap above
// a's; it returns in how many runs the round by round rule and the overlap rule called them
// different.
func simulatedRounds(rng *rand.Rand, runs, n int, roundCV, cv, gap float64) (paired, overlap int) {
	a, b := make([]float64, n), make([]float64, n)
	for range runs {
		for i := range n {
			drift := math.Exp(roundCV * rng.NormFloat64())
			a[i] = 150 * drift * (1 + cv*rng.NormFloat64())
			b[i] = 150 * (1 + gap) * drift * (1 + cv*rng.NormFloat64())
		}
		pa, pb := roundPoint("r", a...), roundPoint("r", b...)
		if r, _ := PairedRatio(pa, pb, "acked_mb_per_second"); r.Distinct() {
			paired++
		}
		if Distinguishable(mustFigureOf(pa), mustFigureOf(pb)) {
			overlap++
		}
	}
	return paired, overlap
}

func mustFigureOf(p Point) Estimate { e, _ := p.Figure("acked_mb_per_second"); return e }

// TestPairedIdenticalNotDistinguishable is truth check 5a for the round by round rule: two
// identical points, with the drift this machine shows between rounds (30 %) and 10 % noise of
// their own, are "not distinguishable" in at least 19 of 20 runs; over 4000 runs the rule calls
// them different at its stated level, 5 % (between 3.5 and 6.5 %), at every N.
func TestPairedIdenticalNotDistinguishable(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 7))
	d, _ := simulatedRounds(rng, 20, 3, 0.3, 0.1, 0)
	t.Logf("N=3: identical points called different in %d of 20 runs", d)
	if d > 1 {
		t.Errorf("N=3: identical points called different in %d of 20 runs", d)
	}
	for _, n := range []int{3, 5, 10} {
		d, _ := simulatedRounds(rng, 4000, n, 0.3, 0.1, 0)
		t.Logf("N=%d: identical points called different in %d of 4000 runs", n, d)
		if d < 140 || d > 260 {
			t.Errorf("N=%d: identical points called different in %d of 4000 runs, want about 200 (5 %%)", n, d)
		}
	}
}

// TestPairedDetectsThroughDrift is truth check 5b where the drift is larger than the difference:
// a 30 % gap under 30 % drift between rounds and 5 % noise of each point's own, at the demo's 3
// repetitions, is found by the round by round rule in most runs and almost never by the overlap
// of the two points' own intervals.
func TestPairedDetectsThroughDrift(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 8))
	paired, overlap := simulatedRounds(rng, 1000, 3, 0.3, 0.05, -0.3)
	t.Logf("30 %% gap under 30 %% drift, N=3: round by round %d of 1000, overlap %d", paired, overlap)
	if paired < 800 || overlap > 100 {
		t.Errorf("30 %% gap under drift: round by round found it in %d of 1000 runs (want >= 800), overlap in %d (want <= 100)", paired, overlap)
	}
}
