package analysis

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/kbench/kbench/stats"
)

// # Differences judged round by round
//
// A run with repetitions measures every point once per round, each round in a shuffled order, so
// whatever drifts over the run (a cluster that changes speed, a busy neighbour on the machine)
// lands on all the points of a round alike. Two points of the same run are therefore compared
// round by round: in each round in which both measured the figure, the ratio a/b; over the n
// rounds, the geometric mean of the ratios with the 95 % interval exp(m ± t(0.975, n-1)·s/√n),
// m and s the mean and standard deviation of the log-ratios (Student's t on the logarithms: half
// and double are equally far from "no change"). This is the textbook analysis of a randomised
// complete block design, the rounds being the blocks.
//
// Why: on a small machine the drift is most of the noise. In the demo on 2 cores the exactly-once
// rung measured 32.5, 37.1 and 74.7 MB/s in rounds 1 to 3 and the leader-ack rung 100.9, 108.6 and
// 222.4 MB/s: each level's own interval spans a factor of three, yet the round by round ratio was
// 0.32, 0.34 and 0.34.
//
// A difference is stated when the ratio's interval excludes 1: a test at the 5 % level, so two
// identical points are called different in about one run in twenty, the rate the issue on
// repetitions allows (TestPairedIdenticalNotDistinguishable). Points of different runs
// (`compare`), pairs with fewer than two rounds in common, and figures with a zero value (a
// logarithm needs positive values) are judged by the overlap of their own intervals instead
// (Distinguishable).

// RoundRatio is one figure of point a relative to point b of the same run, judged round by round.
type RoundRatio struct {
	Rounds int     // rounds in which both points measured the figure
	Mean   float64 // geometric mean of the rounds' ratios a/b: the ratio reported
	Lo, Hi float64 // its 95 % confidence interval
}

// Distinct says the ratio's interval excludes 1: a and b differ by more than the noise.
func (r RoundRatio) Distinct() bool { return r.Lo > 1 || r.Hi < 1 }

// PairedRatio is figure key of a against b, round by round; ok false when the two cannot be
// paired: either was not repeated, they are of different runs, they share fewer than two rounds
// with the figure known in both, or a value is not positive.
func PairedRatio(a, b Point, key string) (RoundRatio, bool) {
	def, found := figureDefOf(key)
	if !found || !a.Repeated() || !b.Repeated() || a.Result == nil || b.Result == nil || a.Result.RunID != b.Result.RunID {
		return RoundRatio{}, false
	}
	va, okA := roundValues(a.Repetitions, def)
	vb, okB := roundValues(b.Repetitions, def)
	if !okA || !okB {
		return RoundRatio{}, false
	}
	var logs []float64
	for _, round := range slices.Sorted(maps.Keys(va)) {
		y, both := vb[round]
		if !both {
			continue
		}
		x := va[round]
		if x <= 0 || y <= 0 || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return RoundRatio{}, false
		}
		logs = append(logs, math.Log(x/y))
	}
	if len(logs) < 2 {
		return RoundRatio{}, false
	}
	e := EstimateOf(logs, 0)
	return RoundRatio{Rounds: len(logs), Mean: math.Exp(e.Mean), Lo: math.Exp(e.Lo), Hi: math.Exp(e.Hi)}, true
}

// roundValues maps each repetition's round to its value of the figure; repetitions without it
// are left out. ok false when a repetition has no round or two share one (nothing to pair by).
func roundValues(reps []*stats.Result, def figureDef) (map[int]float64, bool) {
	out := make(map[int]float64, len(reps))
	for _, r := range reps {
		if r.Repetition == nil || r.Repetition.Round < 1 {
			return nil, false
		}
		if _, dup := out[r.Repetition.Round]; dup {
			return nil, false
		}
		if def.present != nil && !def.present(r) {
			continue
		}
		if v, ok := def.get(r); ok {
			out[r.Repetition.Round] = v
		}
	}
	return out, true
}

func figureDefOf(key string) (figureDef, bool) {
	for _, d := range figureDefs {
		if d.key == key {
			return d, true
		}
	}
	return figureDef{}, false
}

// FormatRatio prints a ratio as a change with its interval, "-67.1 % [-69.0, -65.1 %]", or as
// factors when the interval reaches beyond double, "×17.1 [×1.02, ×287]" (a percentage of
// +28608 reads worse than a factor of 287).
func FormatRatio(r RoundRatio) string {
	if r.Hi > 2 {
		return fmt.Sprintf("×%.3g [×%.3g, ×%.3g]", r.Mean, r.Lo, r.Hi)
	}
	pc := func(v float64) float64 { return (v - 1) * 100 }
	return fmt.Sprintf("%+.1f %% [%+.1f, %+.1f %%]", pc(r.Mean), pc(r.Lo), pc(r.Hi))
}
