package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/search"
	"github.com/kbench/kbench/stats"
)

// measure runs one point: a capacity search when its workload says rate: search, else one
// measured run at its rate.
func (s *session) measure(ctx context.Context, p profiles.Point, progress progressFunc) (*stats.Result, error) {
	if s.fixedLoadErr != nil && strings.HasSuffix(p.ID, profiles.FixedLoadSuffix) {
		res := &stats.Result{FormatVersion: stats.FormatVersion, RunID: s.runID, Profile: s.opts.Profile, Point: p,
			Start: time.Now(), End: time.Now(), Environment: s.env, Status: stats.StatusFailed, Error: s.fixedLoadErr.Error()}
		return res, s.fixedLoadErr
	}
	if p.Workload.Search != nil {
		return s.runSearchPoint(ctx, p, progress)
	}
	if s.fleet != nil {
		return s.runFleetPoint(ctx, p, progress)
	}
	return s.runPoint(ctx, p, progress)
}

// trialPoint is the fixed-rate point one search trial runs: the point's settings at rate, with
// its own id (so its own fresh topic, consumer group and interval log).
func trialPoint(p profiles.Point, t search.Trial) profiles.Point {
	tp := p
	tp.ID = fmt.Sprintf("%s-trial-%02d", p.ID, t.Index)
	tp.Workload.Rate = int(t.Rate)
	tp.Workload.Search = nil
	return tp
}

// trialRecord reduces a trial's full result to the search's audit record.
func trialRecord(r *stats.Result) stats.SearchTrial {
	if r == nil {
		return stats.SearchTrial{Status: stats.StatusFailed}
	}
	m := r.Metrics
	var steady *bool
	var warm float64
	if w := r.Warmup; w != nil {
		steady, warm = w.Steady, w.Seconds
	}
	return stats.SearchTrial{
		Steady: steady, WarmupSeconds: warm,
		AchievedRate: m.Acked.RecordsPerSecond, SentRate: m.Sent.RecordsPerSecond, AckedRecords: m.Acked.Records,
		FailedSends: r.Audit.Failed, Indeterminate: r.Audit.Indeterminate, Lost: r.Audit.Lost,
		ProduceLatency: m.ProduceLatency, EndToEndLatency: m.EndToEndLatency, ConsumerBehind: m.ConsumerBehind,
		Status: r.Status, Topic: r.Effective.Topic, Start: r.Start, End: r.End,
	}
}

// runSearchPoint runs a rate: search point. Each trial is an ordinary point run at a fixed
// target rate on a fresh topic with fresh clients and its own warmup (runPoint), so each trial's
// audit balances on its own and no trial inherits another's backlog; static broker settings are
// applied once (runPoint skips an unchanged restart), dynamic ones around each trial.
//
// The point's result is the passing confirmation trial's (metrics, audit, series, histograms,
// interval log) with the whole search in Result.Search; when no rate was confirmed it carries
// no metrics, and Search says why. The budget is printed before the first trial.
func (s *session) runSearchPoint(ctx context.Context, p profiles.Point, progress progressFunc) (*stats.Result, error) {
	rs, w := *p.Workload.Search, p.Workload
	params := search.SearchParamsFor(rs, w)
	rep := &stats.SearchReport{
		ObjectiveText: rs.Objective.String(), BudgetTrials: rs.MaxTrials, BudgetSeconds: rs.Budget(w).Seconds(),
		TrialSeconds: w.Duration.Seconds(), TrialWarmupSeconds: w.Warmup.Seconds(), PrecisionRatio: rs.Precision,
		MinRecordsPerTrial: rs.MinRecords, TopicPerTrial: s.opts.ExistingTopic == "",
	}
	s.say("%s: %s (plus about %s setup per trial)", p.Label, rs.Describe(w), PointOverhead)
	start := time.Now()
	results := map[int]*stats.Result{}
	trial := func(ctx context.Context, t search.Trial) (stats.SearchTrial, error) {
		tp := trialPoint(p, t)
		r, err := s.runPoint(ctx, tp, progress)
		results[t.Index] = r
		out := trialRecord(r)
		if r != nil && s.opts.IntervalLogs != nil {
			out.IntervalLog = s.opts.IntervalLogs.Name(tp.ID)
		}
		if err != nil && !errors.Is(err, ErrInterrupted) {
			s.say("  trial %d (%s) %.0f msgs/s: could not run: %v", t.Index, t.Phase, t.Rate, err)
			return out, err
		}
		if ctx.Err() == nil {
			judged := out
			judged.TargetRate = t.Rate
			search.Evaluate(rs.Objective, rs.MinRecords, &judged)
			s.say("  trial %d/%d (%s) %.0f msgs/s: %s", t.Index, rs.MaxTrials, t.Phase, t.Rate, trialLine(judged))
		}
		return out, nil
	}
	sr, serr := search.Search(ctx, rs.Objective, params, trial)

	rep.Outcome, rep.Detail, rep.Trials = sr.Outcome, sr.Detail, sr.Trials
	rep.SustainableRate, rep.HighestPassingRate, rep.LowestFailingRate = sr.Rate, sr.HighestPassingRate, sr.LowestFailingRate
	rep.BeyondLowestRate = sr.BeyondLowestRate
	rep.ElapsedSeconds = time.Since(start).Seconds()

	var res *stats.Result
	if sr.Confirmation >= 0 {
		conf := sr.Trials[sr.Confirmation]
		c := *results[conf.Index]
		res = &c
		rep.SustainableAchieved = conf.AchievedRate
		s.adoptIntervalLog(conf.IntervalLog, p.ID)
	} else {
		res = &stats.Result{Status: stats.StatusOK, Environment: s.env}
		if last := results[len(sr.Trials)]; last != nil {
			res.Effective = last.Effective
		}
	}
	res.FormatVersion, res.RunID, res.Profile, res.Point = stats.FormatVersion, s.runID, s.opts.Profile, p
	res.Start, res.End, res.Search = start, time.Now(), rep
	res.Notes = append(append([]string(nil), p.Notes...), "rate search: "+rep.Detail)
	if sr.Confirmation >= 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("metrics, audit and interval log are the confirmation trial's (trial %d)", sr.Trials[sr.Confirmation].Index))
		res.Notes = append(res.Notes, results[sr.Trials[sr.Confirmation].Index].Notes...)
	}
	switch {
	case ctx.Err() != nil:
		res.Status, res.Error = stats.StatusIncomplete, ErrInterrupted.Error()
		serr = ErrInterrupted
	case serr != nil:
		res.Status, res.Error = stats.StatusFailed, serr.Error()
	}
	s.say("%s: %s: %s", p.Label, rep.Outcome, rep.Detail)
	return res, serr
}

// trialLine is the progress line of one judged trial.
func trialLine(t stats.SearchTrial) string {
	verdict := "pass"
	if !t.Passed {
		verdict = "FAIL (" + strings.Join(t.Reasons, "; ") + ")"
	}
	line := fmt.Sprintf("%s, acked %.0f msgs/s, produce p99 %.2f ms", verdict, t.AchievedRate, t.ProduceLatency.P99Ms)
	if t.Steady != nil {
		state := "steady"
		if !*t.Steady {
			state = "NOT steady"
		}
		line += fmt.Sprintf(", warmup %.1f s %s", t.WarmupSeconds, state)
	}
	if t.EndToEndLatency.Count > 0 {
		line += fmt.Sprintf(", end-to-end p99 %.2f ms", t.EndToEndLatency.P99Ms)
	}
	return line
}

// adoptIntervalLog makes the confirmation trial's interval log also the point's, where readers of
// the results folder look for it. The trial's copy stays for the audit.
func (s *session) adoptIntervalLog(trialLog, pointID string) {
	if trialLog == "" || s.opts.IntervalLogs == nil {
		return
	}
	if err := s.opts.IntervalLogs.Adopt(trialLog, pointID); err != nil {
		s.warn("interval log of the confirmation not copied: %v", err)
	}
}

// say reports a note of the search to the run's events.
func (s *session) say(format string, args ...any) {
	s.opts.events().Message(events.Message{Text: fmt.Sprintf(format, args...)})
}
