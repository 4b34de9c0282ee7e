package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/stats"
)

// TestCapAckedRate: a producer that fell behind a target the cluster could not take must not
// report the target as its acked rate (its window's records are acknowledged long after the
// window); a producer that kept up keeps the window's count over the window.
func TestCapAckedRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	window := func(ackedPerSec int64) []sample {
		var ss []sample
		for i := int64(0); i <= 10; i++ {
			ss = append(ss, sample{at: t0.Add(time.Duration(i) * time.Second), ackedAll: 500 + i*ackedPerSec})
		}
		return ss
	}
	for _, tc := range []struct {
		name               string
		arrived            int64   // acknowledgements arriving per second in the window
		wantRate, wantSchd float64 // acked/s reported, scheduled acked/s kept (0: not set)
	}{
		{"kept up", 5000, 5000, 0},
		{"within noise", 4600, 5000, 0},
		{"fell behind", 220, 220, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &measurement{res: &stats.Result{}}
			m.res.Metrics.Acked = throughput(50000, 50000*1024, 10) // the window's records, acknowledged whenever
			m.capAckedRate(window(tc.arrived))
			mt := m.res.Metrics
			if mt.Acked.RecordsPerSecond != tc.wantRate || mt.ScheduledAckedPerSecond != tc.wantSchd {
				t.Fatalf("acked %.0f/s scheduled %.0f/s, want %.0f and %.0f", mt.Acked.RecordsPerSecond, mt.ScheduledAckedPerSecond, tc.wantRate, tc.wantSchd)
			}
			if want := tc.wantRate * 1024 / stats.BytesPerMB; mt.Acked.MBPerSecond < want*0.999 || mt.Acked.MBPerSecond > want*1.001 {
				t.Fatalf("MB/s %.3f, want %.3f (scaled with the records)", mt.Acked.MBPerSecond, want)
			}
			if fell := tc.wantSchd > 0; fell != (len(m.res.Notes) == 1 && strings.Contains(m.res.Notes[0], "fell behind")) {
				t.Fatalf("notes %q", m.res.Notes)
			}
		})
	}
}
