package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func TestEstimateOf(t *testing.T) {
	for _, c := range []struct {
		name                 string
		vals                 []float64
		unknown              int
		median, mean, lo, hi float64
		interval             bool
	}{
		// mean 20, sd 10, t(0.975, 2) = 4.303: half-width 4.303 * 10 / sqrt(3) = 24.843
		{"three", []float64{10, 30, 20}, 0, 20, 20, 20 - 4.303*10/math.Sqrt(3), 20 + 4.303*10/math.Sqrt(3), true},
		// mean 2.5, sd 1.29099, t(0.975, 3) = 3.182
		{"four, even median", []float64{4, 1, 3, 2}, 0, 2.5, 2.5, 2.5 - 3.182*math.Sqrt(5.0/3)/2, 2.5 + 3.182*math.Sqrt(5.0/3)/2, true},
		{"identical", []float64{7, 7, 7}, 0, 7, 7, 7, 7, true},
		{"one", []float64{5}, 0, 5, 5, 5, 5, false},
		{"none known", nil, 3, 0, 0, 0, 0, false},
		{"one unknown", []float64{1, 2}, 1, 1.5, 1.5, 1.5 - 12.706*math.Sqrt(0.5)/math.Sqrt(2), 1.5 + 12.706*math.Sqrt(0.5)/math.Sqrt(2), false},
	} {
		e := EstimateOf(c.vals, c.unknown)
		if !near(e.Median, c.median) || !near(e.Mean, c.mean) || !near(e.Lo, c.lo) || !near(e.Hi, c.hi) || e.HasInterval() != c.interval {
			t.Errorf("%s: got median %v mean %v [%v, %v] interval %v; want %v %v [%v, %v] %v",
				c.name, e.Median, e.Mean, e.Lo, e.Hi, e.HasInterval(), c.median, c.mean, c.lo, c.hi, c.interval)
		}
	}
}

func TestStudentT975(t *testing.T) {
	for _, c := range []struct {
		df   int
		want float64
	}{{1, 12.706}, {2, 4.303}, {9, 2.262}, {30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}, {100000, 1.960}} {
		if got := StudentT975(c.df); math.Abs(got-c.want) > 0.0015 {
			t.Errorf("t(0.975, %d) = %.4f, want %.3f", c.df, got, c.want)
		}
	}
}

func TestDistinguishable(t *testing.T) {
	a := EstimateOf([]float64{100, 102, 98}, 0)
	for _, c := range []struct {
		name string
		b    Estimate
		want bool
	}{
		{"far apart", EstimateOf([]float64{200, 202, 198}, 0), true},
		{"overlapping", EstimateOf([]float64{103, 105, 101}, 0), false},
		{"one repetition", EstimateOf([]float64{500}, 0), false},
		{"unknown repetition", EstimateOf([]float64{500, 501}, 1), false},
	} {
		if got := Distinguishable(a, c.b); got != c.want || Distinguishable(c.b, a) != c.want {
			t.Errorf("%s: distinguishable %v, want %v", c.name, got, c.want)
		}
	}
}

// simulatedRate is the share of runs (of a pair of points measured n times each, every
// repetition with relative noise cv, b's true value gap above a's) in which the two points'
// figures are reported distinguishable.
func simulatedRate(rng *rand.Rand, runs, n int, cv, gap float64) (distinguished int) {
	for range runs {
		a, b := make([]float64, n), make([]float64, n)
		for i := range n {
			a[i] = 30000 * (1 + cv*rng.NormFloat64())
			b[i] = 30000 * (1 + gap) * (1 + cv*rng.NormFloat64())
		}
		if Distinguishable(EstimateOf(a, 0), EstimateOf(b, 0)) {
			distinguished++
		}
	}
	return distinguished
}

// TestIdenticalPointsNotDistinguishable is issue 17's truth check 5a: two identical points with
// realistic noise (5 % coefficient of variation per repetition, as throughput on a shared
// 2-core machine shows) are reported "not distinguishable" in at least 19 of 20 simulated runs,
// at every repetition count the README suggests; over 2000 runs the rate stays at or above 99 %
// (the overlap rule's level is about 0.5 %, see the package doc).
func TestIdenticalPointsNotDistinguishable(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 5))
	for _, n := range []int{3, 5, 10} {
		if d := simulatedRate(rng, 20, n, 0.05, 0); 20-d < 19 {
			t.Errorf("N=%d: identical points called different in %d of 20 runs", n, d)
		}
		if d := simulatedRate(rng, 2000, n, 0.05, 0); d > 20 {
			t.Errorf("N=%d: identical points called different in %d of 2000 runs, want at most 1 %%", n, d)
		}
	}
}

// TestRealDifferenceDetected is truth check 5b on the analysis code: a 20 % gap with 5 % noise
// is detected in at least 19 of 20 runs at N=10 and in most runs at N=5 (about 93 %). At N=3
// each interval is 2.5 standard deviations wide on each side and the standard deviation of 3
// values is itself uncertain, so the rule detects a 20 % gap only about a third of the time and
// a 40 % gap three times in four; a factor of 2 (what forcing an fsync per message costs against
// acks=1 on this machine) it detects in 19 of 20. Below that, the report says "not
// distinguishable", which is the truth at that noise and N.
func TestRealDifferenceDetected(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 6))
	for _, c := range []struct {
		n        int
		gap      float64
		runs     int
		atLeast  int
		sentence string
	}{
		{10, 0.20, 20, 19, "20 % gap at N=10"},
		{5, 0.20, 1000, 850, "20 % gap at N=5"},
		{3, 1.0, 20, 19, "factor 2 at N=3"},
		{3, 0.40, 1000, 600, "40 % gap at N=3"},
	} {
		if d := simulatedRate(rng, c.runs, c.n, 0.05, c.gap); d < c.atLeast {
			t.Errorf("%s: detected in %d of %d runs, want at least %d", c.sentence, d, c.runs, c.atLeast)
		}
	}
}
