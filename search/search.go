// Package search is kbench's capacity search: it finds the highest rate a system sustains under
// a latency and durability objective by running fixed-rate trials it asks a TrialFunc for. It is
// pure (no Kafka, no cgo); the runner supplies the trials.
package search

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
	// BeyondLowestRate: no rate was sustained and the lowest rate tried failed in a trial
	// measured at steady state, so the objective is beyond what the system does at any rate tried.
	BeyondLowestRate bool
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
	if obj.EndToEndP99Ms > 0 && t.ConsumerBehind {
		why = append(why, "consumers behind: end-to-end latency measures their backlog, not Kafka")
	} else {
		check("end-to-end", obj.EndToEndP99Ms, t.EndToEndLatency)
	}
	t.Passed, t.Reasons = len(why) == 0, why
}

func fmtNum(v float64) string { return fmt.Sprintf("%g", v) }

// ErrSearchParams says the search bounds cannot work (no trials, no start rate ...).
var ErrSearchParams = errors.New("invalid search parameters")

// ErrInterrupted marks a search stopped by its context ending (Ctrl-C): the caller maps it to its
// own interrupted error.
var ErrInterrupted = errors.New("interrupted")

// Search finds the highest target rate whose trials meet obj (see the algorithm above). It
// returns every trial run, also with an error: ctx ending gives Outcome SearchInterrupted and an
// error wrapping ErrInterrupted; a trial that could not run gives SearchError and its error.
func Search(ctx context.Context, obj profiles.Objective, p SearchParams, trial TrialFunc) (SearchResult, error) {
	if p.MaxTrials < 1 || p.StartRate < 1 || p.MaxRate < p.StartRate || p.Precision <= 0 {
		return SearchResult{Confirmation: -1, Outcome: stats.SearchError}, fmt.Errorf("%w: %+v", ErrSearchParams, p)
	}
	s := newSearcher(ctx, obj, p, trial)
	s.ramp()
	s.stepDown()
	s.bisect()
	s.precise = s.atMax || (s.lo > 0 && s.hi > 0 && narrow(s.lo, s.hi, p.Precision))
	s.confirm()
	return s.outcome()
}

// searcher is one search in progress: its bounds, the trials run so far and the bracket.
type searcher struct {
	ctx     context.Context
	obj     profiles.Objective
	p       SearchParams
	trial   TrialFunc
	growth  float64
	minRate float64
	reserve int // trials kept back for confirmations

	res     SearchResult
	runErr  error   // why a trial could not run
	lo, hi  float64 // highest passing, lowest failing (0: none yet)
	atMax   bool    // max.rate passed
	stopped bool    // a trial could not run, or ctx ended
	tooLow  bool    // the step down reached min.rate
	precise bool    // the bracket narrowed to the precision

	lowestCold float64 // lowest rate that failed only in trials measured before steady state (0: none)
}

func newSearcher(ctx context.Context, obj profiles.Objective, p SearchParams, trial TrialFunc) *searcher {
	s := &searcher{ctx: ctx, obj: obj, p: p, trial: trial, growth: p.Growth, minRate: math.Max(1, p.MinRate),
		res: SearchResult{Confirmation: -1}}
	if s.growth <= 1 {
		s.growth = 2
	}
	// Trials kept back for confirmations: one, and a second (for one step down) when the budget
	// is large enough that this does not starve the search.
	s.reserve = 1
	if p.MaxTrials >= 6 {
		s.reserve = 2
	}
	return s
}

// left is the number of trials the budget still allows.
func (s *searcher) left() int { return s.p.MaxTrials - len(s.res.Trials) }

// run runs one trial at rate and records it. ok is false when the trial could not run or ctx
// ended; the search then stops (stopped is set). A trial that failed without having reached
// steady state (a cold start: its warmup's bound ran out first) decides nothing: the same rate
// runs once more, and a rate that failed only cold is never the lowest failing rate.
func (s *searcher) run(rate float64, phase string) (passed, ok bool) {
	passed, ok, cold := s.runOnce(rate, phase)
	if ok && cold && s.left() > 0 {
		passed, ok, cold = s.runOnce(rate, phase)
	}
	if ok && cold && (s.lowestCold == 0 || rate < s.lowestCold) {
		s.lowestCold = math.Round(rate)
	}
	return passed, ok
}

// cold says a trial was judged and had not reached steady state when it was measured.
func cold(t stats.SearchTrial) bool { return t.Steady != nil && !*t.Steady }

// runOnce runs and records one trial; cold is true when it failed before steady state.
func (s *searcher) runOnce(rate float64, phase string) (passed, ok, coldFail bool) {
	if s.ctx.Err() != nil {
		s.stopped = true
		return false, false, false
	}
	t := Trial{Index: len(s.res.Trials) + 1, Phase: phase, Rate: math.Round(rate)}
	out, err := s.trial(s.ctx, t)
	out.Index, out.Phase, out.TargetRate = t.Index, t.Phase, t.Rate
	if err != nil || s.ctx.Err() != nil {
		out.Passed = false
		if err != nil {
			out.Reasons = append(out.Reasons, "trial did not run: "+err.Error())
			s.runErr = err
		} else {
			out.Reasons = append(out.Reasons, "interrupted")
		}
		s.res.Trials = append(s.res.Trials, out)
		s.stopped = true
		return false, false, false
	}
	Evaluate(s.obj, s.p.MinRecords, &out)
	if !out.Passed && cold(out) {
		out.Reasons = append(out.Reasons, fmt.Sprintf("measured before steady state (warmup %.1f s not steady): decides nothing, the rate runs again", out.WarmupSeconds))
		s.res.Trials = append(s.res.Trials, out)
		return false, true, true
	}
	s.res.Trials = append(s.res.Trials, out)
	if out.Passed {
		s.res.HighestPassingRate = math.Max(s.res.HighestPassingRate, t.Rate)
	} else if s.res.LowestFailingRate == 0 || t.Rate < s.res.LowestFailingRate {
		s.res.LowestFailingRate = t.Rate
	}
	return out.Passed, true, false
}

// ramp is phase 1: from StartRate, multiply by the growth factor while trials pass, up to MaxRate.
func (s *searcher) ramp() {
	for rate := math.Min(s.p.StartRate, s.p.MaxRate); !s.stopped && s.left() > s.reserve; {
		pass, ok := s.run(rate, stats.PhaseRamp)
		if !ok {
			return
		}
		if !pass {
			s.hi = rate
			return
		}
		s.lo = rate
		if rate >= s.p.MaxRate {
			s.atMax = true
			return
		}
		rate = math.Min(math.Round(rate*s.growth), s.p.MaxRate)
	}
}

// stepDown is phase 2, when even the start rate failed: divide by the growth factor until a
// trial passes or the rate falls below MinRate.
func (s *searcher) stepDown() {
	for !s.stopped && s.lo == 0 && s.hi > 0 && s.left() > s.reserve {
		rate := math.Floor(s.hi / s.growth)
		if rate < s.minRate {
			s.tooLow = true
			return
		}
		pass, ok := s.run(rate, stats.PhaseStepDown)
		if !ok {
			return
		}
		if pass {
			s.lo = rate
		} else {
			s.hi = rate
		}
	}
}

// bisect is phase 3: halve the bracket between the highest passing and the lowest failing rate
// until it is within the precision.
func (s *searcher) bisect() {
	for !s.stopped && s.lo > 0 && s.hi > 0 && !narrow(s.lo, s.hi, s.p.Precision) && s.left() > s.reserve {
		mid := math.Round((s.lo + s.hi) / 2)
		pass, ok := s.run(mid, stats.PhaseBisect)
		if !ok {
			return
		}
		if pass {
			s.lo = mid
		} else {
			s.hi = mid
		}
	}
}

// confirm is phase 4: run the highest passing rate again, stepping down by the precision when a
// confirmation fails, while the budget lasts.
func (s *searcher) confirm() {
	for cand := s.lo; !s.stopped && cand >= s.minRate && s.left() > 0; {
		pass, ok := s.run(cand, stats.PhaseConfirm)
		if !ok {
			return
		}
		if pass {
			s.res.Rate, s.res.Confirmation = cand, len(s.res.Trials)-1
			return
		}
		s.atMax = false
		s.hi = cand
		cand = math.Floor(cand / (1 + s.p.Precision))
		s.precise = narrow(cand, s.hi, s.p.Precision)
	}
}

// outcome names how the search ended, with the error of a search that could not finish.
func (s *searcher) outcome() (SearchResult, error) {
	res := &s.res
	switch {
	case res.Rate > 0:
		res.Outcome, res.Detail = s.found()
	case s.runErr != nil:
		res.Outcome = stats.SearchError
		res.Detail = "a trial could not run: " + s.runErr.Error()
		return *res, fmt.Errorf("rate search trial %d: %w", len(res.Trials), s.runErr)
	case s.ctx.Err() != nil:
		res.Outcome = stats.SearchInterrupted
		res.Detail = fmt.Sprintf("interrupted after %d trials; no rate confirmed", len(res.Trials))
		return *res, fmt.Errorf("rate search: %w", ErrInterrupted)
	case res.HighestPassingRate > 0:
		res.Outcome = stats.SearchUnconfirmed
		res.Detail = fmt.Sprintf("%.0f msgs/s passed once, but no confirmation passed within %d trials", res.HighestPassingRate, s.p.MaxTrials)
	case s.lowestCold > 0 && (res.LowestFailingRate == 0 || s.lowestCold < res.LowestFailingRate):
		res.Outcome = stats.SearchColdOnly
		res.Detail = fmt.Sprintf("no rate met the objective, but %.0f msgs/s failed only in trials measured before steady state: nothing is concluded (warm the cluster up longer)", s.lowestCold)
	case s.tooLow:
		res.Outcome = stats.SearchNoneSustained
		res.Detail = fmt.Sprintf("no rate met the objective, down to %.0f msgs/s (below %.0f msgs/s a trial measures fewer than min.records)", res.LowestFailingRate, s.minRate)
	default:
		res.Outcome = stats.SearchNoneSustained
		res.Detail = fmt.Sprintf("no rate met the objective within %d trials (lowest tried %.0f msgs/s)", s.p.MaxTrials, res.LowestFailingRate)
	}
	if res.Outcome == stats.SearchNoneSustained {
		s.beyondLowest()
	}
	return *res, nil
}

// beyondLowest marks a search that sustained nothing when its lowest failing rate failed warm:
// the objective is then beyond what the system does even at that rate, and the detail says what
// it did there.
func (s *searcher) beyondLowest() {
	res := &s.res
	for i := len(res.Trials) - 1; i >= 0; i-- {
		t := res.Trials[i]
		if t.TargetRate != res.LowestFailingRate || t.Passed || cold(t) {
			continue
		}
		res.BeyondLowestRate = true
		res.Detail += fmt.Sprintf("; the objective is beyond what the cluster does even at its lowest rate tried: %.0f msgs/s gave produce p99 %.2f ms", t.TargetRate, t.ProduceLatency.P99Ms)
		if t.Steady != nil {
			res.Detail += " at steady state"
		}
		return
	}
}

// found is the outcome and detail of a search that confirmed a rate.
func (s *searcher) found() (outcome, detail string) {
	res := &s.res
	switch {
	case s.atMax:
		return stats.SearchFoundAtMax, fmt.Sprintf("sustained max.rate %.0f msgs/s: the cluster may take more (raise max.rate)", res.Rate)
	case s.precise:
		return stats.SearchFound, fmt.Sprintf("confirmed %.0f msgs/s; %.0f msgs/s failed", res.Rate, res.LowestFailingRate)
	}
	detail = fmt.Sprintf("confirmed %.0f msgs/s, but the budget of %d trials ran out before the bracket narrowed to %s %%",
		res.Rate, s.p.MaxTrials, fmtNum(s.p.Precision*100))
	if res.LowestFailingRate > 0 {
		return stats.SearchFoundCoarse, detail + fmt.Sprintf(" (%.0f msgs/s failed)", res.LowestFailingRate)
	}
	return stats.SearchFoundCoarse, detail + " (no rate failed yet: the capacity may be much higher)"
}

// narrow says the bracket [lo, hi] is within the precision (or one msg/s wide).
func narrow(lo, hi, precision float64) bool {
	if lo <= 0 {
		return false
	}
	return hi-lo <= 1 || (hi-lo)/lo <= precision+1e-9+1/lo
}
