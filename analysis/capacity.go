package analysis

import (
	"fmt"
	"strings"

	"github.com/kbench/kbench/stats"
)

// Capacity is what a run's capacity searches say: one sentence per level against the least
// durable one, the capacity table, how the search works, and every trial of every point (so the
// search can be audited).
type Capacity struct {
	Sentences []string
	Rows      [][]string // level, sustainable msgs/s, of reference, lowest failing msgs/s, outcome, trials, search s
	Method    string     // how a sustainable rate is found, with this run's objective and budget
	Trials    []LevelTrials
}

// LevelTrials is the trial table of one searched point.
type LevelTrials struct {
	Level, Detail string
	Rows          [][]string // #, phase, target msgs/s, acked msgs/s, produce p99 ms, e2e p99 ms, failed sends, verdict
}

// Searched returns the points that ran a capacity search (with or without a confirmed rate).
func Searched(all []Point) []Point {
	var out []Point
	for _, p := range all {
		if p.Result != nil && p.Result.Search != nil {
			out = append(out, p)
		}
	}
	return out
}

// CapacityOf draws the capacity account of a run's searched points; ok is false when none searched.
func CapacityOf(all []Point) (c Capacity, ok bool) {
	ps := Searched(all)
	if len(ps) == 0 {
		return c, false
	}
	results := make([]*stats.Result, len(ps))
	for i, pt := range ps {
		results[i] = pt.Result
	}
	c.Sentences = stats.SearchSentences(results)
	for i, l := range stats.SearchLevels(results) {
		s := ps[i].Result.Search
		rel := "-"
		if l.Baseline {
			rel = "reference"
		} else if l.Relative > 0 {
			rel = fmt.Sprintf("%.0f %%", l.Relative*100)
		}
		bracket := "-"
		if s.LowestFailingRate > 0 {
			bracket = fmt.Sprintf("%.0f", s.LowestFailingRate)
		}
		c.Rows = append(c.Rows, []string{l.Level, fmt.Sprintf("%.0f", l.Rate), rel, bracket, l.Outcome,
			fmt.Sprintf("%d of %d", len(s.Trials), s.BudgetTrials), fmt.Sprintf("%.0f", s.ElapsedSeconds)})
	}
	s0 := ps[0].Result.Search
	c.Method = fmt.Sprintf("A sustainable rate is the target rate of a confirmation trial that met every objective (%s); a trial is %.0f s measured after its own %.0f s warmup on a fresh topic, with at least %d acknowledged records. The search ramps x2 from the start rate, bisects to %.0f %%, and confirms; it reports 0 rather than a rate it did not sustain. Budget per level: %d trials x (warmup + trial) = %.0f s of traffic.",
		s0.ObjectiveText, s0.TrialSeconds, s0.TrialWarmupSeconds, s0.MinRecordsPerTrial, s0.PrecisionRatio*100, s0.BudgetTrials, s0.BudgetSeconds)
	for _, pt := range ps {
		c.Trials = append(c.Trials, LevelTrials{Level: pt.Level, Detail: pt.Result.Search.Detail, Rows: trialRows(pt.Result.Search.Trials)})
	}
	return c, true
}

// trialRows is one row per trial, with its verdict and every reason it failed.
func trialRows(trials []stats.SearchTrial) [][]string {
	var rows [][]string
	for _, t := range trials {
		verdict := "pass"
		if !t.Passed {
			verdict = "fail: " + strings.Join(t.Reasons, "; ")
		}
		rows = append(rows, []string{fmt.Sprint(t.Index), t.Phase, fmt.Sprintf("%.0f", t.TargetRate), fmt.Sprintf("%.0f", t.AchievedRate),
			msOrDash(t.ProduceLatency), msOrDash(t.EndToEndLatency), fmt.Sprint(t.FailedSends + t.Indeterminate), verdict})
	}
	return rows
}

func msOrDash(s stats.LatencySummary) string {
	if s.Count == 0 {
		return "-"
	}
	return FormatMs(s.P99Ms)
}
