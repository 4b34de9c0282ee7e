package runner

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

const fixedLoadProfile = `
name: fixed-load-kfake
workload:
  message.size: 100
  partitions: 2
  replication.factor: 1
  producers: 1
  consumers: 1
  rate: max
  max.outstanding.records: 50
  duration: 1s
  warmup: 500ms
  latency:
    rate: 10%
    consumers: 2
sweep:
  points:
    - level: leader ack
      acks: 1
    - level: all ISR ack
      acks: all
`

// TestFixedLoadSweepKfake: with latency: {rate: 10%}, the saturation points run first, then one
// fixed-load point per level at 10 % of the least durable level's measured saturated
// throughput, with the latency block's consumers; each records the rate and its derivation.
// (kfake: client-side only.)
func TestFixedLoadSweepKfake(t *testing.T) {
	bootstrap := startKfake(t)
	prof, err := profiles.Parse("fixed.yaml", []byte(fixedLoadProfile))
	if err != nil {
		t.Fatal(err)
	}
	points, err := prof.Points()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := Sweep(context.Background(), points, recordIn(out, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, NoClusterWarmup: true, FixedWarmup: true})); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	rs := run.Results()
	if len(rs) != 4 {
		t.Fatalf("%d results, want 2 saturation + 2 fixed-load", len(rs))
	}
	byID := map[string]*stats.Result{}
	for _, r := range rs {
		byID[r.Point.ID] = r
	}
	base := byID[points[0].ID]
	if base == nil || base.FixedLoad != nil || base.Metrics.TargetRate != 0 {
		t.Fatalf("saturation point %s: %+v", points[0].ID, base)
	}
	want := math.Round(0.1 * base.Metrics.Acked.RecordsPerSecond)
	for _, p := range points {
		fr := byID[p.ID+profiles.FixedLoadSuffix]
		if fr == nil || fr.FixedLoad == nil {
			t.Fatalf("no fixed-load result for %s", p.ID)
		}
		fl := fr.FixedLoad
		if fl.RatePerSecond != want || fr.Metrics.TargetRate != want || fl.BasePointID != points[0].ID || fl.SaturationPointID != p.ID || fl.Spec != "10%" {
			t.Errorf("%s: fixed load %+v, target %.0f: want %.0f msgs/s from %s", p.ID, fl, fr.Metrics.TargetRate, want, points[0].ID)
		}
		if fr.Point.Workload.Consumers != 2 || fr.Point.Level != p.Level {
			t.Errorf("%s: %d consumers, level %+v: want 2 and the saturation point's level", fr.Point.ID, fr.Point.Workload.Consumers, fr.Point.Level)
		}
		if fr.Start.Before(byID[points[1].ID].End) {
			t.Errorf("%s started before the saturation points finished", fr.Point.ID)
		}
		if fr.AtMaxRate() || !byID[p.ID].AtMaxRate() {
			t.Errorf("%s: fixed-load point labelled max rate, or saturation point not", p.ID)
		}
	}
}
