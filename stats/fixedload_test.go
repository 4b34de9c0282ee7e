package stats

import (
	"errors"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

func satResult(id, level string, rank int, status Status, rate float64) *Result {
	r := &Result{Status: status, Point: profiles.Point{ID: id, Level: profiles.ReliabilityLevel{Rank: rank, Name: level}}}
	r.Metrics.Acked.RecordsPerSecond = rate
	return r
}

// TestResolveFixedLoad: a share is of the least durable level's saturated throughput, whatever
// order the results come in; a level without a usable throughput is passed over and named; an
// absolute rate stands; nothing to derive from is an error, never a rate of 0.
func TestResolveFixedLoad(t *testing.T) {
	sat := []*Result{
		satResult("acks-all", "all ISR ack", 3, StatusOK, 27800),
		satResult("acks-0", "fire-and-forget", 1, StatusOK, 31000),
		satResult("acks-1", "leader ack", 2, StatusOK, 30000),
	}
	fl, err := ResolveFixedLoad(profiles.LatencyLoad{Share: 0.5}, sat)
	if err != nil || fl.RatePerSecond != 15500 || fl.BasePointID != "acks-0" || fl.BaseThroughput != 31000 || fl.Spec != "50%" {
		t.Errorf("50%%: %+v, %v: want 15500 msgs/s from acks-0's 31000", fl, err)
	}
	if !strings.Contains(fl.Derivation, "50% of fire-and-forget's saturated throughput") {
		t.Errorf("derivation %q does not say where the rate came from", fl.Derivation)
	}

	sat[1].Status = StatusFailed
	fl, err = ResolveFixedLoad(profiles.LatencyLoad{Share: 0.25}, sat)
	if err != nil || fl.RatePerSecond != 7500 || fl.BaseLevel != "leader ack" || !strings.Contains(fl.Derivation, "fire-and-forget (failed)") {
		t.Errorf("least durable failed: %+v, %v: want 25 %% of leader ack's 30000, naming the failed level", fl, err)
	}

	sat[1].Status = StatusOK
	sat = append(sat, satResult("fsync", "fsync each message", 6, StatusOK, 9000), satResult("broken", "min ISR 2", 5, StatusFailed, 0))
	fl, err = ResolveFixedLoad(profiles.LatencyLoad{Share: 0.5, Of: profiles.LatencyOfSlowest}, sat)
	if err != nil || fl.RatePerSecond != 4500 || fl.BasePointID != "fsync" || !strings.Contains(fl.Derivation, "the slowest level") {
		t.Errorf("50%% of the slowest: %+v, %v: want 4500 msgs/s from fsync's 9000 (the failed level passed over)", fl, err)
	}

	fl, err = ResolveFixedLoad(profiles.LatencyLoad{Rate: 5000}, nil)
	if err != nil || fl.RatePerSecond != 5000 || fl.Spec != "5000" {
		t.Errorf("absolute: %+v, %v", fl, err)
	}

	_, err = ResolveFixedLoad(profiles.LatencyLoad{Share: 0.5}, []*Result{satResult("a", "a", 1, StatusFailed, 0), nil})
	if !errors.Is(err, ErrNoSaturatedThroughput) {
		t.Errorf("nothing to derive from: err %v, want ErrNoSaturatedThroughput", err)
	}
	if fl, _ := ResolveFixedLoad(profiles.LatencyLoad{Share: 0.01}, []*Result{satResult("a", "a", 1, StatusOK, 20)}); fl.RatePerSecond != 1 {
		t.Errorf("tiny share: %.0f msgs/s, want at least 1", fl.RatePerSecond)
	}
}

// TestSearchSentencesSayWhyNoRate: a level that sustains no rate says whether the objective is
// beyond the cluster even at its lowest rate (warm) or whether nothing was concluded (cold).
func TestSearchSentencesSayWhyNoRate(t *testing.T) {
	mk := func(id string, rank int, rep SearchReport) *Result {
		return &Result{Point: profiles.Point{ID: id, Label: id, Level: profiles.ReliabilityLevel{Rank: rank, Name: id}}, Search: &rep}
	}
	got := strings.Join(SearchSentences([]*Result{
		mk("acks-1", 1, SearchReport{ObjectiveText: "produce p99 <= 20 ms", Outcome: SearchNoneSustained, BeyondLowestRate: true, LowestFailingRate: 500}),
		mk("acks-all", 2, SearchReport{ObjectiveText: "produce p99 <= 20 ms", Outcome: SearchColdOnly}),
	}), "\n")
	for _, want := range []string{"acks-1 sustains no rate (none-sustained) at produce p99 <= 20 ms. The objective is beyond what this cluster does even at the lowest rate tried (500 msgs/s",
		"acks-all sustains no rate (inconclusive-cold)", "Nothing is concluded"} {
		if !strings.Contains(got, want) {
			t.Errorf("sentences lack %q:\n%s", want, got)
		}
	}
}
