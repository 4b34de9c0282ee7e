package plots

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// TestIntervalsDrawn: on the repeated fixture every level's throughput bar carries its 95 %
// interval as an error bar (in the SVG: three strokes per bar, drawn in black), each latency
// marker of p50/p99/p99.9 too, and every percentile curve is the median of its repetitions
// inside a band; the run measured once draws none.
func TestIntervalsDrawn(t *testing.T) {
	run := readFixture(t, "ladder-repeated")
	ps := drawn(points(run))
	for _, pt := range ps {
		var b intervalBars
		if hi := b.addInterval(pt, "acked_mb_per_second", 0, 0); hi <= 0 || b.empty() {
			t.Fatalf("%s: no throughput interval", pt.Level)
		}
		e, _ := pt.Figure("acked_mb_per_second")
		if b.Lo[0].Y != e.Lo || b.Hi[0].Y != e.Hi || !(e.Lo < pt.Result.Metrics.Acked.MBPerSecond && pt.Result.Metrics.Acked.MBPerSecond < e.Hi) {
			t.Errorf("%s: bar %.1f, interval [%.1f, %.1f], drawn [%.1f, %.1f]", pt.Level, pt.Result.Metrics.Acked.MBPerSecond, e.Lo, e.Hi, b.Lo[0].Y, b.Hi[0].Y)
		}
		bd, ok := repetitionBand(pt, stats.HistProduce)
		if !ok {
			t.Fatalf("%s: no band", pt.Level)
		}
		for i := range bd.Line {
			if !(bd.Lo[i].Y <= bd.Line[i].Y && bd.Line[i].Y <= bd.Hi[i].Y) {
				t.Errorf("%s: at x %.2f the curve %.3f is outside its band [%.3f, %.3f]", pt.Level, bd.Line[i].X, bd.Line[i].Y, bd.Lo[i].Y, bd.Hi[i].Y)
			}
		}
		// The band's value at p99 is the median of the repetitions' p99s.
		var p99s []float64
		for _, r := range pt.Repetitions {
			h, _ := stats.DecodeHistogram(r.Histograms[stats.HistProduce])
			p99s = append(p99s, h.ValueAt(99))
		}
		if got := bd.Line[2*bandSteps].Y; got != analysis.EstimateOf(p99s, 0).Median {
			t.Errorf("%s: band at p99 %.3f, repetitions' median %.3f", pt.Level, got, analysis.EstimateOf(p99s, 0).Median)
		}
	}
	once := drawn(points(readFixture(t, "ladder")))
	var b intervalBars
	if b.addInterval(once[0], "acked_mb_per_second", 0, 0); !b.empty() {
		t.Error("a point measured once got an interval")
	}
	if _, ok := repetitionBand(once[0], stats.HistProduce); ok {
		t.Error("a point measured once got a band")
	}
	// The drawn throughput chart has the error bars: 3 strokes (bar and two caps) per level,
	// black, which nothing else on that chart is drawn in.
	var svg bytes.Buffer
	if err := throughputFigure(ps, nil).writeSVG(&svg); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(svg.String(), "stroke:#000000"); n < 2*3*len(ps) {
		t.Errorf("throughput SVG has %d black strokes, want at least %d (error bars of %d levels, 2 panels)", n, 2*3*len(ps), len(ps))
	}
}
