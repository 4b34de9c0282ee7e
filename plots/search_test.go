package plots

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// searchRun is a two-level capacity search as the runner writes it: acks=1 found 10000 msgs/s,
// the durable level 7100, each after a ramp, a bisection and a confirmation.
func searchRun() *stats.Run {
	obj := profiles.Objective{ProduceP99Ms: 20, EndToEndP99Ms: 50, MinAchievedRatio: 0.98}
	mk := func(id, level string, rank int, rate float64, trials [][3]float64) stats.RunPoint {
		w := profiles.Workload{MessageSizeMin: 1024, MessageSizeMax: 1024, Partitions: 6, Producers: 1, Consumers: 1,
			Search: &profiles.RateSearch{Objective: obj, StartRate: 1000, MaxRate: 1e6, Precision: 0.05, MaxTrials: 12, MinRecords: 1000}}
		rep := &stats.SearchReport{ObjectiveText: obj.String(), BudgetTrials: 12, TrialSeconds: 10, TrialWarmupSeconds: 2,
			PrecisionRatio: 0.05, Outcome: stats.SearchFound, Detail: "confirmed", SustainableRate: rate}
		for i, tr := range trials {
			phase := stats.PhaseRamp
			if i == len(trials)-1 {
				phase = stats.PhaseConfirm
			}
			t := stats.SearchTrial{Index: i + 1, Phase: phase, TargetRate: tr[0], AchievedRate: tr[0],
				ProduceLatency: stats.LatencySummary{Count: 1000, P99Ms: tr[1]}, EndToEndLatency: stats.LatencySummary{Count: 1000, P99Ms: tr[2]}}
			t.Passed = tr[1] <= 20 && tr[2] <= 50
			if !t.Passed {
				t.Reasons = []string{"produce p99 too high"}
				if rep.LowestFailingRate == 0 || tr[0] < rep.LowestFailingRate {
					rep.LowestFailingRate = tr[0]
				}
			}
			rep.Trials = append(rep.Trials, t)
		}
		res := &stats.Result{Status: stats.StatusOK,
			Point:   profiles.Point{ID: id, Label: id, Level: profiles.ReliabilityLevel{Rank: rank, Name: level}, Workload: w},
			Metrics: stats.Metrics{MeasuredSeconds: 10, TargetRate: rate, Acked: stats.Throughput{RecordsPerSecond: rate}}, Search: rep}
		return stats.RunPoint{Entry: stats.IndexPoint{ID: id, Level: res.Point.Level, Status: stats.StatusOK}, Result: res}
	}
	return &stats.Run{Index: stats.Index{Profile: "capacity", RunID: "test"}, Points: []stats.RunPoint{
		mk("acks-1", "acks=1", 1, 10000, [][3]float64{{1000, 2, 4}, {2000, 2, 4}, {4000, 3, 5}, {8000, 5, 8}, {16000, 400, 900}, {12000, 60, 90}, {10000, 15, 30}, {10000, 16, 31}}),
		mk("acks-all_idem_isr-2", "min ISR 2 + idempotence", 2, 7100, [][3]float64{{1000, 3, 5}, {2000, 4, 6}, {4000, 6, 9}, {8000, 90, 200}, {6000, 12, 20}, {7000, 18, 40}, {7500, 25, 60}, {7100, 19, 45}}),
	}}
}

// TestSearchChartsAndReport: a searched run gets the capacity chart and one hockey-stick chart
// per level, and its report states each level's rate against acks=1 and lists every trial.
func TestSearchChartsAndReport(t *testing.T) {
	run := searchRun()
	names := map[string]bool{}
	for _, c := range Charts(run) {
		names[c.Name] = true
	}
	for _, want := range []string{ChartCapacity, "search-acks-1", "search-acks-all_idem_isr-2"} {
		if !names[want] {
			t.Errorf("chart %s missing (have %v)", want, names)
		}
	}
	dir := t.TempDir()
	if keep := os.Getenv("KBENCH_PLOTS_KEEP"); keep != "" {
		dir = keep
	}
	paths, err := DrawAll(run, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v (size %v)", filepath.Base(p), err, fi)
		}
	}
	var b bytes.Buffer
	if err := WriteReport(&b, run, ReportOptions{NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"Capacity (rate search)",
		"min ISR 2 + idempotence sustains 71 % of acks=1's rate (7100 vs 10000 msgs/s) at produce p99",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(md, "fail: produce p99 too high"); n != 4 {
		t.Errorf("report lists %d failing trials, want 4 (every trial is listed)", n)
	}
}
