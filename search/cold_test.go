package search

import (
	"context"
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// coldFirst wraps a simulated system whose first trials run cold: not steady, p99 in seconds
// (a freshly started cluster), and steady as it is afterwards.
func coldFirst(sim *simulated, coldTrials int) TrialFunc {
	return func(ctx context.Context, t Trial) (stats.SearchTrial, error) {
		out, err := sim.trial(ctx, t)
		steady := t.Index > coldTrials
		out.Steady = &steady
		if !steady {
			out.ProduceLatency.P99Ms = 2500
		}
		return out, err
	}
}

// TestSearchNeverDecidesFromColdTrials: a failing trial measured before steady state decides
// nothing (the rate runs again), so a cold first trial does not make "none sustained"; when the
// lowest rate only ever failed cold the outcome says the search is inconclusive; and when a warm
// system misses the objective even at its lowest rate the result says the objective is beyond it.
func TestSearchNeverDecidesFromColdTrials(t *testing.T) {
	sim := &simulated{capacity: 7777, base: 2, k: 5, seconds: 3}
	p := testParams()
	res, err := Search(context.Background(), testObjective, p, coldFirst(sim, 1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != stats.SearchFound || res.Rate < 1000 {
		t.Fatalf("cold first trial: outcome %s (%s), rate %.0f: want the knee found as when warm", res.Outcome, res.Detail, res.Rate)
	}
	if first, second := res.Trials[0], res.Trials[1]; first.TargetRate != second.TargetRate || !second.Passed ||
		!strings.Contains(strings.Join(first.Reasons, ";"), "before steady state") {
		t.Errorf("trials 1 and 2: %+v / %+v: want the cold trial marked and its rate run again (and passing)", first, second)
	}

	p.MaxTrials = 6
	res, err = Search(context.Background(), testObjective, p, coldFirst(sim, 100))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != stats.SearchColdOnly || res.BeyondLowestRate || res.LowestFailingRate != 0 {
		t.Errorf("always cold: outcome %s (%s), beyond %v, lowest failing %.0f: want %s, nothing concluded", res.Outcome, res.Detail, res.BeyondLowestRate, res.LowestFailingRate, stats.SearchColdOnly)
	}

	slow := &simulated{capacity: 1e6, base: 100, k: 5, seconds: 3} // warm p99 100 ms at any rate: objective 20 ms
	p = testParams()
	res, err = Search(context.Background(), testObjective, p, coldFirst(slow, 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != stats.SearchNoneSustained || !res.BeyondLowestRate || !strings.Contains(res.Detail, "beyond what the cluster does even at its lowest rate") {
		t.Errorf("warm but too slow: outcome %s, beyond %v, detail %q: want none sustained, beyond the lowest rate", res.Outcome, res.BeyondLowestRate, res.Detail)
	}
}
