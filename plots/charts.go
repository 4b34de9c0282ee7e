package plots

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kbench/kbench/stats"
)

// Chart file names (without extension); each is written as .png and .svg.
const (
	ChartThroughput         = "throughput"             // acked MB/s and msgs/s by reliability level
	ChartLatency            = "latency"                // produce and end-to-end p50/p99/p99.9/max by level
	ChartTradeoff           = "tradeoff"               // throughput against produce p99, Pareto front joined
	ChartPercentilesProduce = "percentiles-produce"    // HDR percentile distribution of produce latency
	ChartPercentilesE2E     = "percentiles-end-to-end" // the same for end-to-end latency
	chartTimelinePrefix     = "timeline-"              // + point id: per-second throughput and p99
	chartSweepPrefix        = "sweep-"                 // + setting name: throughput and p99 against it
)

// nominalLevels sets the x axis of p to the points' level names (with "(incomplete)" and any
// extra line), wrapped to fit their slots or rotated when a word is too long for its slot.
func nominalLevels(p *plot.Plot, ps []point, extra func(point) string) {
	names := make([]string, len(ps))
	for i, pt := range ps {
		names[i] = pt.Level
		if pt.Incomplete {
			names[i] += "\n(incomplete)"
		}
		if extra != nil {
			if e := extra(pt); e != "" {
				names[i] += "\n" + e
			}
		}
	}
	slot := (ChartWidth - 3*vg.Centimeter) / vg.Length(len(ps))
	labels, widths, rotate := fitTickLabels(names, slot)
	p.NominalX(labels...)
	p.X.Tick.Label.Font.Size = tickSize
	// Widen the range so the outer labels stay inside it: a label sticking out makes gonum shift
	// the data area, and stacked panels would no longer line up.
	left, right := 0.5, 0.5
	if rotate {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
		left = math.Max(left, float64(widths[0]*0.87/slot)+0.1)
	} else {
		left = math.Max(left, float64(widths[0]/2/slot)+0.05)
		right = math.Max(right, float64(widths[len(widths)-1]/2/slot)+0.05)
	}
	p.X.Min, p.X.Max = -left, float64(len(ps))-1+right
}

// throughputFigure is acknowledged MB/s and msgs/s by reliability level.
func throughputFigure(ps []point, caption []string) figure {
	return barsFigure(ChartThroughput, ps, []barMetric{
		{"Acknowledged throughput, MB/s", "MB/s (1 MB = 2^20 bytes)", func(r *stats.Result) float64 { return r.Metrics.Acked.MBPerSecond }, "%.1f", "acked_mb_per_second"},
		{"Acknowledged throughput, messages/s", "messages/s", func(r *stats.Result) float64 { return r.Metrics.Acked.RecordsPerSecond }, "", "acked_per_second"},
	}, caption)
}

// barMetric is one panel of a bars figure: what to read from a result, its unit, and how to
// print the value over each bar ("" prints three significant digits, 12.3k style).
type barMetric struct {
	title, unit string
	get         func(*stats.Result) float64
	format      string
	figure      string // the figure's key across repetitions (analysis.Figure): its interval is drawn; "": none
}

// barsFigure draws one bar per point, in level order, for each metric, one panel per metric
// (all in the first colour, so a reader compares levels, not panels). Incomplete points are
// faded with a dashed outline.
func barsFigure(name string, ps []point, metrics []barMetric, caption []string) figure {
	f := figure{name: name, caption: caption}
	slot := float64(ChartWidth-2*vg.Centimeter) / float64(len(ps))
	for _, m := range metrics {
		p := newPlot("", "", m.unit)
		addGrid(p, false)
		var labels plotter.XYLabels
		top := 0.0
		bars := &intervalBars{Color: color.Black}
		for i, pt := range ps {
			v := m.get(pt.Result)
			if math.IsNaN(v) { // not known (a loss whose verification read did not complete)
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: 0})
				labels.Labels = append(labels.Labels, "unknown")
				continue
			}
			top = math.Max(top, v)
			bc, err := plotter.NewBarChart(plotter.Values{v}, vg.Length(slot*0.55))
			if err != nil {
				continue
			}
			bc.XMin = float64(i)
			bc.Color = colour(0)
			bc.LineStyle.Width = 0
			if pt.Incomplete {
				bc.Color = faded(colour(0))
				bc.LineStyle.Width = vg.Points(1)
				bc.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
				bc.LineStyle.Color = colour(0)
			}
			p.Add(bc)
			txt := formatNumber(roundTo(v, 3))
			if m.format != "" {
				txt = fmt.Sprintf(m.format, v)
			}
			labelY := v
			if m.figure != "" {
				if hi := bars.addInterval(pt, m.figure, float64(i), 0); hi > 0 {
					labelY = math.Max(v, hi)
					top = math.Max(top, hi)
				}
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: labelY})
			labels.Labels = append(labels.Labels, txt)
		}
		if !bars.empty() {
			p.Add(bars)
		}
		if l, err := plotter.NewLabels(labels); err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i] = textStyle(tickSize)
				l.TextStyle[i].XAlign = draw.XCenter
			}
			l.Offset = vg.Point{Y: vg.Points(2)}
			p.Add(l)
		}
		p.Y.Min = 0
		p.Y.Max = top * 1.15
		if top <= 0 {
			p.Y.Max = 1 // all zero (no loss anywhere): an axis, not a degenerate range
		}
		p.Y.Tick.Marker = kiloTicks{}
		nominalLevels(p, ps, nil)
		p.X.Label.Text = ""
		f.panels = append(f.panels, panel{p: p, title: m.title})
	}
	return f
}

// roundTo rounds v to n significant digits.
func roundTo(v float64, n int) float64 {
	if v == 0 {
		return 0
	}
	mag := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*mag) / mag
}

// percentileSeries are the latency percentiles the by-level chart draws.
var percentileSeries = []struct {
	name   string
	get    func(stats.LatencySummary) float64
	glyph  draw.GlyphDrawer
	dash   []vg.Length
	figure string // the figure's key after "produce_" or "end_to_end_" (analysis.Figure); "": no interval
}{
	{"p50", func(s stats.LatencySummary) float64 { return s.P50Ms }, draw.CircleGlyph{}, nil, "p50_ms"},
	{"p99", func(s stats.LatencySummary) float64 { return s.P99Ms }, draw.BoxGlyph{}, nil, "p99_ms"},
	{"p99.9", func(s stats.LatencySummary) float64 { return s.P999Ms }, draw.TriangleGlyph{}, nil, "p999_ms"},
	{"max", func(s stats.LatencySummary) float64 { return s.MaxMs }, draw.CrossGlyph{}, []vg.Length{vg.Points(4), vg.Points(3)}, ""},
}

// latencyFigure draws produce and end-to-end latency percentiles by level.
func latencyFigure(ps []point, caption []string) figure {
	f := figure{name: ChartLatency, caption: caption}
	anyE2E, anyEnqueue := false, false
	for _, pt := range ps {
		anyE2E = anyE2E || pt.Result.Metrics.EndToEndLatency.Count > 0
		anyEnqueue = anyEnqueue || pt.EnqueueToSocket()
	}
	kinds := []struct {
		title string
		get   func(*stats.Result) stats.LatencySummary
		e2e   bool
	}{
		{"Produce latency: send to acknowledgement", func(r *stats.Result) stats.LatencySummary { return r.Metrics.ProduceLatency }, false},
	}
	if anyEnqueue {
		kinds[0].title = "Produce latency: send to acknowledgement (acks=0: enqueue to socket)"
	}
	if anyE2E {
		kinds = append(kinds, struct {
			title string
			get   func(*stats.Result) stats.LatencySummary
			e2e   bool
		}{"End-to-end latency: send to consumer receipt", func(r *stats.Result) stats.LatencySummary { return r.Metrics.EndToEndLatency }, true})
	}
	for _, k := range kinds {
		p := newPlot("", "", "latency, ms")
		addGrid(p, false)
		var legend []legendEntry
		var all []float64
		var data []*plotter.XYs
		for si, s := range percentileSeries {
			var xys plotter.XYs
			bars := &intervalBars{Color: colour(si)}
			prefix := "produce_"
			if k.e2e {
				prefix = "end_to_end_"
			}
			for i, pt := range ps {
				sum := k.get(pt.Result)
				if sum.Count == 0 || s.get(sum) <= 0 || (k.e2e && !pt.Result.Metrics.EndToEndReported()) {
					continue
				}
				xys = append(xys, plotter.XY{X: float64(i), Y: s.get(sum)})
				all = append(all, s.get(sum))
				if s.figure != "" {
					if hi := bars.addInterval(pt, prefix+s.figure, float64(i), s.get(sum)/100); hi > 0 {
						all = append(all, hi, bars.Lo[len(bars.Lo)-1].Y)
					}
				}
			}
			if !bars.empty() {
				p.Add(bars)
				data = append(data, &bars.Lo, &bars.Hi)
			}
			if len(xys) == 0 {
				continue
			}
			line, sc, err := markedLine(xys, colour(si), vg.Points(1.2), s.glyph, s.dash)
			if err != nil {
				continue
			}
			p.Add(line, sc)
			data = append(data, &line.XYs, &sc.XYs)
			legend = append(legend, legendEntry{label: s.name, thumbs: []plot.Thumbnailer{line, sc}})
		}
		fitY(p, all, 1e-3, data...)
		e2e := k.e2e
		nominalLevels(p, ps, func(pt point) string { return latencyMark(pt, e2e) })
		f.panels = append(f.panels, panel{p: p, title: k.title, legend: legend})
	}
	return f
}

// latencyMark is what a latency chart's level label adds about the point: what its produce
// latency measures, or why its end-to-end latency is not drawn.
func latencyMark(pt point, e2e bool) string {
	m := pt.Result.Metrics
	switch {
	case !e2e && pt.EnqueueToSocket():
		return "(enqueue-to-socket)"
	case e2e && m.EndToEndLatency.Count == 0:
		return "(not measured)"
	case e2e && !m.EndToEndReported():
		return "(" + stats.ConsumersBehindText + ": left out)"
	case pt.Result.AtMaxRate():
		return "(" + stats.QueueingAtMaxRate + ")"
	}
	return ""
}

// pareto returns the indexes (into xs/ys) of the Pareto-efficient points: no other point has
// both a lower-or-equal latency x and a higher-or-equal throughput y, with one strictly better.
// They come back sorted by x.
func pareto(xs, ys []float64) []int {
	var out []int
	for i := range xs {
		dominated := false
		for j := range xs {
			if j != i && xs[j] <= xs[i] && ys[j] >= ys[i] && (xs[j] < xs[i] || ys[j] > ys[i]) {
				dominated = true
				break
			}
		}
		if !dominated {
			out = append(out, i)
		}
	}
	sort.Slice(out, func(a, b int) bool { return xs[out[a]] < xs[out[b]] })
	return out
}

// tradeoffFigure draws acked throughput against produce p99, one labelled point per sweep point,
// the Pareto-efficient complete points joined.
func tradeoffFigure(ps []point, caption []string) figure {
	p := newPlot("", "produce latency p99, ms", "acknowledged MB/s")
	addGrid(p, true)
	lab, xdata, xs, ys := addTradeoffPoints(p, ps)
	var legend []legendEntry
	if e, ok := addParetoFront(p, xs, ys, &xdata); ok {
		legend = append(legend, e)
	}
	lab.style = textStyle(tickSize)
	p.Add(&lab)
	scaleTradeoffAxes(p, &lab, xdata)
	title := "Throughput against produce p99 latency (up and left is better)"
	f := figure{name: ChartTradeoff, panels: []panel{{p: p, title: title, legend: legend}}}
	for _, pt := range ps {
		if pt.EnqueueToSocket() {
			f.caption = append(f.caption, "* acks=0: latency is enqueue-to-socket time; nothing is acknowledged.")
			break
		}
	}
	f.caption = append(f.caption, caption...)
	return f
}

// addTradeoffPoints adds one dot per point with a produce p99 and returns their labels, every
// drawn slice (for a log x axis) and the candidates for the Pareto front: the complete points
// whose latency is acknowledged (acks=0 latency is not comparable, nothing is acknowledged).
func addTradeoffPoints(p *plot.Plot, ps []point) (lab pointLabels, xdata []*plotter.XYs, xs, ys []float64) {
	v, h := &intervalBars{Color: color.Gray{0x60}}, &intervalBars{Color: color.Gray{0x60}, Horizontal: true}
	defer func() {
		if !v.empty() || !h.empty() { // thin and grey, over the markers
			p.Add(v, h)
			xdata = append(xdata, &v.Lo, &v.Hi, &h.Lo, &h.Hi)
		}
	}()
	for _, pt := range ps {
		x, y := pt.Result.Metrics.ProduceLatency.P99Ms, pt.Result.Metrics.Acked.MBPerSecond
		if pt.Result.Metrics.ProduceLatency.Count == 0 || x <= 0 {
			continue
		}
		text := pt.Level
		if pt.EnqueueToSocket() {
			text += " *"
		}
		if pt.Incomplete {
			text += " (incomplete)"
		}
		sc, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
		if err != nil {
			continue
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colour(pt.Index), Shape: draw.CircleGlyph{}, Radius: vg.Points(4)}
		if pt.Incomplete {
			sc.GlyphStyle.Shape = draw.RingGlyph{}
		}
		p.Add(sc)
		xdata = append(xdata, &sc.XYs)
		addTradeoffIntervals(v, h, pt, x, y)
		lab.xys = append(lab.xys, plotter.XY{X: x, Y: y})
		lab.labels = append(lab.labels, text)
		lab.colours = append(lab.colours, darker(colour(pt.Index)))
		if !pt.Incomplete && !pt.EnqueueToSocket() {
			xs, ys = append(xs, x), append(ys, y)
		}
	}
	return lab, xdata, xs, ys
}

// addParetoFront rings the Pareto-efficient points and joins them with a dashed line, so the
// choices worth making stand out; the drawn slices are added to xdata for a log x axis.
func addParetoFront(p *plot.Plot, xs, ys []float64, xdata *[]*plotter.XYs) (legendEntry, bool) {
	front := pareto(xs, ys)
	if len(front) == 0 {
		return legendEntry{}, false
	}
	var xys plotter.XYs
	for _, k := range front {
		xys = append(xys, plotter.XY{X: xs[k], Y: ys[k]})
	}
	ring, err := plotter.NewScatter(xys)
	if err != nil {
		return legendEntry{}, false
	}
	ring.GlyphStyle = draw.GlyphStyle{Color: color.Black, Shape: draw.RingGlyph{}, Radius: vg.Points(7)}
	thumbs := []plot.Thumbnailer{ring}
	if line, err := plotter.NewLine(xys); err == nil && len(xys) > 1 {
		line.Color, line.Width = color.Gray{0x50}, vg.Points(1.2)
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(line)
		*xdata = append(*xdata, &line.XYs)
		thumbs = append([]plot.Thumbnailer{line}, thumbs...)
	}
	p.Add(ring)
	*xdata = append(*xdata, &ring.XYs)
	return legendEntry{label: "Pareto-efficient: no other point is both faster and lower-latency", thumbs: thumbs}, true
}

// scaleTradeoffAxes leaves room for the labels: a log latency axis when the points span decades
// (transforming every drawn slice once), else a linear one from 0 with space on the right.
func scaleTradeoffAxes(p *plot.Plot, lab *pointLabels, xdata []*plotter.XYs) {
	var allX, allY []float64
	for _, xy := range lab.xys {
		allX, allY = append(allX, xy.X), append(allY, xy.Y)
	}
	lo, hi := minMaxPositive(allX)
	if spansDecades(lo, hi) {
		useLogX(p, lo/1.3, hi*2, append(xdata, &lab.xys)...)
		p.X.Label.Text += " (log scale)"
	} else if hi > 0 {
		p.X.Min, p.X.Max = 0, hi*1.35
	}
	_, yhi := minMaxPositive(allY)
	p.Y.Min, p.Y.Max = 0, math.Max(yhi*1.15, 1e-3)
	p.Y.Tick.Marker = kiloTicks{}
}

// pointLabels draws text next to points, choosing for each label the first of several positions
// around its point that overlaps no earlier label, no point and stays inside the data area.
type pointLabels struct {
	xys     plotter.XYs
	labels  []string
	colours []color.Color
	style   drawTextStyle
}

// darker darkens a palette colour so text in it stays readable on white.
func darker(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.RGBA{uint8(r >> 8 * 3 / 4), uint8(g >> 8 * 3 / 4), uint8(b >> 8 * 3 / 4), 0xff}
}

// drawTextStyle is the text style of labels.
type drawTextStyle = draw.TextStyle

// Plot implements plot.Plotter.
func (l *pointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := l.style
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	var taken []vg.Rectangle
	pts := make([]vg.Point, len(l.xys))
	r := vg.Points(5)
	for i, xy := range l.xys {
		pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: pts[i].X - r, Y: pts[i].Y - r}, Max: vg.Point{X: pts[i].X + r, Y: pts[i].Y + r}})
	}
	gap := vg.Points(6)
	for i, txt := range l.labels {
		w, h := sty.Width(txt), sty.Height(txt)
		pt := pts[i]
		// Candidates: right and left of the point at rising vertical offsets, then above and
		// below; the first free one nearest the point wins.
		var cands []vg.Point
		for _, k := range []vg.Length{0, 1, -1, 2, -2, 3, -3, 4, -4} {
			dy := k * h * 1.1
			cands = append(cands,
				vg.Point{X: pt.X + gap, Y: pt.Y - h/2 + dy},
				vg.Point{X: pt.X - gap - w, Y: pt.Y - h/2 + dy})
			if k > 0 {
				cands = append(cands,
					vg.Point{X: pt.X - w/2, Y: pt.Y + gap + (k-1)*h*1.1},
					vg.Point{X: pt.X - w/2, Y: pt.Y - gap - h - (k-1)*h*1.1})
			}
		}
		best, bestScore := cands[0], math.Inf(1)
		for _, cand := range cands {
			rect := vg.Rectangle{Min: cand, Max: vg.Point{X: cand.X + w, Y: cand.Y + h}}
			centre := vg.Point{X: cand.X + w/2, Y: cand.Y + h/2}
			score := math.Hypot(float64(centre.X-pt.X), float64(centre.Y-pt.Y))
			if rect.Min.X < c.Min.X || rect.Max.X > c.Max.X || rect.Min.Y < c.Min.Y || rect.Max.Y > c.Max.Y {
				score += 1e6
			}
			for _, t := range taken {
				score += 1000 * float64(overlap(rect, t))
			}
			if score < bestScore {
				best, bestScore = cand, score
			}
		}
		rect := vg.Rectangle{Min: best, Max: vg.Point{X: best.X + w, Y: best.Y + h}}
		taken = append(taken, rect)
		col := color.Color(color.Black)
		if i < len(l.colours) {
			col = l.colours[i]
		}
		// A label moved away from its point gets a leader line to it.
		if best.Y > pt.Y+h || best.Y+h < pt.Y-h {
			end := vg.Point{X: max(rect.Min.X, min(pt.X, rect.Max.X)), Y: rect.Min.Y}
			if best.Y+h < pt.Y {
				end.Y = rect.Max.Y
			}
			if best.X > pt.X {
				end.X = rect.Min.X
			} else if rect.Max.X < pt.X {
				end.X = rect.Max.X
			}
			c.StrokeLine2(draw.LineStyle{Color: col, Width: vg.Points(0.6)}, pt.X, pt.Y, end.X, end.Y)
		}
		sty.Color = col
		c.FillText(sty, vg.Point{X: best.X, Y: best.Y + sty.FontExtents().Descent}, txt)
	}
}

// overlap is the area two rectangles share.
func overlap(a, b vg.Rectangle) vg.Length {
	w := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
	h := min(a.Max.Y, b.Max.Y) - max(a.Min.Y, b.Min.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// percentileX maps a percentile (0..100) to the 1/(1-p) log axis: 0 at 0 %, 1 at 90 %, 2 at 99 %.
func percentileX(p float64) float64 { return -math.Log10(1 - p/100) }

// percentileTicks label the 1/(1-p) axis in percent.
var percentileTicks = plot.ConstantTicks([]plot.Tick{
	{Value: 0, Label: "0%"}, {Value: percentileX(50), Label: "50%"}, {Value: 1, Label: "90%"}, {Value: 2, Label: "99%"},
	{Value: 3, Label: "99.9%"}, {Value: 4, Label: "99.99%"}, {Value: 5, Label: "99.999%"},
})

// distributions decodes each point's histogram key into its percentile distribution, and names
// (by level) the points whose histogram does not decode.
func distributions(ps []point, key string) (dist map[string][]stats.Quantile, damaged []string) {
	dist = map[string][]stats.Quantile{}
	for _, pt := range ps {
		enc := pt.Result.Histograms[key]
		if enc == "" {
			continue
		}
		h, err := stats.DecodeHistogram(enc)
		if err != nil {
			damaged = append(damaged, pt.Level)
			continue
		}
		if h.Count() == 0 {
			continue
		}
		dist[pt.ID] = h.Distribution()
	}
	return dist, damaged
}

// percentileFigure draws the HDR percentile distribution of one latency, one line per point.
func percentileFigure(name, title string, ps []point, dist map[string][]stats.Quantile, caption []string) (figure, bool) {
	p := newPlot("", "percentile (log scale of 1/(1-p))", "latency, ms")
	addGrid(p, true)
	var data []*plotter.XYs
	var legend []legendEntry
	var all []float64
	for _, pt := range ps {
		qs := dist[pt.ID]
		var xys plotter.XYs
		for _, q := range qs {
			if q.Percentile >= 100 || q.ValueMs <= 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: percentileX(q.Percentile), Y: q.ValueMs})
			all = append(all, q.ValueMs)
		}
		if b, ok := repetitionBand(pt, histogramKey(name)); ok && len(qs) > 0 {
			xys = b.Line // the median of the repetitions' curves, inside the band of their intervals
			if poly, err := plotter.NewPolygon(b.polygon()); err == nil {
				poly.Color, poly.LineStyle.Width = faded(colour(pt.Index)), 0
				p.Add(poly)
				data = append(data, &poly.XYs[0])
			}
			for _, xy := range append(append(plotter.XYs{}, b.Lo...), b.Hi...) {
				all = append(all, xy.Y)
			}
		}
		if len(xys) < 2 {
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		line.Color, line.Width = colour(pt.Index), vg.Points(1.5)
		label := pt.Level
		if pt.EnqueueToSocket() && name == ChartPercentilesProduce {
			label += " (enqueue-to-socket)"
		}
		if pt.Incomplete {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			label += " (incomplete)"
		}
		p.Add(line)
		data = append(data, &line.XYs)
		legend = append(legend, legendEntry{label: label, thumbs: []plot.Thumbnailer{line}})
	}
	if len(legend) == 0 {
		return figure{}, false
	}
	fitY(p, all, 0, data...)
	p.X.Min, p.X.Max = 0, 5
	p.X.Tick.Marker = percentileTicks
	return figure{name: name, caption: caption, panels: []panel{{p: p, title: title, legend: legend}}}, true
}

// timelineFigure draws a point's per-second throughput and p99 latency.
func timelineFigure(pt point, caption []string) (figure, bool) {
	series := pt.Result.Series
	if len(series) == 0 {
		return figure{}, false
	}
	title := "Per second: " + pt.Level
	if pt.Incomplete {
		title += " (incomplete: " + firstNonEmpty(pt.Reason, "interrupted") + ")"
	}
	tp, tLegend := timelineRatePanel(series)
	lp, lLegend := timelineLatencyPanel(series, pt.EnqueueToSocket())
	// A complete point's axis runs to its measured duration, so a stall at the end shows as
	// missing seconds rather than a shorter chart.
	xmax := series[len(series)-1].Offset + 1
	if m := pt.Result.Metrics.MeasuredSeconds; m > xmax && !pt.Incomplete {
		xmax = m
	}
	for _, p := range []*plot.Plot{tp, lp} {
		p.X.Min, p.X.Max = 0, xmax
	}
	return figure{name: chartTimelinePrefix + safeFileName(pt.ID), caption: caption, panels: []panel{
		{p: tp, title: title, legend: tLegend},
		{p: lp, legend: lLegend},
	}}, true
}

// timelineRatePanel draws sent and acknowledged messages per second, crossing the seconds that
// had send errors so a dip can be told apart from a failure.
func timelineRatePanel(series []stats.Second) (*plot.Plot, []legendEntry) {
	tp := newPlot("", "", "messages/s")
	addGrid(tp, true)
	var sent, acked, errs plotter.XYs
	maxRate := 0.0
	for _, s := range series {
		sent = append(sent, plotter.XY{X: s.Offset, Y: s.SentPerSecond})
		acked = append(acked, plotter.XY{X: s.Offset, Y: s.AckedPerSecond})
		if s.Errors > 0 {
			errs = append(errs, plotter.XY{X: s.Offset, Y: s.AckedPerSecond})
		}
		maxRate = math.Max(maxRate, math.Max(s.SentPerSecond, s.AckedPerSecond))
	}
	var tLegend []legendEntry
	if l, err := plotter.NewLine(acked); err == nil {
		l.Color, l.Width = colour(0), vg.Points(1.5)
		tp.Add(l)
		tLegend = append(tLegend, legendEntry{"acknowledged", []plot.Thumbnailer{l}})
	}
	if l, err := plotter.NewLine(sent); err == nil {
		l.Color, l.Width, l.Dashes = colour(6), vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		tp.Add(l)
		tLegend = append(tLegend, legendEntry{"sent", []plot.Thumbnailer{l}})
	}
	if len(errs) > 0 {
		if sc, err := plotter.NewScatter(errs); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: colour(3), Shape: draw.CrossGlyph{}, Radius: vg.Points(4)}
			tp.Add(sc)
			tLegend = append(tLegend, legendEntry{"second with send errors", []plot.Thumbnailer{sc}})
		}
	}
	tp.Y.Min, tp.Y.Max = 0, math.Max(maxRate*1.1, 1)
	tp.Y.Tick.Marker = kiloTicks{}
	return tp, tLegend
}

// timelineLatencyPanel draws the per-second produce and end-to-end p99 (seconds without a
// measurement are left out, not drawn as 0), on a log axis when they span decades. With acks=0
// the produce line is named enqueue-to-socket: nothing was acknowledged.
func timelineLatencyPanel(series []stats.Second, enqueueToSocket bool) (*plot.Plot, []legendEntry) {
	lp := newPlot("", "seconds into the measured phase", "p99 latency, ms")
	addGrid(lp, true)
	var lLegend []legendEntry
	var all []float64
	var lData []*plotter.XYs
	for _, k := range []struct {
		name string
		get  func(stats.Second) float64
		c    color.Color
		dash []vg.Length
	}{
		{"produce p99", func(s stats.Second) float64 { return s.ProduceP99Ms }, colour(1), nil},
		{"end-to-end p99", func(s stats.Second) float64 { return s.EndToEndP99Ms }, colour(2), []vg.Length{vg.Points(4), vg.Points(2)}},
	} {
		var xys plotter.XYs
		for _, s := range series {
			if v := k.get(s); v > 0 {
				xys = append(xys, plotter.XY{X: s.Offset, Y: v})
				all = append(all, v)
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		l.Color, l.Width, l.Dashes = k.c, vg.Points(1.5), k.dash
		lp.Add(l)
		lData = append(lData, &l.XYs)
		name := k.name
		if k.name == "produce p99" && enqueueToSocket {
			name += " (enqueue-to-socket)"
		}
		lLegend = append(lLegend, legendEntry{name, []plot.Thumbnailer{l}})
	}
	fitY(lp, all, 1e-3, lData...)
	return lp, lLegend
}

// sweepFigure draws throughput and latency against the swept numeric setting.
func sweepFigure(ns numericSweep, caption []string) figure {
	x := sweepAxisOf(ns)
	tp := newPlot("", "", "acknowledged MB/s")
	lp := newPlot("", x.label(ns), "latency, ms")
	addGrid(tp, true)
	addGrid(lp, true)
	var acc sweepLines
	for gi, g := range ns.groups {
		acc.addGroup(tp, lp, ns, g, x, colour(gi))
	}
	if len(ns.groups) == 1 {
		acc.tLegend = nil // one line needs no legend: the axis says what it is
	}
	tp.Y.Min, tp.Y.Max = 0, math.Max(acc.maxTp*1.15, 1e-3)
	tp.Y.Tick.Marker = kiloTicks{}
	llo, lhi := minMaxPositive(acc.lat)
	if spansDecades(llo, lhi) {
		useLogY(lp, llo, lhi, acc.lData...)
		lp.Y.Label.Text += " (log scale)"
	} else {
		lp.Y.Min, lp.Y.Max = 0, math.Max(lhi*1.1, 1e-3)
	}
	x.apply(tp, lp)
	title := fmt.Sprintf("Throughput and latency against %s", ns.name)
	return figure{name: chartSweepPrefix + safeFileName(ns.name), caption: caption, panels: []panel{
		{p: tp, title: title, legend: acc.tLegend}, {p: lp, legend: acc.lLegend},
	}}
}

// sweepAxis is the swept setting's x axis: its values sorted, on a log scale when they span
// decades, where 0 (linger.ms=0, say) gets its own place left of the smallest positive value.
type sweepAxis struct {
	vals   []float64 // sorted, with repeats (one per point)
	log    bool
	zeroAt float64
}

// sweepAxisOf builds the axis from every point's value of the swept setting.
func sweepAxisOf(ns numericSweep) sweepAxis {
	var vals []float64
	for _, v := range ns.values {
		vals = append(vals, v)
	}
	sort.Float64s(vals)
	lo, hi := minMaxPositive(vals)
	a := sweepAxis{vals: vals, log: spansDecades(lo, hi)}
	if a.log {
		a.zeroAt = math.Log10(lo) - 0.6
	}
	return a
}

// pos places a setting value on the axis.
func (a sweepAxis) pos(v float64) float64 {
	if !a.log {
		return v
	}
	if v <= 0 {
		return a.zeroAt
	}
	return math.Log10(v)
}

// label names the setting, its unit and the scale.
func (a sweepAxis) label(ns numericSweep) string {
	xLabel := ns.name
	switch {
	case ns.unit != "" && a.log:
		xLabel += " (" + ns.unit + ", log scale)"
	case ns.unit != "":
		xLabel += " (" + ns.unit + ")"
	case a.log:
		xLabel += " (log scale)"
	}
	return xLabel
}

// apply gives both panels one tick per swept value (the values a user chose, not round numbers)
// and a small margin either side.
func (a sweepAxis) apply(ps ...*plot.Plot) {
	var ticks []plot.Tick
	seen := map[float64]bool{}
	for _, v := range a.vals {
		if !seen[v] {
			seen[v] = true
			ticks = append(ticks, plot.Tick{Value: a.pos(v), Label: formatNumber(v)})
		}
	}
	first, last := a.pos(a.vals[0]), a.pos(a.vals[len(a.vals)-1])
	span := last - first
	for _, p := range ps {
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = first-span*0.04, last+span*0.04
	}
}

// sweepLines collects what the sweep chart's lines add up to: both legends, every latency drawn
// (to choose the latency scale), the latency slices (to transform for a log axis) and the top
// throughput.
type sweepLines struct {
	tLegend, lLegend []legendEntry
	lat              []float64
	lData            []*plotter.XYs
	maxTp            float64
}

// addGroup draws one group's lines in colour c: throughput on tp; produce p50, p99 and
// end-to-end p99 on lp (latencies only where they were measured).
func (acc *sweepLines) addGroup(tp, lp *plot.Plot, ns numericSweep, g sweepGroup, x sweepAxis, c color.Color) {
	var thr, p50, p99, e2e plotter.XYs
	for _, pt := range g.points {
		xv := x.pos(ns.values[pt.ID])
		m := pt.Result.Metrics
		thr = append(thr, plotter.XY{X: xv, Y: m.Acked.MBPerSecond})
		acc.maxTp = math.Max(acc.maxTp, m.Acked.MBPerSecond)
		if m.ProduceLatency.Count > 0 {
			p50 = append(p50, plotter.XY{X: xv, Y: m.ProduceLatency.P50Ms})
			p99 = append(p99, plotter.XY{X: xv, Y: m.ProduceLatency.P99Ms})
			acc.lat = append(acc.lat, m.ProduceLatency.P50Ms, m.ProduceLatency.P99Ms)
		}
		if m.EndToEndReported() {
			e2e = append(e2e, plotter.XY{X: xv, Y: m.EndToEndLatency.P99Ms})
			acc.lat = append(acc.lat, m.EndToEndLatency.P99Ms)
		}
	}
	prefix := ""
	if g.name != "" {
		prefix = g.name + " "
	}
	acc.tLegend = acc.addLine(tp, acc.tLegend, false, c, thr, prefix+"acknowledged MB/s", draw.CircleGlyph{}, nil)
	acc.lLegend = acc.addLine(lp, acc.lLegend, true, c, p50, prefix+"produce p50", draw.CircleGlyph{}, []vg.Length{vg.Points(2), vg.Points(2)})
	acc.lLegend = acc.addLine(lp, acc.lLegend, true, c, p99, prefix+"produce p99", draw.BoxGlyph{}, nil)
	acc.lLegend = acc.addLine(lp, acc.lLegend, true, c, e2e, prefix+"end-to-end p99", draw.TriangleGlyph{}, []vg.Length{vg.Points(6), vg.Points(3)})
}

// addLine draws one line with its marks and returns legend with its entry; a latency line's
// slices are kept for a log y axis.
func (acc *sweepLines) addLine(p *plot.Plot, legend []legendEntry, latency bool, c color.Color, xys plotter.XYs, name string, shape draw.GlyphDrawer, dash []vg.Length) []legendEntry {
	if len(xys) == 0 {
		return legend
	}
	l, s, err := markedLine(xys, c, vg.Points(1.5), shape, dash)
	if err != nil {
		return legend
	}
	p.Add(l, s)
	if latency {
		acc.lData = append(acc.lData, &l.XYs, &s.XYs)
	}
	return append(legend, legendEntry{name, []plot.Thumbnailer{l, s}})
}

// markedLine is one series drawn as a line with a mark at each point, both in its colour.
func markedLine(xys plotter.XYs, c color.Color, width vg.Length, shape draw.GlyphDrawer, dash []vg.Length) (*plotter.Line, *plotter.Scatter, error) {
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, nil, err
	}
	l.Color, l.Width, l.Dashes = c, width, dash
	s.GlyphStyle = draw.GlyphStyle{Color: c, Shape: shape, Radius: vg.Points(3.5)}
	return l, s, nil
}

// safeFileName keeps a point id or setting name usable as a file name.
func safeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '='
		if !ok {
			b[i] = '_'
		}
	}
	out := strings.Trim(string(b), ".")
	if out == "" {
		return "_"
	}
	return out
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// histogramKey is the histogram a percentile chart draws.
func histogramKey(chart string) string {
	switch chart {
	case ChartPercentilesE2E:
		return stats.HistEndToEnd
	case ChartPercentilesTxnCommit:
		return stats.HistTxnCommit
	}
	return stats.HistProduce
}
