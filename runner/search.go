package runner

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// The capacity search is pure: it knows nothing of Kafka. It asks a TrialFunc to run one
// fixed-rate trial at a time and decides, from the trials' verdicts alone, which rate to try
// next. The runner's TrialFunc (searchpoint.go) runs an ordinary point at that rate; the tests'
// runs a simulated system whose latency curve is known.
//
// Algorithm, per point:
//  1. ramp: start at StartRate and multiply by Growth (2) while trials pass, up to MaxRate;
//  2. step down: if the very first trial fails, divide by Growth until one passes or the rate
//     falls below MinRate (the lowest rate at which a trial still measures MinRecords);
//  3. bisect between the highest passing and the lowest failing rate until
//     (fail - pass) / pass <= Precision;
//  4. confirm: run the highest passing rate again, with a fresh warmup. If the confirmation fails,
//     divide by (1 + Precision) and confirm again, while the budget lasts.
//
// Guarantees: at most MaxTrials trials run (ramp and bisection stop early enough to leave room
// for confirmations); the reported rate is always the target of a passing confirmation trial —
// a rate the system sustained in the last run at it — and 0 otherwise, with an outcome that says
// why; every trial is returned, also after an error or Ctrl-C.

// Trial is what the search asks for: the next trial's number (1-based), phase and target rate.
type Trial struct {
	Index int
	Phase string  // stats.PhaseRamp, PhaseStepDown, PhaseBisect, PhaseConfirm
	Rate  float64 // msgs/s, a whole number
}

// TrialFunc runs one trial at t.Rate with its own warmup and returns what it measured (rates,
// counts, latencies, the run's status). The search fills Index, Phase, TargetRate, Passed and
// Reasons. An error means the trial could not run at all (not that it missed the objective);
// the search stops there.
type TrialFunc func(ctx context.Context, t Trial) (stats.SearchTrial, error)

// SearchParams bound a search. Rates are msgs/s.
type SearchParams struct {
	StartRate  float64
	MaxRate    float64
	MinRate    float64 // no trial below this (it could not measure MinRecords); at least 1
	Precision  float64 // fraction, e.g. 0.05
	MaxTrials  int     // every trial, confirmations included
	MinRecords int64   // acknowledged records a trial must measure to pass
	Growth     float64 // ramp factor; 0 means 2
}

// SearchResult is the outcome of a search: the confirmed rate (0 unless Outcome is one of the
// found outcomes), the bracket, and every trial in the order run.
type SearchResult struct {
	Outcome            string // stats.SearchFound ... stats.SearchError
	Detail             string
	Rate               float64 // the confirmed sustainable rate; 0 when none was confirmed
	Confirmation       int     // index into Trials of the passing confirmation; -1 when none
	HighestPassingRate float64
	LowestFailingRate  float64 // 0: no trial failed
	Trials             []stats.SearchTrial
}

// SearchParamsFor derives a point's search bounds from its profile: the lowest measurable rate is
// min.records over the trial duration.
func SearchParamsFor(s profiles.RateSearch, w profiles.Workload) SearchParams {
	minRate := 1.0
	if secs := w.Duration.Seconds(); secs > 0 {
		minRate = math.Max(1, math.Ceil(float64(s.MinRecords)/secs))
	}
	return SearchParams{StartRate: float64(s.StartRate), MaxRate: float64(s.MaxRate), MinRate: minRate,
		Precision: s.Precision, MaxTrials: s.MaxTrials, MinRecords: s.MinRecords, Growth: 2}
}

// Evaluate judges one trial against the objective, setting t.Passed and t.Reasons (every
// objective missed, not only the first).
func Evaluate(obj profiles.Objective, minRecords int64, t *stats.SearchTrial) {
	var why []string
	if t.Status != "" && t.Status != stats.StatusOK {
		why = append(why, fmt.Sprintf("trial run %s", t.Status))
	}
	if t.AckedRecords < minRecords {
		why = append(why, fmt.Sprintf("only %d acknowledged records measured (min.records %d): too few for a stable p99", t.AckedRecords, minRecords))
	}
	if t.AchievedRate < obj.MinAchievedRatio*t.TargetRate {
		why = append(why, fmt.Sprintf("achieved %.0f msgs/s < %s %% of target %.0f", t.AchievedRate, fmtNum(obj.MinAchievedRatio*100), t.TargetRate))
	}
	if bad := t.FailedSends + t.Indeterminate; bad > obj.MaxFailedSends {
		why = append(why, fmt.Sprintf("%d failed and %d indeterminate sends (allowed %d)", t.FailedSends, t.Indeterminate, obj.MaxFailedSends))
	}
	switch {
	case t.Lost == nil:
		why = append(why, "loss unknown: the trial's verification read did not complete")
	case *t.Lost > 0:
		why = append(why, fmt.Sprintf("%d acknowledged records lost", *t.Lost))
	}
	check := func(name string, bound float64, s stats.LatencySummary) {
		switch {
		case bound <= 0:
		case s.Count == 0:
			why = append(why, fmt.Sprintf("no %s latency measured", name))
		case s.P99Ms > bound:
			why = append(why, fmt.Sprintf("%s p99 %.2f ms > %s ms", name, s.P99Ms, fmtNum(bound)))
		}
	}
	check("produce", obj.ProduceP99Ms, t.ProduceLatency)
	check("end-to-end", obj.EndToEndP99Ms, t.EndToEndLatency)
	t.Passed, t.Reasons = len(why) == 0, why
}

func fmtNum(v float64) string { return fmt.Sprintf("%g", v) }

// ErrSearchParams says the search bounds cannot work (no trials, no start rate ...).
var ErrSearchParams = errors.New("invalid search parameters")

// Search finds the highest target rate whose trials meet obj (see the algorithm above). It
// returns every trial run, also with an error: ctx ending gives Outcome SearchInterrupted and an
// error wrapping ErrInterrupted; a trial that could not run gives SearchError and its error.
func Search(ctx context.Context, obj profiles.Objective, p SearchParams, trial TrialFunc) (SearchResult, error) {
	res := SearchResult{Confirmation: -1}
	if p.MaxTrials < 1 || p.StartRate < 1 || p.MaxRate < p.StartRate || p.Precision <= 0 {
		res.Outcome = stats.SearchError
		return res, fmt.Errorf("%w: %+v", ErrSearchParams, p)
	}
	growth := p.Growth
	if growth <= 1 {
		growth = 2
	}
	minRate := math.Max(1, p.MinRate)
	// Trials kept back for confirmations: one, and a second (for one step down) when the budget
	// is large enough that this does not starve the search.
	reserve := 1
	if p.MaxTrials >= 6 {
		reserve = 2
	}

	var runErr error
	run := func(rate float64, phase string) (passed, ok bool) {
		if ctx.Err() != nil {
			return false, false
		}
		t := Trial{Index: len(res.Trials) + 1, Phase: phase, Rate: math.Round(rate)}
		out, err := trial(ctx, t)
		out.Index, out.Phase, out.TargetRate = t.Index, t.Phase, t.Rate
		if err != nil || ctx.Err() != nil {
			out.Passed = false
			if err != nil {
				out.Reasons = append(out.Reasons, "trial did not run: "+err.Error())
				runErr = err
			} else {
				out.Reasons = append(out.Reasons, "interrupted")
			}
			res.Trials = append(res.Trials, out)
			return false, false
		}
		Evaluate(obj, p.MinRecords, &out)
		res.Trials = append(res.Trials, out)
		if out.Passed {
			res.HighestPassingRate = math.Max(res.HighestPassingRate, t.Rate)
		} else if res.LowestFailingRate == 0 || t.Rate < res.LowestFailingRate {
			res.LowestFailingRate = t.Rate
		}
		return out.Passed, true
	}
	left := func() int { return p.MaxTrials - len(res.Trials) }

	lo, hi := 0.0, 0.0 // highest passing, lowest failing (0: none yet)
	atMax := false
	stopped := false // a trial could not run, or ctx ended

	// 1. Ramp.
	for rate := math.Min(p.StartRate, p.MaxRate); !stopped && left() > reserve; {
		pass, ok := run(rate, stats.PhaseRamp)
		if !ok {
			stopped = true
			break
		}
		if !pass {
			hi = rate
			break
		}
		lo = rate
		if rate >= p.MaxRate {
			atMax = true
			break
		}
		rate = math.Min(math.Round(rate*growth), p.MaxRate)
	}
	// 2. Step down when even the start rate failed.
	tooLow := false
	for !stopped && lo == 0 && hi > 0 && left() > reserve {
		rate := math.Floor(hi / growth)
		if rate < minRate {
			tooLow = true
			break
		}
		pass, ok := run(rate, stats.PhaseStepDown)
		if !ok {
			stopped = true
			break
		}
		if pass {
			lo = rate
		} else {
			hi = rate
		}
	}
	// 3. Bisect.
	for !stopped && lo > 0 && hi > 0 && !narrow(lo, hi, p.Precision) && left() > reserve {
		mid := math.Round((lo + hi) / 2)
		pass, ok := run(mid, stats.PhaseBisect)
		if !ok {
			stopped = true
			break
		}
		if pass {
			lo = mid
		} else {
			hi = mid
		}
	}
	precise := atMax || (lo > 0 && hi > 0 && narrow(lo, hi, p.Precision))
	// 4. Confirm, stepping down by the precision when a confirmation fails.
	for cand := lo; !stopped && cand >= minRate && left() > 0; {
		pass, ok := run(cand, stats.PhaseConfirm)
		if !ok {
			stopped = true
			break
		}
		if pass {
			res.Rate, res.Confirmation = cand, len(res.Trials)-1
			break
		}
		atMax = false
		hi = cand
		cand = math.Floor(cand / (1 + p.Precision))
		precise = narrow(cand, hi, p.Precision)
	}

	switch {
	case res.Rate > 0 && atMax:
		res.Outcome = stats.SearchFoundAtMax
		res.Detail = fmt.Sprintf("sustained max.rate %.0f msgs/s: the cluster may take more (raise max.rate)", res.Rate)
	case res.Rate > 0 && precise:
		res.Outcome = stats.SearchFound
		res.Detail = fmt.Sprintf("confirmed %.0f msgs/s; %.0f msgs/s failed", res.Rate, res.LowestFailingRate)
	case res.Rate > 0:
		res.Outcome = stats.SearchFoundCoarse
		res.Detail = fmt.Sprintf("confirmed %.0f msgs/s, but the budget of %d trials ran out before the bracket narrowed to %s %%",
			res.Rate, p.MaxTrials, fmtNum(p.Precision*100))
		if res.LowestFailingRate > 0 {
			res.Detail += fmt.Sprintf(" (%.0f msgs/s failed)", res.LowestFailingRate)
		} else {
			res.Detail += " (no rate failed yet: the capacity may be much higher)"
		}
	case runErr != nil:
		res.Outcome = stats.SearchError
		res.Detail = "a trial could not run: " + runErr.Error()
		return res, fmt.Errorf("rate search trial %d: %w", len(res.Trials), runErr)
	case ctx.Err() != nil:
		res.Outcome = stats.SearchInterrupted
		res.Detail = fmt.Sprintf("interrupted after %d trials; no rate confirmed", len(res.Trials))
		return res, fmt.Errorf("rate search: %w", ErrInterrupted)
	case res.HighestPassingRate > 0:
		res.Outcome = stats.SearchUnconfirmed
		res.Detail = fmt.Sprintf("%.0f msgs/s passed once, but no confirmation passed within %d trials", res.HighestPassingRate, p.MaxTrials)
	default:
		res.Outcome = stats.SearchNoneSustained
		lowest := res.LowestFailingRate
		if tooLow {
			res.Detail = fmt.Sprintf("no rate met the objective, down to %.0f msgs/s (below %.0f msgs/s a trial measures fewer than min.records)", lowest, minRate)
		} else {
			res.Detail = fmt.Sprintf("no rate met the objective within %d trials (lowest tried %.0f msgs/s)", p.MaxTrials, lowest)
		}
	}
	return res, nil
}

// narrow says the bracket [lo, hi] is within the precision (or one msg/s wide).
func narrow(lo, hi, precision float64) bool {
	if lo <= 0 {
		return false
	}
	return hi-lo <= 1 || (hi-lo)/lo <= precision+1e-9+1/lo
}
