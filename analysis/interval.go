package analysis

import (
	"math"
	"slices"
)

// # Repetitions and their confidence intervals
//
// A point measured N times (`repeat: N`) gives N values of each figure (throughput, each latency
// percentile, loss counts). kbench reports the median of the N values as the figure, and beside
// it a 95 % confidence interval for the figure's mean: mean ± t(0.975, N-1) · s / √N, Student's
// t-interval, with s the standard deviation of the N values.
//
// Why this method for N of 3 to 10: each repetition's figure is itself an aggregate of thousands
// of records over seconds, so across repetitions it varies roughly normally, and the t-interval
// then has its stated 95 % coverage at any N >= 2, widening honestly when N is small (at N = 3
// its half-width is 2.5 standard deviations). The alternatives do not reach 95 % at these N: a
// percentile bootstrap of 3 values has at most 10 distinct resamples and an interval inside
// min..max, and the distribution-free interval for the median from order statistics, min..max,
// covers the median with probability 1 - 2·0.5^N, 75 % at N = 3 and 94 % at N = 5; it reaches
// 95 % only from N = 6.
//
// The median is the figure shown (one slow repetition does not move it); the interval is the
// mean's. For N up to 6 the median always lies inside the interval (|mean - median| <= s <=
// t·s/√N); above, only a strongly skewed set of repetitions can put it outside.
//
// Two points of the same run are compared round by round (paired.go), which removes what drifted
// between rounds. Where they cannot be paired (two runs, in `compare`), two figures are "not
// distinguishable" when their intervals overlap. For two points with the
// same noise this is a test at about the 0.5 % level (the intervals overlap unless the means
// differ by more than 2·t·SE, i.e. √2·t standard errors of the difference), so two identical
// points are called different about once in 200 runs, never by noise at the 5 % rate a plain
// t-test would have; the price is power: with 5 % noise per repetition, N = 3 separates
// differences of about 30 % and N = 5 about 15 to 20 %.

// ConfidenceLevel is the coverage of every interval kbench reports across repetitions.
const ConfidenceLevel = 0.95

// Estimate is one figure of a point across its repetitions.
type Estimate struct {
	Values  []float64 // the known values, in repetition order
	Unknown int       // repetitions whose value is unknown (a loss count whose read did not complete)
	Median  float64   // the figure reported
	Mean    float64
	SD      float64 // sample standard deviation (N-1); 0 below two values
	Lo, Hi  float64 // the 95 % confidence interval of the mean; Lo = Hi = Median below two values
}

// EstimateOf summarises the values of one figure over a point's repetitions; unknown counts the
// repetitions whose value is not known (they are left out of every number, and Known is false).
func EstimateOf(values []float64, unknown int) Estimate {
	e := Estimate{Values: slices.Clone(values), Unknown: unknown}
	n := len(values)
	if n == 0 {
		return e
	}
	sorted := slices.Sorted(slices.Values(values))
	if n%2 == 1 {
		e.Median = sorted[n/2]
	} else {
		e.Median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	for _, v := range values {
		e.Mean += v
	}
	e.Mean /= float64(n)
	e.Lo, e.Hi = e.Median, e.Median
	if n < 2 {
		return e
	}
	ss := 0.0
	for _, v := range values {
		ss += (v - e.Mean) * (v - e.Mean)
	}
	e.SD = math.Sqrt(ss / float64(n-1))
	half := StudentT975(n-1) * e.SD / math.Sqrt(float64(n))
	e.Lo, e.Hi = e.Mean-half, e.Mean+half
	return e
}

// N is the number of known values.
func (e Estimate) N() int { return len(e.Values) }

// Known says every repetition's value is known (and there is at least one).
func (e Estimate) Known() bool { return len(e.Values) > 0 && e.Unknown == 0 }

// HasInterval says there is an interval to show and to test: at least two known values, none
// unknown.
func (e Estimate) HasInterval() bool { return e.Known() && len(e.Values) >= 2 }

// Overlaps says whether the two intervals share a value.
func (e Estimate) Overlaps(o Estimate) bool { return e.Lo <= o.Hi && o.Lo <= e.Hi }

// Distinguishable says two figures differ by more than their repetitions' noise: both have an
// interval and the intervals do not overlap. Figures without an interval (one repetition, or an
// unknown value) are never distinguishable: nothing says how large their noise is.
func Distinguishable(a, b Estimate) bool {
	return a.HasInterval() && b.HasInterval() && !a.Overlaps(b)
}

// t975 are Student's t quantiles at 0.975 for 1 to 30 degrees of freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// StudentT975 is the 0.975 quantile of Student's t with df degrees of freedom (df >= 1): the
// factor of a two-sided 95 % interval. Above 30 degrees of freedom it is the Cornish-Fisher
// expansion around the normal quantile, within 0.001 of the exact value.
func StudentT975(df int) float64 {
	switch {
	case df < 1:
		return math.Inf(1)
	case df <= len(t975):
		return t975[df-1]
	}
	const z = 1.959964
	v := float64(df)
	return z + (z*z*z+z)/(4*v) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*v*v)
}
