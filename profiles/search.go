package profiles

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A capacity search replaces a fixed rate: `rate: search` makes the runner look, per point, for
// the highest target rate that still meets a latency objective, instead of measuring one rate.
// Max-throughput runs overstate what a cluster takes (latency explodes at saturation); this is the
// number a capacity plan needs.
//
//	workload:
//	  rate: search
//	  duration: 10s              # each trial's measured phase
//	  warmup: 2s                 # each trial's own warmup
//	  search:
//	    objective:
//	      produce.p99.ms: 20     # at least one latency objective is required
//	      end.to.end.p99.ms: 50  # needs consumers
//	      failed.sends: 0        # optional, default 0 (failed or indeterminate sends a passing trial may have)
//	      achieved.rate: 98%     # optional, default 98% (acknowledged msgs/s against the target)
//	    start.rate: 1000         # optional, default 1000 msgs/s: the first trial
//	    max.rate: 1000000        # optional, default 1,000,000 msgs/s: the ramp stops here
//	    precision: 5%            # optional, default 5%: bisection stops when the bracket is this narrow
//	    max.trials: 12           # optional, default 12: every trial of a point, confirmations included
//	    min.records: 1000        # optional, default 1000: acknowledged records a trial must measure

// RateSearch is a point's capacity search: the objective a trial must meet and the bounds of the
// search. Trials run the workload's Duration after its own Warmup.
type RateSearch struct {
	Objective  Objective
	StartRate  int     // msgs/s of the first trial
	MaxRate    int     // the ramp never goes above this
	Precision  float64 // fraction: stop when (lowest failing - highest passing) / highest passing <= Precision
	MaxTrials  int     // per point, confirmations included
	MinRecords int64   // acknowledged records a trial must measure for its percentiles to count
}

// Objective is what a trial must meet to pass. A zero latency bound is not checked.
type Objective struct {
	ProduceP99Ms     float64 // produce (send to acknowledgement) p99 at most this
	EndToEndP99Ms    float64 // end-to-end (send to consumer receipt) p99 at most this
	MaxFailedSends   int64   // failed plus indeterminate sends at most this
	MinAchievedRatio float64 // acknowledged msgs/s at least this fraction of the target rate
}

// Search defaults, applied when a key is left out (documented in the profile README).
const (
	DefaultSearchStartRate  = 1000
	DefaultSearchMaxRate    = 1000000
	DefaultSearchPrecision  = 0.05
	DefaultSearchMaxTrials  = 12
	DefaultSearchMinRecords = 1000
	DefaultAchievedRatio    = 0.98
)

// minSearchTrials is the smallest useful budget: one ramp trial, one bisection, one confirmation.
const minSearchTrials = 3

// String says the objective the way a summary quotes it: "produce p99 <= 20 ms, end-to-end p99
// <= 50 ms, no failed sends, achieved >= 98 % of target".
func (o Objective) String() string {
	var parts []string
	if o.ProduceP99Ms > 0 {
		parts = append(parts, "produce p99 <= "+trimFloat(o.ProduceP99Ms)+" ms")
	}
	if o.EndToEndP99Ms > 0 {
		parts = append(parts, "end-to-end p99 <= "+trimFloat(o.EndToEndP99Ms)+" ms")
	}
	if o.MaxFailedSends == 0 {
		parts = append(parts, "no failed sends")
	} else {
		parts = append(parts, fmt.Sprintf("at most %d failed sends", o.MaxFailedSends))
	}
	parts = append(parts, "achieved >= "+trimFloat(o.MinAchievedRatio*100)+" % of target")
	return strings.Join(parts, ", ")
}

// Budget is the most traffic time a point's search may take: MaxTrials x (warmup + duration).
// Topic creation, group joins and the audit of each trial come on top (a few seconds each).
func (s RateSearch) Budget(w Workload) time.Duration {
	return time.Duration(s.MaxTrials) * (w.Warmup + w.Duration)
}

// Describe is the one-line plan of a search: "search 1000..1000000 msgs/s to 5 %, at most 12
// trials x (1s warmup + 3s) = 48s; objective: ...".
func (s RateSearch) Describe(w Workload) string {
	return fmt.Sprintf("rate search %d..%d msgs/s to %s %%, at most %d trials x (%s warmup + %s) = %s of traffic; objective: %s",
		s.StartRate, s.MaxRate, trimFloat(s.Precision*100), s.MaxTrials, w.Warmup, w.Duration, s.Budget(w), s.Objective)
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// rateSearchJSON is the result-file form of a search: long, stable names.
type rateSearchJSON struct {
	ProduceP99Ms     float64 `json:"objective_produce_p99_ms"`
	EndToEndP99Ms    float64 `json:"objective_end_to_end_p99_ms"`
	MaxFailedSends   int64   `json:"objective_max_failed_sends"`
	MinAchievedRatio float64 `json:"objective_min_achieved_ratio"`
	StartRate        int     `json:"start_rate_messages_per_second"`
	MaxRate          int     `json:"max_rate_messages_per_second"`
	Precision        float64 `json:"precision_ratio"`
	MaxTrials        int     `json:"max_trials"`
	MinRecords       int64   `json:"min_records_per_trial"`
}

// MarshalJSON writes the search with long stable names.
func (s RateSearch) MarshalJSON() ([]byte, error) {
	return json.Marshal(rateSearchJSON{
		ProduceP99Ms: s.Objective.ProduceP99Ms, EndToEndP99Ms: s.Objective.EndToEndP99Ms,
		MaxFailedSends: s.Objective.MaxFailedSends, MinAchievedRatio: s.Objective.MinAchievedRatio,
		StartRate: s.StartRate, MaxRate: s.MaxRate, Precision: s.Precision, MaxTrials: s.MaxTrials, MinRecords: s.MinRecords,
	})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *RateSearch) UnmarshalJSON(b []byte) error {
	var j rateSearchJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("rate search: %w", err)
	}
	*s = RateSearch{
		Objective: Objective{ProduceP99Ms: j.ProduceP99Ms, EndToEndP99Ms: j.EndToEndP99Ms,
			MaxFailedSends: j.MaxFailedSends, MinAchievedRatio: j.MinAchievedRatio},
		StartRate: j.StartRate, MaxRate: j.MaxRate, Precision: j.Precision, MaxTrials: j.MaxTrials, MinRecords: j.MinRecords,
	}
	return nil
}

// searchKeys and objectiveKeys are the keys of workload.search and its objective.
var (
	searchKeys    = []string{"objective", "start.rate", "max.rate", "precision", "max.trials", "min.records"}
	objectiveKeys = []string{"produce.p99.ms", "end.to.end.p99.ms", "failed.sends", "achieved.rate"}
)

// defaultRateSearch is a search with every default and no latency objective yet.
func defaultRateSearch() *RateSearch {
	return &RateSearch{
		Objective: Objective{MinAchievedRatio: DefaultAchievedRatio},
		StartRate: DefaultSearchStartRate, MaxRate: DefaultSearchMaxRate, Precision: DefaultSearchPrecision,
		MaxTrials: DefaultSearchMaxTrials, MinRecords: DefaultSearchMinRecords,
	}
}

// rateSearch reads workload.search.
func (r *reader) rateSearch(w *Workload, n *yaml.Node, field string) {
	if n.Kind != yaml.MappingNode {
		r.add(n, field, "want a mapping with objective and optional start.rate, max.rate, precision, max.trials, min.records, got %s", got(n))
		return
	}
	s := defaultRateSearch()
	for _, kv := range r.pairs(n, field) {
		f, v := kv.fullPath, kv.val
		switch kv.key {
		case "objective":
			r.objective(&s.Objective, v, f)
		case "start.rate":
			s.StartRate = r.intField(v, f, "messages per second", 1, math.MaxInt32)
		case "max.rate":
			s.MaxRate = r.intField(v, f, "messages per second", 1, math.MaxInt32)
		case "precision":
			if p, ok := r.percent(v, f, 0.1, 50); ok {
				s.Precision = p
			}
		case "max.trials":
			s.MaxTrials = r.intField(v, f, "trials", minSearchTrials, 1000)
		case "min.records":
			v, _ := r.integer(v, f, "records", 1, math.MaxInt64)
			s.MinRecords = v
		default:
			r.unknown(kv, field, searchKeys)
		}
	}
	w.Search = s
}

// objective reads workload.search.objective.
func (r *reader) objective(o *Objective, n *yaml.Node, field string) {
	if n.Kind != yaml.MappingNode {
		r.add(n, field, "want a mapping of %s, got %s", strings.Join(objectiveKeys, ", "), got(n))
		return
	}
	for _, kv := range r.pairs(n, field) {
		f, v := kv.fullPath, kv.val
		switch kv.key {
		case "produce.p99.ms":
			o.ProduceP99Ms, _ = r.positiveMs(v, f)
		case "end.to.end.p99.ms":
			o.EndToEndP99Ms, _ = r.positiveMs(v, f)
		case "failed.sends":
			o.MaxFailedSends, _ = r.integer(v, f, "sends", 0, math.MaxInt64)
		case "achieved.rate":
			if p, ok := r.percent(v, f, 1, 100); ok {
				o.MinAchievedRatio = p
			}
		default:
			r.unknown(kv, field, objectiveKeys)
		}
	}
}

// positiveMs reads a latency bound in milliseconds (a number, fractions allowed).
func (r *reader) positiveMs(n *yaml.Node, field string) (float64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil && v > 0 && !math.IsInf(v, 0) {
			return v, true
		}
	}
	r.add(n, field, "want a positive number of milliseconds, got %s", got(n))
	return 0, false
}

// percent reads "5%" as 0.05, between lo and hi percent. A bare number is refused: 5 and 0.05
// would both be plausible readings.
func (r *reader) percent(n *yaml.Node, field string, lo, hi float64) (float64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		s := strings.TrimSpace(n.Value)
		if num, ok := strings.CutSuffix(s, "%"); ok {
			if v, err := strconv.ParseFloat(strings.TrimSpace(num), 64); err == nil {
				if v < lo || v > hi {
					r.add(n, field, "want %s%% to %s%%, got %s", trimFloat(lo), trimFloat(hi), s)
					return 0, false
				}
				return v / 100, true
			}
		}
	}
	r.add(n, field, "want a percentage such as 5%%, got %s", got(n))
	return 0, false
}

// checkSearch checks what needs the whole workload: `rate: search` and `search:` come together,
// a latency objective is given, an end-to-end objective has consumers to measure it, the ramp
// starts below its ceiling, and a trial at the start rate can measure min.records.
func (r *reader) checkSearch(w *Workload, searchRate bool, n *yaml.Node) {
	line := func(key string) *yaml.Node {
		if l := r.lines[key]; l > 0 {
			return &yaml.Node{Line: l}
		}
		return n
	}
	switch {
	case searchRate && w.Search == nil:
		r.add(line("workload.rate"), "workload.search", "rate: search needs a search block with at least an objective (e.g. objective: {produce.p99.ms: 20})")
		return
	case !searchRate && w.Search != nil:
		r.add(line("workload.search"), "workload.search", "a search block needs rate: search (the rate is what it searches for)")
		return
	case w.Search == nil:
		return
	}
	s := w.Search
	o := s.Objective
	if o.ProduceP99Ms == 0 && o.EndToEndP99Ms == 0 {
		r.add(line("workload.search"), "workload.search.objective", "give a latency objective: produce.p99.ms and/or end.to.end.p99.ms")
	}
	if o.EndToEndP99Ms > 0 && w.Consumers == 0 {
		r.add(line("workload.search.objective.end.to.end.p99.ms"), "workload.search.objective.end.to.end.p99.ms", "end-to-end latency needs consumers, and the workload has consumers: 0")
	}
	if s.StartRate > s.MaxRate {
		r.add(line("workload.search.start.rate"), "workload.search.start.rate", "start.rate %d is above max.rate %d", s.StartRate, s.MaxRate)
	}
	if w.Duration > 0 && float64(s.StartRate)*w.Duration.Seconds() < float64(s.MinRecords) {
		r.add(line("workload.search.min.records"), "workload.search.min.records",
			"a %s trial at start.rate %d msgs/s measures about %.0f records, fewer than min.records %d: raise start.rate or duration",
			w.Duration, s.StartRate, float64(s.StartRate)*w.Duration.Seconds(), s.MinRecords)
	}
}
