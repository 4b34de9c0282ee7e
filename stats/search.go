package stats

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Search outcomes, the values of SearchReport.Outcome. Only the "found" outcomes carry a
// sustainable rate; every other outcome reports 0.
const (
	SearchFound         = "found"             // confirmed, bracketed to the stated precision
	SearchFoundAtMax    = "found-at-max-rate" // confirmed at max.rate: the cluster may sustain more
	SearchFoundCoarse   = "found-imprecise"   // confirmed, but the budget ran out before the precision was reached
	SearchNoneSustained = "none-sustained"    // no rate down to the lowest measurable one met the objective
	SearchColdOnly      = "inconclusive-cold" // no rate met the objective, but the lowest rate failed only in trials measured before steady state
	SearchUnconfirmed   = "unconfirmed"       // rates passed, but no confirmation passed within the budget
	SearchInterrupted   = "interrupted"       // Ctrl-C: the trials done so far are kept
	SearchError         = "error"             // a trial could not run (cluster, topic ...): see Result.Error
)

// Trial phases, the values of SearchTrial.Phase.
const (
	PhaseRamp     = "ramp"     // doubling from the start rate until a trial fails
	PhaseStepDown = "stepdown" // halving when the start rate already fails
	PhaseBisect   = "bisect"   // between the highest passing and the lowest failing rate
	PhaseConfirm  = "confirm"  // a fresh run at the candidate rate; only a passing one is reported
)

// SearchReport is a capacity search of one point: its objective and bounds, the budget it
// announced, every trial in the order it ran, and the rate it confirmed. The point's Metrics,
// Audit, Series and Histograms are those of the passing confirmation trial (zero when none
// passed), so every other chart and table shows the run that proves the rate.
type SearchReport struct {
	ObjectiveText string `json:"objective"` // e.g. "produce p99 <= 20 ms, no failed sends, achieved >= 98 % of target"
	// BudgetTrials x (warmup + trial duration) is the announced traffic budget.
	BudgetTrials        int     `json:"budget_trials"`
	BudgetSeconds       float64 `json:"budget_seconds"`
	TrialSeconds        float64 `json:"trial_measured_seconds"`
	TrialWarmupSeconds  float64 `json:"trial_warmup_seconds"`
	PrecisionRatio      float64 `json:"precision_ratio"`
	MinRecordsPerTrial  int64   `json:"min_records_per_trial"`
	TopicPerTrial       bool    `json:"fresh_topic_per_trial"` // true: every trial has its own topic, clients and audit
	Outcome             string  `json:"outcome"`               // SearchFound ... SearchError
	Detail              string  `json:"detail,omitempty"`      // one sentence on the outcome
	SustainableRate     float64 `json:"sustainable_rate_messages_per_second"`
	SustainableAchieved float64 `json:"sustainable_rate_achieved_messages_per_second"` // acknowledged msgs/s of the confirmation
	HighestPassingRate  float64 `json:"highest_passing_rate_messages_per_second"`      // any phase, confirmed or not
	LowestFailingRate   float64 `json:"lowest_failing_rate_messages_per_second"`       // 0: none failed
	ElapsedSeconds      float64 `json:"elapsed_seconds"`                               // wall time of the whole search
	// BeyondLowestRate says the objective is beyond what the cluster does even at the lowest
	// rate tried, measured warm (a steady trial failed it there): no lower rate helps.
	BeyondLowestRate bool          `json:"objective_beyond_lowest_rate,omitempty"`
	Trials           []SearchTrial `json:"trials"`
}

// SearchTrial is one fixed-rate run of a search: what was asked, what came out, and the verdict
// with every reason it failed. A trial is an ordinary point run (fresh topic, its own warmup).
type SearchTrial struct {
	Index           int            `json:"index"` // 1-based, in the order run
	Phase           string         `json:"phase"`
	TargetRate      float64        `json:"target_rate_messages_per_second"`
	AchievedRate    float64        `json:"achieved_rate_messages_per_second"` // acknowledged msgs/s in the measured phase
	SentRate        float64        `json:"sent_rate_messages_per_second"`
	AckedRecords    int64          `json:"acked_records"`
	FailedSends     int64          `json:"failed_sends"`        // definitely failed
	Indeterminate   int64          `json:"indeterminate_sends"` // timed out or connection lost
	Lost            *int64         `json:"lost"`                // acknowledged but not read back; null: unknown (the trial's verification read did not complete)
	ProduceLatency  LatencySummary `json:"produce_latency"`
	EndToEndLatency LatencySummary `json:"end_to_end_latency"`
	ConsumerBehind  bool           `json:"consumer_behind"`
	// Steady is whether the trial's warmup reached steady state before it was measured (nil:
	// not judged: fixed warmup or older files). A failing trial that was not steady decides
	// nothing: the search runs the rate again.
	Steady        *bool     `json:"steady,omitempty"`
	WarmupSeconds float64   `json:"warmup_seconds,omitempty"`
	Status        Status    `json:"status"` // the trial run's own status
	Passed        bool      `json:"passed"`
	Reasons       []string  `json:"fail_reasons,omitempty"` // every objective missed, e.g. "produce p99 31.2 ms > 20 ms"
	Topic         string    `json:"topic,omitempty"`
	IntervalLog   string    `json:"interval_log,omitempty"` // the trial's per-second histograms, relative to the results folder
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
}

// Found says the search confirmed a rate (the only case SustainableRate is not 0).
func (s *SearchReport) Found() bool {
	return s != nil && (s.Outcome == SearchFound || s.Outcome == SearchFoundAtMax || s.Outcome == SearchFoundCoarse)
}

// SearchLevel is one row of the capacity summary: a level's sustainable rate and what it keeps
// of the least durable searched level's rate.
type SearchLevel struct {
	PointID  string
	Label    string
	Level    string
	Rank     int
	Outcome  string
	Rate     float64 // 0 unless Found
	Trials   int
	Relative float64 // Rate / the reference's rate; 0 when either is 0
	Baseline bool    // this is the reference level
}

// SearchLevels lists, in the order given (level order), the points that ran a search, with each
// level's sustainable rate relative to the least durable level that found one.
func SearchLevels(results []*Result) []SearchLevel {
	var out []SearchLevel
	ref := -1
	for _, r := range results {
		if r == nil || r.Search == nil {
			continue
		}
		l := SearchLevel{PointID: r.Point.ID, Label: r.Point.Label, Level: r.Point.Level.Name, Rank: r.Point.Level.Rank,
			Outcome: r.Search.Outcome, Trials: len(r.Search.Trials)}
		if l.Level == "" {
			l.Level = l.Label
		}
		if r.Search.Found() {
			l.Rate = r.Search.SustainableRate
			if ref < 0 && l.Rate > 0 {
				ref = len(out)
			}
		}
		out = append(out, l)
	}
	if ref >= 0 {
		out[ref].Baseline = true
		for i := range out {
			if out[i].Rate > 0 {
				out[i].Relative = out[i].Rate / out[ref].Rate
			}
		}
	}
	return out
}

// SearchSentences says each level's result against the reference in one sentence: "min ISR 2 +
// idempotence sustains 71 % of acks=1's rate (7100 vs 10000 msgs/s) at produce p99 <= 20 ms".
func SearchSentences(results []*Result) []string {
	levels := SearchLevels(results)
	var ref *SearchLevel
	for i := range levels {
		if levels[i].Baseline {
			ref = &levels[i]
		}
	}
	objective := ""
	for _, r := range results {
		if r != nil && r.Search != nil {
			objective = r.Search.ObjectiveText
			break
		}
	}
	var out []string
	for _, l := range levels {
		switch {
		case l.Rate == 0:
			out = append(out, fmt.Sprintf("%s sustains no rate (%s) at %s.%s", l.Level, l.Outcome, objective, whyNoRate(results, l.PointID)))
		case ref == nil || l.Baseline:
			out = append(out, fmt.Sprintf("%s sustains %.0f msgs/s at %s.", l.Level, l.Rate, objective))
		default:
			out = append(out, fmt.Sprintf("%s sustains %.0f %% of %s's rate (%.0f vs %.0f msgs/s) at %s.",
				l.Level, l.Relative*100, ref.Level, l.Rate, ref.Rate, objective))
		}
	}
	return out
}

// whyNoRate adds to a level's "sustains no rate" what its search found out: that the objective
// is beyond the cluster even at the lowest rate tried (measured warm), or that nothing was
// concluded because the trials ran before steady state.
func whyNoRate(results []*Result, pointID string) string {
	for _, r := range results {
		if r == nil || r.Search == nil || r.Point.ID != pointID {
			continue
		}
		switch {
		case r.Search.BeyondLowestRate:
			return fmt.Sprintf(" The objective is beyond what this cluster does even at the lowest rate tried (%.0f msgs/s, measured at steady state).", r.Search.LowestFailingRate)
		case r.Search.Outcome == SearchColdOnly:
			return " Nothing is concluded: the failing trials ran before the cluster reached steady state."
		}
	}
	return ""
}

// WriteSearchSummary writes the capacity table of a sweep that searched (nothing otherwise):
// sustainable rate per level, its share of the reference level's rate, outcome and trials,
// then one sentence per level.
func WriteSearchSummary(w io.Writer, results []*Result) error {
	levels := SearchLevels(results)
	if len(levels) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "point\tlevel\tsustainable msgs/s\tof reference\ttrials\toutcome\t")
	for _, l := range levels {
		rel := "-"
		if l.Relative > 0 {
			rel = fmt.Sprintf("%.0f %%", l.Relative*100)
		}
		rate := fmt.Sprintf("%.0f", l.Rate)
		fmt.Fprintln(tw, strings.Join([]string{cleanCell(l.Label), cleanCell(l.Level), rate, rel,
			fmt.Sprint(l.Trials), cleanCell(l.Outcome)}, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write search summary: %w", err)
	}
	for _, s := range SearchSentences(results) {
		if _, err := fmt.Fprintln(w, s); err != nil {
			return fmt.Errorf("write search summary: %w", err)
		}
	}
	return nil
}
