package analysis

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// ladderPoint is a point of a synthetic run: saturation (rate 0) or fixed-load (rate > 0).
func ladderPoint(level string, rank int, acks profiles.Acks, rate, mbps, p99 float64) Point {
	a := acks
	r := &stats.Result{Status: stats.StatusOK,
		Point: profiles.Point{ID: level, Label: level, Level: profiles.ReliabilityLevel{Rank: rank, Name: level}, Settings: profiles.Settings{Acks: &a}},
		Metrics: stats.Metrics{MeasuredSeconds: 10, TargetRate: rate, Acked: stats.Throughput{MBPerSecond: mbps, RecordsPerSecond: mbps * 1024},
			ProduceLatency: stats.LatencySummary{Count: 1000, P99Ms: p99}, ProduceLatencyKind: stats.LatencySendToAck}}
	if rate > 0 {
		r.Point.ID += profiles.FixedLoadSuffix
		r.FixedLoad = &stats.FixedLoad{RatePerSecond: rate, Spec: "50%", Derivation: "50% of leader ack's saturated throughput", SaturationPointID: level}
	}
	return Point{ID: r.Point.ID, Label: level, Level: level, Rank: rank, Status: stats.StatusOK, Result: r}
}

// TestRecommendUsesFixedLoadLatency: with fixed-load points the cost of a level is its
// saturation throughput and its latency at the common fixed load (not the max-rate queueing,
// which here would even rank the levels the other way), and the sentence says at which load.
func TestRecommendUsesFixedLoadLatency(t *testing.T) {
	ps := []Point{
		ladderPoint("leader ack", 1, profiles.AcksLeader, 0, 30, 1270),
		ladderPoint("all ISR ack", 2, profiles.AcksAll, 0, 27, 840),
		ladderPoint("leader ack", 1, profiles.AcksLeader, 15000, 15, 4),
		ladderPoint("all ISR ack", 2, profiles.AcksAll, 15000, 15, 12),
	}
	if got := len(SaturationPoints(ps)); got != 2 {
		t.Errorf("%d saturation points, want 2", got)
	}
	if lp := LatencyPoints(ps); len(lp) != 2 || !lp[0].IsFixedLoad() {
		t.Errorf("latency points %v: want the 2 fixed-load ones", lp)
	}
	rec := Recommend(ps, Faults{})
	text := strings.Join(rec.Lines, "\n")
	if !strings.Contains(text, "costs 10.0 % throughput (27.0 vs 30.0 MB/s) and +8.00 ms p99 (12.0 vs 4.00 ms at the common fixed load of 15000 msgs/s)") {
		t.Errorf("recommendation does not price latency at the fixed load:\n%s", text)
	}
	for _, row := range rec.CostRows {
		if row[0] == "all ISR ack" && (row[4] != "12.0" || row[5] != "+8.00 ms") {
			t.Errorf("cost row %v: want p99 12.0 (+8.00 ms) from the fixed-load point", row)
		}
	}
	if !strings.Contains(FixedLoadCaption(ps), "fixed offered load of 15000 msgs/s") {
		t.Errorf("caption %q", FixedLoadCaption(ps))
	}

	// Without fixed-load points a max-rate latency is labelled as queueing.
	rec = Recommend(ps[:2], Faults{})
	if text := strings.Join(rec.Lines, "\n"); !strings.Contains(text, "queueing at max rate") {
		t.Errorf("max-rate latencies not labelled:\n%s", text)
	}
}
