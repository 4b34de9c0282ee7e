package runner

import (
	"context"
	"testing"
	"time"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// repeatProfile is two levels at one fixed rate, 3 s measured each: acks=0 (nothing awaited)
// and acks=all with an fsync per message (flush.messages=1, a topic setting: no restart). The
// rate is low enough that the fsyncs do not saturate this 2-core machine's disk (at 2000 msgs/s
// one repetition of the flush level ran at p50 228 ms against 7 ms in the others), and linger.ms
// is 0, so that acks=0's enqueue time is not librdkafka's linger.
const repeatProfile = `name: repeat-check
repeat: 3
workload:
  message.size: 512
  partitions: 3
  replication.factor: 3
  producers: 1
  consumers: 0
  rate: 500
  linger.ms: 0
  duration: 2s
  warmup: 1s
sweep:
  points:
    - {level: "acks=0", acks: 0}
    - {level: "acks=all + flush.messages=1", acks: all, flush.messages: 1}
`

// repeatedSweep runs the repeat profile in a fresh folder with seed and reads back its points.
func repeatedSweep(t *testing.T, opts Options, points []profiles.Point, seed uint64) (*stats.Run, []analysis.Point) {
	t.Helper()
	out := t.TempDir()
	opts.Repeat, opts.OrderSeed, opts.Profile = 3, &seed, "repeat-check"
	if err := Sweep(context.Background(), points, recordIn(out, opts)); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	return run, analysis.Points(run)
}

// warmUntilSteady runs point p unrecorded until its produce p50 is below 10 ms (at most 90 s). A
// freshly started cluster is slow for its first minute (issue 17, item 6): in one run of this
// test, after a single warm-up point, the flush level's three repetitions had p50 1970, 538 and
// 27 ms, and 2.5, 2.1 and 1.7 ms a minute later. The measured runs must meet a warm cluster.
func warmUntilSteady(t *testing.T, opts Options, p profiles.Point) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := RunPoint(context.Background(), p, opts)
		if err != nil {
			t.Fatalf("warm-up point: %v", err)
		}
		p50 := res.Metrics.ProduceLatency.P50Ms
		t.Logf("warm-up: %s produce p50 %.2f ms", p.Label, p50)
		if p50 < 10 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster is not warm after 90 s: %s still has produce p50 %.1f ms", p.Label, p50)
		}
	}
}

// TestIntegrationRepetitions is issue 17's truth checks on the real cluster: a sweep with
// repeat 3 keeps every repetition in rounds of the recorded order; (5c) the 95 % interval of a
// 3-repetition point contains the median of a separate 3-repetition run of the same point; (5b)
// acks=0 and acks=all with an fsync per message are told apart at the same offered rate.
func TestIntegrationRepetitions(t *testing.T) {
	cl := localForTest(t)
	prof, err := profiles.Parse("repeat-check.yaml", []byte(repeatProfile))
	if err != nil {
		t.Fatal(err)
	}
	points, err := prof.Points()
	if err != nil || prof.Repeat != 3 {
		t.Fatalf("points %v, repeat %d", err, prof.Repeat)
	}
	opts := Options{Cluster: cl}
	warmUntilSteady(t, opts, points[1])
	start := time.Now()
	runA, a := repeatedSweep(t, opts, points, 1)
	runB, b := repeatedSweep(t, opts, points, 2)
	t.Logf("two sweeps of 2 points x 3 repetitions: %s", time.Since(start).Round(time.Second))

	for i, run := range []*stats.Run{runA, runB} {
		if run.Index.Repeat != 3 || *run.Index.OrderSeed != uint64(i+1) || len(run.Index.Rounds) != 3 {
			t.Errorf("index: repeat %d, seed %v, %d rounds", run.Index.Repeat, run.Index.OrderSeed, len(run.Index.Rounds))
		}
	}
	for _, p := range runA.Points {
		if len(p.RepetitionResults()) != 3 {
			t.Fatalf("point %s: %d repetitions read", p.Entry.ID, len(p.RepetitionResults()))
		}
		for _, r := range p.RepetitionResults() {
			if r.Status != stats.StatusOK || !r.Audit.NoneLost() && r.Point.Settings.Acks != nil && *r.Point.Settings.Acks != profiles.AcksNone {
				t.Errorf("point %s repetition %d: %s, lost %s", p.Entry.ID, r.Repetition.Number, r.Status, r.Audit.LostText())
			}
		}
	}
	for i := range a {
		for _, key := range []string{"acked_per_second", "produce_p50_ms", "produce_p99_ms"} {
			ea, _ := a[i].Figure(key)
			eb, _ := b[i].Figure(key)
			t.Logf("%s %s: run A %s (values %.3g), run B %s (values %.3g)", a[i].Level, key,
				analysis.FormatEstimate(ea, analysis.FormatMs), ea.Values, analysis.FormatEstimate(eb, analysis.FormatMs), eb.Values)
			if key == "produce_p99_ms" {
				continue // logged: a p99 of 2 s at 500 msgs/s rests on 10 records
			}
			if !ea.HasInterval() || eb.Median < ea.Lo || eb.Median > ea.Hi {
				t.Errorf("5c: %s %s: run B's median %.4g is outside run A's interval [%.4g, %.4g]", a[i].Level, key, eb.Median, ea.Lo, ea.Hi)
			}
		}
	}
	// 5b on the cluster: the real difference is told apart in at least one of the two runs. At
	// N=3 one slow repetition (a CI run had a flush repetition at p50 19.5 ms against 1.6 ms in
	// the other two) widens an interval past it, which is the honest answer for that run; the
	// detection rate itself is checked on simulated repetitions (TestRealDifferenceDetected).
	told := false
	var said []string
	for _, pts := range [][]analysis.Point{a, b} {
		zero, _ := pts[0].Figure("produce_p50_ms")
		flush, _ := pts[1].Figure("produce_p50_ms")
		told = told || analysis.Distinguishable(zero, flush)
		said = append(said, analysis.FormatEstimate(zero, analysis.FormatMs)+" vs "+analysis.FormatEstimate(flush, analysis.FormatMs))
	}
	if !told {
		t.Errorf("5b: acks=0 and acks=all + flush.messages=1 p50 reported not distinguishable in both runs: %v", said)
	}
}
