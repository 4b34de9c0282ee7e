package warmup

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestSteady(t *testing.T) {
	cases := []struct {
		name string
		p99s []float64
		want bool
	}{
		{"too short", []float64{80, 90}, false},
		{"warm 2-core noise", []float64{12000, 2500, 110, 70, 95}, true},
		{"cold falling by more than 2x", []float64{12200, 5000, 2400}, false},
		{"still falling", []float64{400, 250, 130}, false},
		{"a second without acks", []float64{80, 0, 90}, false},
		{"NaN second", []float64{80, math.NaN(), 90}, false},
		{"sub-ms jitter within 20 ms", []float64{0.4, 3, 1}, true},
		{"spike at the end", []float64{80, 90, 900}, false},
		{"exactly 2x", []float64{50, 100, 75}, true},
		{"inf", []float64{50, math.Inf(1), 75}, false},
	}
	for _, c := range cases {
		if got := Default.Steady(c.p99s); got != c.want {
			t.Errorf("%s: Steady(%v) = %v, want %v", c.name, c.p99s, got, c.want)
		}
	}
}

// TestDecideOnSyntheticSeries runs whole warmups second by second: the fixed minimum holds
// even when steady earlier, the adaptive end is the first steady second after it, and the bound
// ends a warmup that never settles (not steady, said so).
func TestDecideOnSyntheticSeries(t *testing.T) {
	cases := []struct {
		name        string
		p99s        []float64
		min, max    int
		wantSeconds int
		wantSteady  bool
		wantEnd     bool
	}{
		{"warm from the start: ends at the minimum", []float64{20, 21, 19, 22, 20, 20}, 5, 20, 5, true, true},
		{"minimum below the window: ends when 3 agree", []float64{20, 21, 19, 22}, 1, 20, 3, true, true},
		{"cold cluster: no acks for 4 s, then settles", []float64{0, 0, 0, 0, 12200, 3000, 150, 95, 80, 90, 85}, 2, 30, 9, true, true},
		{"never settles: bound", []float64{10, 200, 10, 200, 10, 200, 10, 200}, 2, 6, 6, false, true},
		{"still cold when the series ends", []float64{0, 0, 9000, 4000}, 2, 30, 0, false, false},
	}
	for _, c := range cases {
		d, ok := Default.FirstSteady(c.p99s, c.min, c.max)
		if ok != c.wantEnd || (ok && (d.Windows != c.wantSeconds || d.Steady != c.wantSteady)) {
			t.Errorf("%s: got %+v ended=%v, want %d s steady=%v ended=%v", c.name, d, ok, c.wantSeconds, c.wantSteady, c.wantEnd)
		}
		if ok && d.Reason == "" {
			t.Errorf("%s: no reason", c.name)
		}
	}
	d, _ := Default.FirstSteady([]float64{10, 200, 10, 200, 10, 200}, 2, 6)
	if !strings.Contains(d.Reason, "not steady within the 6 s bound") {
		t.Errorf("bound reason %q does not say the bound ran out", d.Reason)
	}
}

// TestClusterRuleWaitsUntilNoLongerImproving: the cluster warm-up's rule does not take a cold
// plateau for steady (the fresh cluster of the integration test: 811, 800, 1108 ms, then far
// lower), only a load that has stopped getting faster.
func TestClusterRuleWaitsUntilNoLongerImproving(t *testing.T) {
	cases := []struct {
		name string
		p99s []float64
		want bool
	}{
		{"cold plateau, too short to compare", []float64{811, 800, 1108}, false},
		{"plateau then falling", []float64{811, 800, 1108, 480, 300, 250}, false},
		{"fallen and flat", []float64{480, 300, 250, 110, 80, 95}, false},
		{"warm: no longer improving", []float64{110, 80, 95, 90, 70, 105}, true},
		{"warm, slightly better but within 25 %", []float64{100, 100, 100, 80, 80, 80}, true},
		{"sub-20 ms: within AbsMs", []float64{30, 30, 30, 12, 11, 12}, true},
		{"climbing: a queue building (fresh cluster, 2000 msgs/s acks=all)", []float64{872, 1840, 2638, 2884, 3234, 2959}, false},
		{"slightly worse but within 25 %", []float64{80, 80, 80, 100, 95, 100}, true},
		{"climbed from 1 s to 3 s and levelled off (fresh cluster under load)", []float64{959, 1097, 1380, 1677, 2154, 2597, 2972, 3127, 3037, 2022}, false},
		{"cold start seconds skipped, then warm", []float64{5, 3, 90, 85, 95, 88, 92, 90}, true},
		{"fell from the plateau and settled", []float64{811, 800, 1108, 300, 120, 100, 95, 90, 100}, true},
	}
	for _, c := range cases {
		if got := Cluster.Steady(c.p99s); got != c.want {
			t.Errorf("%s: Cluster.Steady(%v) = %v, want %v", c.name, c.p99s, got, c.want)
		}
	}
	if !Default.Steady([]float64{811, 800, 1108}) {
		t.Errorf("Default takes the plateau for steady: the point rule is the looser one by design")
	}
}

// TestHalfSecondWindows: on half-second windows the same rule ends a warm series after three
// windows (1.5 s, not 3 s), and its words, reasons and bound say half-second windows, not seconds.
func TestHalfSecondWindows(t *testing.T) {
	r := Default.WithStep(500 * time.Millisecond)
	d, ok := r.FirstSteady([]float64{300, 40, 22, 25, 21}, 2, 12)
	if !ok || !d.Steady || d.Windows != 4 || !strings.Contains(d.Reason, "steady after 2 s: last 3 per-0.5 s p99s 40.0, 22.0, 25.0 ms") {
		t.Errorf("got %+v ok=%v: want steady after 4 windows (2 s)", d, ok)
	}
	d, _ = r.FirstSteady([]float64{10, 200, 10, 200, 10, 200, 10, 200, 10, 200, 10, 200}, 2, 11)
	if d.Steady || !strings.Contains(d.Reason, "not steady within the 5.5 s bound") {
		t.Errorf("bound reason %q: want the bound in seconds", d.Reason)
	}
	if s := r.String(); !strings.Contains(s, "the last 3 per-0.5 s produce p99s") || !strings.Contains(s, "each 0.5 s window with acknowledgements") {
		t.Errorf("rule %q does not name its half-second windows", s)
	}
	if s := Default.String(); !strings.Contains(s, "per-second") || Default.WithStep(time.Second).String() != s {
		t.Errorf("one-second rule %q changed its words", s)
	}
}
