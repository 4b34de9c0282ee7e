package runner

import (
	"context"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// fixedLoadITProfile is the durability ladder's workload cut to two levels and 3 s points, with
// a fixed-load point per level at half of acks=1's saturated throughput and two consumers there.
const fixedLoadITProfile = `
name: fixed-load-it
workload:
  message.size: 1024
  partitions: 6
  replication.factor: 3
  producers: 1
  consumers: 1
  rate: max
  duration: 3s
  warmup: 2s
  linger.ms: 5
  latency:
    rate: 50%
    consumers: 2
sweep:
  points:
    - level: leader ack
      acks: 1
    - level: all ISR ack
      acks: all
`

// TestIntegrationFixedLoadLatency (issue 17, items 2 and 3): on the local cluster the saturation
// points run first, then each level at half of the least durable level's saturated throughput;
// the fixed-load points hold that rate, their consumers keep within the lag bound (so their
// end-to-end latency is reported), and every point records its lag against the bound.
func TestIntegrationFixedLoadLatency(t *testing.T) {
	cl := localForTest(t)
	prof, err := profiles.Parse("fixed-load-it.yaml", []byte(fixedLoadITProfile))
	if err != nil {
		t.Fatal(err)
	}
	points, err := prof.Points()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	start := time.Now()
	if err := Sweep(context.Background(), points, recordIn(out, Options{Cluster: cl, Profile: "fixed-load-it"})); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	t.Logf("sweep took %s", time.Since(start).Round(time.Second))
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	rs := run.Results()
	if len(rs) != 4 {
		t.Fatalf("%d results, want 4", len(rs))
	}
	sat := rs[0].Metrics.Acked.RecordsPerSecond
	for _, r := range rs {
		m := r.Metrics
		lag := m.ConsumerLag
		if lag == nil {
			t.Errorf("%s: no consumer lag check recorded", r.Point.ID)
			continue
		}
		t.Logf("%-28s target %6.0f acked %8.0f/s produce p99 %8.2f ms e2e p99 %s lag max %d (bound %d) warmup %s",
			r.Point.ID, m.TargetRate, m.Acked.RecordsPerSecond, m.ProduceLatency.P99Ms, stats.EndToEndCell(&m, m.EndToEndLatency.P99Ms),
			lag.MaxLagRecords, lag.BoundRecords, r.Warmup.Summary())
		if r.FixedLoad == nil {
			continue
		}
		want := float64(int(0.5*sat + 0.5))
		if r.FixedLoad.RatePerSecond != want || m.TargetRate != want || r.FixedLoad.BasePointID != points[0].ID {
			t.Errorf("%s: fixed load %+v target %.0f: want %.0f msgs/s from %s", r.Point.ID, r.FixedLoad, m.TargetRate, want, points[0].ID)
		}
		if m.Acked.RecordsPerSecond < 0.95*want {
			t.Errorf("%s: acked %.0f msgs/s at a fixed %.0f", r.Point.ID, m.Acked.RecordsPerSecond, want)
		}
		if !m.EndToEndReported() {
			t.Errorf("%s: consumers behind at the fixed load (lag up to %d, bound %d): two consumers should keep up at half the saturated rate", r.Point.ID, lag.MaxLagRecords, lag.BoundRecords)
		}
	}
}
