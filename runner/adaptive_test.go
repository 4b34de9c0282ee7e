package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/stats"
)

// TestAdaptiveWarmupKfake: a point's warmup runs its fixed minimum, then ends at the first
// steady window (three agreeing p99s; half-second windows for this 2 s point, so 1.5 s) well
// before its bound, and moving the measured phase keeps sent, acknowledged, consumed and latency
// counts on the same records. With FixedWarmup the warmup is the profile's, unjudged. (kfake:
// client-side only.)
func TestAdaptiveWarmupKfake(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("adaptive", 1000, 2*time.Second, 1)
	res, err := RunPoint(context.Background(), p, recordIn(t.TempDir(), Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, Version: "test"}))
	if err != nil || res.Status != stats.StatusOK {
		t.Fatalf("RunPoint: %v (status %s, notes %v)", err, res.Status, res.Notes)
	}
	w := res.Warmup
	if w == nil || !w.Adaptive || !w.IsSteady() {
		t.Fatalf("warmup %+v: want adaptive and steady", w)
	}
	if w.Seconds < 1.5 || w.Seconds > 4 || w.MinSeconds != 0.5 || w.MaxSeconds != 5.5 {
		t.Errorf("warmup %.2f s (min %.1f, bound %.1f): want about 1.5 s (three steady half-second windows), min 0.5, bound 5.5 (0.5 + the 5 s floor of the extension)", w.Seconds, w.MinSeconds, w.MaxSeconds)
	}
	if w.WindowSeconds != 0.5 || len(w.WindowP99Ms) < 3 || len(w.ProduceP99Ms) != 0 || !strings.Contains(w.Rule, "per-0.5 s") || w.Reason == "" {
		t.Errorf("warmup %+v: want the half-second windows' p99s (not under per-second), the rule naming them and the reason recorded", w)
	}
	m := res.Metrics
	if m.Acked.Records < 1700 || m.Acked.Records > 2300 || m.Sent.Records != m.Acked.Records || m.Consumed.Records != m.Acked.Records {
		t.Errorf("sent %d acked %d consumed %d in 2 s at 1000/s: want about 2000, all equal", m.Sent.Records, m.Acked.Records, m.Consumed.Records)
	}
	if m.ProduceLatency.Count != m.Acked.Records || m.EndToEndLatency.Count != m.Consumed.Records {
		t.Errorf("latency counts %d/%d, want %d/%d", m.ProduceLatency.Count, m.EndToEndLatency.Count, m.Acked.Records, m.Consumed.Records)
	}
	if res.Audit.Sent < m.Sent.Records+1200 {
		t.Errorf("audit saw %d records sent, measured %d: want the ~1.5 s of warmup audited too", res.Audit.Sent, m.Sent.Records)
	}

	fixed, err := RunPoint(context.Background(), testPoint("fixed", 1000, time.Second, 0), recordIn(t.TempDir(), Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, FixedWarmup: true}))
	if err != nil {
		t.Fatalf("RunPoint fixed: %v", err)
	}
	if fw := fixed.Warmup; fw == nil || fw.Adaptive || fw.Steady != nil || fw.Seconds != 0.5 {
		t.Errorf("fixed warmup %+v: want 0.5 s, not adaptive, not judged", fw)
	}
}

// TestWarmupExtension: the adaptive part of a warmup may run 4 times the fixed minimum, at least
// 5 s and at most 15 s.
func TestWarmupExtension(t *testing.T) {
	for _, c := range []struct{ minimum, want time.Duration }{
		{0, 5 * time.Second}, {time.Second, 5 * time.Second}, {2 * time.Second, 8 * time.Second},
		{3 * time.Second, 12 * time.Second}, {5 * time.Second, 15 * time.Second}, {time.Minute, 15 * time.Second},
	} {
		if got := warmupExtension(c.minimum); got != c.want {
			t.Errorf("warmupExtension(%s) = %s, want %s", c.minimum, got, c.want)
		}
	}
}
