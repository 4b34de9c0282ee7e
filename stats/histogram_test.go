package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// within reports whether got is within HDR precision (3 significant digits, i.e. 0.1%, plus one
// microsecond of unit rounding) of want.
func within(got, wantMs float64) bool {
	return math.Abs(got-wantMs) <= wantMs*0.001+0.001
}

func TestHistogramSummaryMatchesExactPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := NewHistogram()
	var vals []time.Duration
	for range 100_000 {
		// log-normal-ish latencies from about 100 µs to a few seconds
		d := time.Duration(math.Exp(rng.NormFloat64()*1.2+7.5)) * time.Microsecond
		vals = append(vals, d)
		h.Record(d)
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	// exact returns the values at the ranks next to percentile p: definitions of "the value at
	// p" differ by one rank, which matters in a sparse tail.
	exact := func(p float64) (lo, hi float64) {
		idx := int(math.Ceil(p/100*float64(len(sorted)))) - 1
		lo = float64(sorted[max(idx-1, 0)]) / 1e6
		hi = float64(sorted[min(idx+1, len(sorted)-1)]) / 1e6
		return lo, hi
	}
	s := h.Summary()
	if s.Count != int64(len(vals)) {
		t.Fatalf("count = %d, want %d", s.Count, len(vals))
	}
	for _, c := range []struct {
		name string
		got  float64
		p    float64
	}{
		{"p50", s.P50Ms, 50}, {"p75", s.P75Ms, 75}, {"p95", s.P95Ms, 95}, {"p99", s.P99Ms, 99},
		{"p99.9", s.P999Ms, 99.9}, {"p99.99", s.P9999Ms, 99.99}, {"max", s.MaxMs, 100},
	} {
		lo, hi := exact(c.p)
		if c.got < lo*0.999-0.001 || c.got > hi*1.001+0.001 {
			t.Errorf("%s = %.4f ms, exact %.4f..%.4f ms: outside HDR precision", c.name, c.got, lo, hi)
		}
	}
	if want := float64(sorted[0]) / 1e6; !within(s.MinMs, want) {
		t.Errorf("min = %.4f ms, exact %.4f ms", s.MinMs, want)
	}
}

func TestHistogramClampsOutOfRangeAsOverflow(t *testing.T) {
	cases := []struct {
		name         string
		record       []time.Duration
		wantCount    int64
		wantOverflow int64
		wantMaxMs    float64
	}{
		{"in range", []time.Duration{time.Millisecond, 59 * time.Second}, 2, 0, 59_000},
		{"above one hour", []time.Duration{time.Millisecond, 2 * time.Hour, 90 * time.Minute}, 3, 2, 3_600_000},
		{"negative recorded as zero", []time.Duration{-5 * time.Millisecond}, 1, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := NewHistogram()
			for _, d := range c.record {
				h.Record(d)
			}
			s := h.Summary()
			if s.Count != c.wantCount || s.Overflow != c.wantOverflow {
				t.Errorf("count, overflow = %d, %d; want %d, %d", s.Count, s.Overflow, c.wantCount, c.wantOverflow)
			}
			if !within(s.MaxMs, c.wantMaxMs) {
				t.Errorf("max = %v ms, want %v", s.MaxMs, c.wantMaxMs)
			}
			// Overflow survives the encoding.
			enc, err := h.Encode()
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeHistogram(enc)
			if err != nil {
				t.Fatal(err)
			}
			if d.Overflow() != c.wantOverflow {
				t.Errorf("decoded overflow = %d, want %d", d.Overflow(), c.wantOverflow)
			}
		})
	}
}

func TestHistogramEncodeDecodeRoundTrip(t *testing.T) {
	h := NewHistogram()
	for i := 1; i <= 10_000; i++ {
		h.Record(time.Duration(i) * 37 * time.Microsecond)
	}
	enc, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "HISTF") {
		t.Errorf("encoding %q... is not HdrHistogram's V2 compressed Base64 (HISTF...)", enc[:10])
	}
	d, err := DecodeHistogram(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Summary(), h.Summary(); got != want {
		t.Errorf("decoded summary %+v\nwant %+v", got, want)
	}
	if _, err := DecodeHistogram("not a histogram"); err == nil {
		t.Error("decoding garbage: no error")
	}
}

func TestHistogramMergeEqualsRecordingEverything(t *testing.T) {
	all := NewHistogram()
	parts := []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 30_000 {
		d := time.Duration(rng.ExpFloat64()*2000) * time.Microsecond
		all.Record(d)
		parts[i%3].Record(d)
	}
	parts[1].Record(3 * time.Hour)
	all.Record(3 * time.Hour)
	merged := NewHistogram()
	for _, p := range parts {
		merged.Merge(p)
	}
	if got, want := merged.Summary(), all.Summary(); got != want {
		t.Errorf("merged summary %+v\nwant %+v", got, want)
	}
	if merged.Overflow() != 1 {
		t.Errorf("merged overflow = %d, want 1", merged.Overflow())
	}
	merged.Reset()
	if s := merged.Summary(); s != (LatencySummary{}) {
		t.Errorf("after Reset: %+v, want zero", s)
	}
}

func TestHistogramDistributionTicks(t *testing.T) {
	h := NewHistogram()
	if h.Distribution() != nil {
		t.Error("empty histogram has a distribution")
	}
	for i := 1; i <= 1_000_000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	dist := h.Distribution()
	if dist[0].Percentile != 0 {
		t.Errorf("first tick %v, want 0", dist[0].Percentile)
	}
	last := dist[len(dist)-1]
	if last.Percentile != 100 || !within(last.ValueMs, 1000) {
		t.Errorf("last tick %+v, want 100%% at the max (1000 ms)", last)
	}
	for i := 1; i < len(dist); i++ {
		if dist[i].Percentile <= dist[i-1].Percentile || dist[i].ValueMs < dist[i-1].ValueMs {
			t.Fatalf("ticks not increasing at %d: %+v then %+v", i, dist[i-1], dist[i])
		}
	}
	// 5 ticks per half distance: 0, 10, 20, 30, 40, 50, then 55, 60 ... as in HdrHistogram's output.
	for i, want := range []float64{0, 10, 20, 30, 40, 50, 55, 60} {
		if dist[i].Percentile != want {
			t.Errorf("tick %d = %v, want %v", i, dist[i].Percentile, want)
		}
	}
	if p := dist[len(dist)-2].Percentile; p > DistributionMaxPercentile {
		t.Errorf("a tick at %v%% is past %v%%", p, DistributionMaxPercentile)
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := NewHistogram()
	allocs := testing.AllocsPerRun(1000, func() {
		h.Record(1500 * time.Microsecond)
		h.Record(5 * time.Hour) // the clamped path too
	})
	if allocs != 0 {
		t.Errorf("Record allocates %v times per call", allocs)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i&0xfffff) * time.Microsecond)
	}
}

func BenchmarkHistogramMerge(b *testing.B) {
	src := NewHistogram()
	for i := range 100_000 {
		src.Record(time.Duration(i) * 13 * time.Microsecond)
	}
	dst := NewHistogram()
	b.ReportAllocs()
	for b.Loop() {
		dst.Merge(src)
	}
}
