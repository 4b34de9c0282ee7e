package plots

import (
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// fixedRun is a two-level run with saturation and fixed-load points; the saturation point of the
// least durable level has consumers far behind.
func fixedRun(t *testing.T) *stats.Run {
	t.Helper()
	h := stats.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond) // 1 µs to 1 ms
	}
	enc, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id, level string, rank int, rate, p99 float64, lag int64) stats.RunPoint {
		r := &stats.Result{Status: stats.StatusOK, Point: profiles.Point{ID: id, Label: id, Level: profiles.ReliabilityLevel{Rank: rank, Name: level}},
			Histograms: map[string]string{stats.HistProduce: enc, stats.HistEndToEnd: enc}}
		m := &r.Metrics
		m.MeasuredSeconds, m.TargetRate, m.ProduceLatencyKind = 5, rate, stats.LatencySendToAck
		m.Acked = stats.Throughput{Records: 100000, RecordsPerSecond: 20000, MBPerSecond: 19.5}
		m.ProduceLatency = stats.LatencySummary{Count: 1000, P50Ms: p99 / 2, P99Ms: p99, P999Ms: p99, MaxMs: p99}
		m.EndToEndLatency = m.ProduceLatency
		m.ConsumerLag = stats.CheckConsumerLag([]int64{lag}, 20000)
		if rate > 0 {
			r.FixedLoad = &stats.FixedLoad{RatePerSecond: rate, Spec: "50%", Derivation: "50% of leader ack's saturated throughput in this run (20000 msgs/s acknowledged at max rate)"}
		}
		return stats.RunPoint{Entry: stats.IndexPoint{ID: id, Label: id, Level: r.Point.Level, Status: r.Status}, Result: r}
	}
	return &stats.Run{Index: stats.Index{Profile: "fixed"}, Points: []stats.RunPoint{
		mk("acks-1", "leader ack", 1, 0, 900, 375000),
		mk("acks-all", "all ISR ack", 2, 0, 1100, 10),
		mk("acks-1_fixed-load", "leader ack", 1, 10000, 4, 10),
		mk("acks-all_fixed-load", "all ISR ack", 2, 10000, 12, 10),
	}}
}

// TestChartsUseFixedLoadForLatency: throughput charts draw the saturation points, latency charts
// the fixed-load ones with the load in the caption, and an end-to-end chart of saturation points
// leaves out (and names) the level whose consumers fell behind.
func TestChartsUseFixedLoadForLatency(t *testing.T) {
	run := fixedRun(t)
	byName := map[string]Chart{}
	for _, c := range Charts(run) {
		byName[c.Name] = c
	}
	lat, ok := byName[ChartLatency]
	if !ok || !strings.Contains(strings.Join(lat.fig.caption, " "), "fixed offered load of 10000 msgs/s") {
		t.Fatalf("latency chart caption %q: want the fixed load", lat.fig.caption)
	}
	if tp := byName[ChartThroughput]; tp.fig.name == "" {
		t.Fatalf("no throughput chart")
	}
	if got := len(drawn(points(run))); got != 4 {
		t.Fatalf("%d drawn points, want 4", got)
	}

	sat := &stats.Run{Index: run.Index, Points: run.Points[:2]}
	byName = map[string]Chart{}
	for _, c := range Charts(sat) {
		byName[c.Name] = c
	}
	e2e, ok := byName[ChartPercentilesE2E]
	if !ok || !strings.Contains(strings.Join(e2e.fig.caption, " "), "consumers behind") || !strings.Contains(strings.Join(e2e.fig.caption, " "), "leader ack") {
		t.Errorf("end-to-end chart caption %q: want the level whose consumers fell behind named", e2e.fig.caption)
	}
	if c := strings.Join(byName[ChartLatency].fig.caption, " "); !strings.Contains(c, "queueing at max rate") {
		t.Errorf("max-rate latency chart caption %q: want it labelled queueing", c)
	}
}

// TestNeighbourDifferencesKeepKinds: with fixed-load points, the neighbouring-level list compares
// throughput among the saturation points and p99 among the fixed-load ones, never a level's
// saturation point with its own fixed-load point, and judges each pair round by round.
func TestNeighbourDifferencesKeepKinds(t *testing.T) {
	mk := func(level string, fixed bool, mbps, p99 []float64) point {
		var reps []*stats.Result
		for i := range mbps {
			r := &stats.Result{RunID: "r", Status: stats.StatusOK, Repetition: &stats.Repetition{Number: i + 1, Of: len(mbps), Round: i + 1}}
			r.Metrics.MeasuredSeconds = 2
			r.Metrics.Acked.MBPerSecond = mbps[i]
			r.Metrics.ProduceLatency = stats.LatencySummary{Count: 1000, P50Ms: p99[i] / 2, P99Ms: p99[i]}
			if fixed {
				r.FixedLoad = &stats.FixedLoad{RatePerSecond: 10000}
			}
			reps = append(reps, r)
		}
		return point{Level: level, Result: reps[0], Repetitions: reps, Figures: analysis.FiguresOf(reps)}
	}
	lines := neighbourDifferences([]point{
		mk("leader ack", false, []float64{100, 110, 220}, []float64{900, 800, 1000}),
		mk("all ISR ack", false, []float64{50, 56, 108}, []float64{1100, 900, 1200}),
		mk("leader ack", true, []float64{9.8, 9.8, 9.8}, []float64{4, 5, 4.5}),
		mk("all ISR ack", true, []float64{9.8, 9.8, 9.8}, []float64{12, 14, 13}),
	})
	want := []string{
		"all ISR ack against leader ack: throughput -50.0 % [-52.2, -47.7 %] round by round (median 56.0 vs 110.0 MB/s).",
		"all ISR ack against leader ack at the fixed load: produce p99 ×2.9 [×2.66, ×3.15] round by round (median 13.0 vs 4.50 ms).",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("neighbour lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
