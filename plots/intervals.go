package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// Intervals on the charts: a repeated point's marker or bar stands at the median of its
// repetitions, with an error bar over the figure's 95 % confidence interval; a percentile curve
// is the median of the repetitions' curves inside a band of the intervals at each percentile.
// Where two levels' bars or bands overlap, the report calls them not distinguishable.

// intervalBars draws vertical error bars with caps. Lo and Hi are in the plot's data units
// (log10 of them when the axis is logarithmic: pass &Lo and &Hi to useLogY with the other data).
type intervalBars struct {
	Lo, Hi plotter.XYs
	Color  color.Color
	// Horizontal bars run from Lo to Hi along x (an interval of the x figure): Lo and Hi share y.
	Horizontal bool
}

// addInterval adds the interval of figure key of pt at x to b, when pt has one; it returns the
// interval's top (0 when none), and the interval's bottom clamped to floor.
func (b *intervalBars) addInterval(pt point, key string, x, floor float64) (top float64) {
	e, ok := pt.Figure(key)
	if !ok || !e.HasInterval() {
		return 0
	}
	b.Lo = append(b.Lo, plotter.XY{X: x, Y: math.Max(e.Lo, floor)})
	b.Hi = append(b.Hi, plotter.XY{X: x, Y: e.Hi})
	return e.Hi
}

// Plot implements plot.Plotter.
func (b *intervalBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ls := draw.LineStyle{Color: b.Color, Width: vg.Points(1.2)}
	capHalf := vg.Points(4)
	for i := range b.Lo {
		if b.Horizontal {
			y, x0, x1 := trY(b.Lo[i].Y), trX(b.Lo[i].X), trX(b.Hi[i].X)
			c.StrokeLine2(ls, x0, y, x1, y)
			c.StrokeLine2(ls, x0, y-capHalf, x0, y+capHalf)
			c.StrokeLine2(ls, x1, y-capHalf, x1, y+capHalf)
			continue
		}
		x, y0, y1 := trX(b.Lo[i].X), trY(b.Lo[i].Y), trY(b.Hi[i].Y)
		c.StrokeLine2(ls, x, y0, x, y1)
		c.StrokeLine2(ls, x-capHalf, y0, x+capHalf, y0)
		c.StrokeLine2(ls, x-capHalf, y1, x+capHalf, y1)
	}
}

// DataRange implements plot.DataRanger.
func (b *intervalBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range b.Lo {
		xmin, xmax = math.Min(xmin, b.Lo[i].X), math.Max(xmax, b.Hi[i].X)
		ymin, ymax = math.Min(ymin, b.Lo[i].Y), math.Max(ymax, b.Hi[i].Y)
	}
	return
}

// empty says there is nothing to draw.
func (b *intervalBars) empty() bool { return len(b.Lo) == 0 }

// band is a repeated point's percentile curve: the median of its repetitions' values at each
// percentile (Line) and the 95 % interval around it (Lo, Hi), on the same x.
type band struct {
	Line, Lo, Hi plotter.XYs
}

// bandSteps is how many percentiles per decade of 1/(1-p) a band is evaluated at.
const bandSteps = 20

// repetitionBand evaluates the histogram key of every repetition of pt at percentiles from 0 to
// as far as the smallest repetition's count reaches, and returns the median curve with its
// band; ok is false when fewer than two repetitions have a histogram that decodes.
func repetitionBand(pt point, key string) (band, bool) {
	var hs []*stats.Histogram
	minCount := int64(math.MaxInt64)
	for _, r := range pt.Repetitions {
		h, err := stats.DecodeHistogram(r.Histograms[key])
		if err != nil || h.Count() == 0 {
			continue
		}
		hs = append(hs, h)
		minCount = min(minCount, h.Count())
	}
	if len(hs) < 2 {
		return band{}, false
	}
	var b band
	xmax := math.Min(5, math.Log10(float64(minCount)))
	for i := 0; float64(i)/bandSteps <= xmax; i++ {
		x := float64(i) / bandSteps
		pct := 100 * (1 - math.Pow(10, -x))
		vals := make([]float64, len(hs))
		for j, h := range hs {
			vals[j] = h.ValueAt(pct)
		}
		e := analysis.EstimateOf(vals, 0)
		if e.Median <= 0 {
			continue
		}
		b.Line = append(b.Line, plotter.XY{X: x, Y: e.Median})
		b.Lo = append(b.Lo, plotter.XY{X: x, Y: math.Max(e.Lo, e.Median/100)})
		b.Hi = append(b.Hi, plotter.XY{X: x, Y: e.Hi})
	}
	return b, len(b.Line) >= 2
}

// polygon is the band's outline: along Lo, then back along Hi.
func (b band) polygon() plotter.XYs {
	out := append(plotter.XYs{}, b.Lo...)
	for i := len(b.Hi) - 1; i >= 0; i-- {
		out = append(out, b.Hi[i])
	}
	return out
}

// addTradeoffIntervals adds pt's throughput interval (vertical, at its p99 x) and p99 interval
// (horizontal, at its throughput y) around the marker at (x, y), when pt has them; floor keeps a
// latency bound positive for a log axis.
func addTradeoffIntervals(v, h *intervalBars, pt point, x, y float64) {
	if e, ok := pt.Figure("acked_mb_per_second"); ok && e.HasInterval() {
		v.Lo = append(v.Lo, plotter.XY{X: x, Y: math.Max(e.Lo, 0)})
		v.Hi = append(v.Hi, plotter.XY{X: x, Y: e.Hi})
	}
	if e, ok := pt.Figure("produce_p99_ms"); ok && e.HasInterval() {
		h.Lo = append(h.Lo, plotter.XY{X: math.Max(e.Lo, x/100), Y: y})
		h.Hi = append(h.Hi, plotter.XY{X: e.Hi, Y: y})
	}
}
