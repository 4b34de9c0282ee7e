package search

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// simulated is a system whose latency curve is known: produce p99 is base + k*r/(capacity - r),
// the hockey stick of a queue, and above capacity it acknowledges only capacity msgs/s with
// p99 in the seconds. Its knee under an objective bound is known exactly.
type simulated struct {
	capacity, base, k float64
	seconds           float64
	calls             []Trial
	flaky             map[int]bool // trial indexes that fail regardless (noise)
}

func (s *simulated) p99(rate float64) float64 {
	if rate >= s.capacity {
		return 5000
	}
	return s.base + s.k*rate/(s.capacity-rate)
}

// knee is the highest rate whose p99 is at most bound.
func (s *simulated) knee(bound float64) float64 {
	// base + k r/(C-r) = bound  =>  r = C (bound-base) / (k + bound - base)
	return s.capacity * (bound - s.base) / (s.k + bound - s.base)
}

func (s *simulated) trial(_ context.Context, t Trial) (stats.SearchTrial, error) {
	s.calls = append(s.calls, t)
	achieved := math.Min(t.Rate, s.capacity)
	p := s.p99(t.Rate)
	if s.flaky[t.Index] {
		p = 1000
	}
	return stats.SearchTrial{
		AchievedRate: achieved, SentRate: t.Rate, AckedRecords: int64(achieved * s.seconds), Status: stats.StatusOK, Lost: new(int64(0)),
		ProduceLatency: stats.LatencySummary{Count: int64(achieved * s.seconds), P99Ms: p},
	}, nil
}

var testObjective = profiles.Objective{ProduceP99Ms: 20, MinAchievedRatio: 0.98}

func testParams() SearchParams {
	return SearchParams{StartRate: 1000, MaxRate: 1e6, MinRate: 100, Precision: 0.05, MaxTrials: 14, MinRecords: 300, Growth: 2}
}

// checkNeverReportsFailing asserts the guarantee every search result must keep: a reported rate
// is the target of a passing confirmation trial and meets the objective in the simulation.
func checkNeverReportsFailing(t *testing.T, sim *simulated, res SearchResult, p SearchParams) {
	t.Helper()
	if len(res.Trials) > p.MaxTrials {
		t.Errorf("%d trials, budget %d", len(res.Trials), p.MaxTrials)
	}
	if res.Rate == 0 {
		if res.Confirmation != -1 {
			t.Errorf("rate 0 with confirmation %d", res.Confirmation)
		}
		return
	}
	c := res.Trials[res.Confirmation]
	if c.Phase != stats.PhaseConfirm || !c.Passed || c.TargetRate != res.Rate {
		t.Errorf("reported %.0f, confirmation trial %+v", res.Rate, c)
	}
	if sim.p99(res.Rate) > testObjective.ProduceP99Ms {
		t.Errorf("reported %.0f msgs/s, whose p99 %.1f ms misses the objective", res.Rate, sim.p99(res.Rate))
	}
	if res.Confirmation != len(res.Trials)-1 {
		t.Errorf("confirmation is trial %d of %d: the search went on after confirming", res.Confirmation+1, len(res.Trials))
	}
}

// TestSearchFindsKnownKnee: across systems whose knees lie at different distances from the start
// rate, the search reports a rate at or below the knee and within the precision of it, in budget.
func TestSearchFindsKnownKnee(t *testing.T) {
	for _, capacity := range []float64{900, 1500, 3000, 7777, 12000, 50000, 123456} {
		sim := &simulated{capacity: capacity, base: 2, k: 5, seconds: 3}
		p := testParams()
		res, err := Search(context.Background(), testObjective, p, sim.trial)
		if err != nil {
			t.Fatalf("capacity %.0f: %v", capacity, err)
		}
		knee := sim.knee(testObjective.ProduceP99Ms)
		checkNeverReportsFailing(t, sim, res, p)
		if res.Outcome != stats.SearchFound {
			t.Errorf("capacity %.0f (knee %.0f): outcome %s (%s), trials %d", capacity, knee, res.Outcome, res.Detail, len(res.Trials))
			continue
		}
		if res.Rate > knee || res.Rate < knee/(1+p.Precision)-1 {
			t.Errorf("capacity %.0f: found %.0f, knee %.0f (precision %.0f %%)", capacity, res.Rate, knee, p.Precision*100)
		}
		if res.LowestFailingRate <= knee {
			t.Errorf("capacity %.0f: %.0f failed below the knee %.0f", capacity, res.LowestFailingRate, knee)
		}
	}
}

// TestSearchOutcomes covers the edges: a system faster than max.rate, one too slow for any
// measurable rate, a noisy confirmation that must step down, and a budget too small to narrow.
func TestSearchOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		sim      *simulated
		params   func(*SearchParams)
		outcome  string
		wantRate func(knee float64, r SearchResult) bool
	}{
		{"faster than max.rate", &simulated{capacity: 1e7, base: 1, k: 1, seconds: 3},
			func(p *SearchParams) { p.MaxRate = 20000 }, stats.SearchFoundAtMax,
			func(_ float64, r SearchResult) bool { return r.Rate == 20000 }},
		{"nothing measurable passes", &simulated{capacity: 150, base: 1, k: 50, seconds: 3},
			nil, stats.SearchNoneSustained,
			func(_ float64, r SearchResult) bool { return r.Rate == 0 }},
		{"first confirmation fails: step down", &simulated{capacity: 12000, base: 2, k: 5, seconds: 3},
			nil, stats.SearchFound,
			func(knee float64, r SearchResult) bool { return r.Rate > 0 && r.Rate <= knee }},
		{"budget of 4 trials", &simulated{capacity: 50000, base: 2, k: 5, seconds: 3},
			func(p *SearchParams) { p.MaxTrials = 4 }, stats.SearchFoundCoarse,
			func(knee float64, r SearchResult) bool { return r.Rate > 0 && r.Rate <= knee }},
		{"start above the knee: step down", &simulated{capacity: 3000, base: 2, k: 5, seconds: 3},
			func(p *SearchParams) { p.StartRate = 8000 }, stats.SearchFound,
			func(knee float64, r SearchResult) bool { return r.Rate <= knee && r.Rate >= knee/1.05-1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testParams()
			if tt.params != nil {
				tt.params(&p)
			}
			if strings.Contains(tt.name, "confirmation fails") {
				// Make the first confirmation fail: find its index by a dry run.
				dry := *tt.sim
				r, _ := Search(context.Background(), testObjective, p, dry.trial)
				tt.sim.flaky = map[int]bool{r.Confirmation + 1: true}
			}
			res, err := Search(context.Background(), testObjective, p, tt.sim.trial)
			if err != nil {
				t.Fatal(err)
			}
			checkNeverReportsFailing(t, tt.sim, res, p)
			if res.Outcome != tt.outcome {
				t.Errorf("outcome %s (%s), want %s", res.Outcome, res.Detail, tt.outcome)
			}
			if !tt.wantRate(tt.sim.knee(testObjective.ProduceP99Ms), res) {
				t.Errorf("rate %.0f (knee %.0f) not as expected; trials %+v", res.Rate, tt.sim.knee(20), res.Trials)
			}
			if tt.sim.flaky != nil {
				confirms := 0
				for _, tr := range res.Trials {
					if tr.Phase == stats.PhaseConfirm {
						confirms++
					}
				}
				if confirms < 2 {
					t.Errorf("failed confirmation was not followed by a lower one: %+v", res.Trials)
				}
			}
		})
	}
}

// TestSearchStopsAndKeepsTrials: Ctrl-C and a trial that cannot run both end the search at once,
// report no rate, and keep every trial run so far.
func TestSearchStopsAndKeepsTrials(t *testing.T) {
	sim := &simulated{capacity: 50000, base: 2, k: 5, seconds: 3}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	res, err := Search(ctx, testObjective, testParams(), func(ctx context.Context, tr Trial) (stats.SearchTrial, error) {
		n++
		if n == 3 {
			cancel()
		}
		return sim.trial(ctx, tr)
	})
	if !errors.Is(err, ErrInterrupted) || res.Outcome != stats.SearchInterrupted || res.Rate != 0 {
		t.Errorf("interrupted: err %v, outcome %s, rate %.0f", err, res.Outcome, res.Rate)
	}
	if len(res.Trials) != 3 || res.Trials[2].Passed {
		t.Errorf("interrupted: kept %d trials (want 3, the last not passed): %+v", len(res.Trials), res.Trials)
	}

	boom := errors.New("topic creation refused")
	n = 0
	res, err = Search(context.Background(), testObjective, testParams(), func(ctx context.Context, tr Trial) (stats.SearchTrial, error) {
		n++
		if n == 2 {
			return stats.SearchTrial{}, boom
		}
		return sim.trial(ctx, tr)
	})
	if !errors.Is(err, boom) || res.Outcome != stats.SearchError || res.Rate != 0 || len(res.Trials) != 2 {
		t.Errorf("trial error: err %v, outcome %s, rate %.0f, %d trials", err, res.Outcome, res.Rate, len(res.Trials))
	}
}

// TestSearchBudgetAlwaysHolds: whatever the system and budget, the search never runs more trials
// than allowed and never reports a rate that misses the objective.
func TestSearchBudgetAlwaysHolds(t *testing.T) {
	for trials := 3; trials <= 16; trials++ {
		for _, capacity := range []float64{120, 999, 2048, 33333, 2e6} {
			sim := &simulated{capacity: capacity, base: 3, k: 4, seconds: 3}
			p := testParams()
			p.MaxTrials = trials
			res, err := Search(context.Background(), testObjective, p, sim.trial)
			if err != nil {
				t.Fatal(err)
			}
			checkNeverReportsFailing(t, sim, res, p)
		}
	}
}

func TestEvaluateGivesEveryReason(t *testing.T) {
	obj := profiles.Objective{ProduceP99Ms: 20, EndToEndP99Ms: 50, MinAchievedRatio: 0.98}
	tests := []struct {
		name  string
		trial stats.SearchTrial
		want  []string
	}{
		{"passes", stats.SearchTrial{TargetRate: 1000, AchievedRate: 995, AckedRecords: 3000, Status: stats.StatusOK, Lost: new(int64(0)),
			ProduceLatency: stats.LatencySummary{Count: 1, P99Ms: 19}, EndToEndLatency: stats.LatencySummary{Count: 1, P99Ms: 49}}, nil},
		{"everything wrong", stats.SearchTrial{TargetRate: 1000, AchievedRate: 900, AckedRecords: 100, FailedSends: 2, Indeterminate: 1, Lost: new(int64(1)),
			Status: stats.StatusIncomplete, ProduceLatency: stats.LatencySummary{Count: 1, P99Ms: 31.25}},
			[]string{"trial run incomplete", "only 100 acknowledged records", "achieved 900 msgs/s < 98 % of target 1000",
				"2 failed and 1 indeterminate sends", "1 acknowledged records lost", "produce p99 31.25 ms > 20 ms", "no end-to-end latency measured"}},
		{"loss unknown", stats.SearchTrial{TargetRate: 1000, AchievedRate: 995, AckedRecords: 3000, Status: stats.StatusIncomplete,
			ProduceLatency: stats.LatencySummary{Count: 1, P99Ms: 19}, EndToEndLatency: stats.LatencySummary{Count: 1, P99Ms: 49}},
			[]string{"trial run incomplete", "loss unknown: the trial's verification read did not complete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := tt.trial
			Evaluate(obj, 1000, &tr)
			if tr.Passed != (len(tt.want) == 0) || len(tr.Reasons) != len(tt.want) {
				t.Fatalf("passed %v, reasons %q, want %q", tr.Passed, tr.Reasons, tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(tr.Reasons[i], w) {
					t.Errorf("reason %d = %q, want it to contain %q", i, tr.Reasons[i], w)
				}
			}
		})
	}
}
