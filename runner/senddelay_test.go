package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kbench/kbench/stats"
)

// TestSendDelayRecorded: at a target rate every acknowledged measured record also records how
// late it was sent against its schedule (the send_delay histogram, and a send_delay line per
// second in the interval log), which `export --format omb` writes as OMB's publish delay; a
// closed-loop point schedules nothing and records none.
func TestSendDelayRecorded(t *testing.T) {
	bootstrap := startKfake(t)
	for _, c := range []struct {
		rate      int
		wantDelay bool
	}{{1000, true}, {0, false}} {
		out := t.TempDir()
		p := testPoint("delay", c.rate, 2*time.Second, 0)
		// The closed-loop point only has to record no delay: a fixed warmup spares it the
		// adaptive one (seconds on kfake at max rate).
		res, err := RunPoint(context.Background(), p, recordIn(out, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, Version: "test", FixedWarmup: c.rate == 0}))
		if err != nil {
			t.Fatalf("rate %d: RunPoint: %v", c.rate, err)
		}
		enc, ok := res.Histograms[stats.HistSendDelay]
		if ok != c.wantDelay {
			t.Fatalf("rate %d: send_delay histogram present = %v, want %v", c.rate, ok, c.wantDelay)
		}
		if !ok {
			continue
		}
		delay, err := stats.DecodeHistogram(enc)
		if err != nil {
			t.Fatal(err)
		}
		if delay.Count() != res.Metrics.ProduceLatency.Count || delay.Count() < 1500 {
			t.Errorf("send_delay has %d values, produce latency %d: want one per acknowledged measured record", delay.Count(), res.Metrics.ProduceLatency.Count)
		}
		if d, l := delay.ValueAt(50), res.Metrics.ProduceLatency.P50Ms; d > l {
			t.Errorf("median send delay %.3f ms above the median latency %.3f ms measured from the same schedule", d, l)
		}
		f, err := os.Open(filepath.Join(out, filepath.FromSlash(stats.PointLogFile(p.ID))))
		if err != nil {
			t.Fatal(err)
		}
		ivs, err := stats.ReadIntervalLog(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, iv := range ivs {
			if iv.Tag == stats.HistSendDelay {
				n += iv.Hist.Count()
			}
		}
		if n != delay.Count() {
			t.Errorf("interval log holds %d send delays, the point %d", n, delay.Count())
		}
	}
}
