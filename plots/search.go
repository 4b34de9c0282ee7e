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

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// Capacity search charts and report section: they read Result.Search, which holds every trial,
// so a search can be re-plotted and audited from its result files alone.
const (
	ChartCapacity     = "capacity" // sustainable msgs/s by reliability level
	chartSearchPrefix = "search-"  // + point id: p99 against offered rate, objective and knee
)

// searched returns the points that ran a capacity search (with or without a confirmed rate).
func searched(all []point) []point { return analysis.Searched(all) }

// searchCharts builds the capacity chart and one latency-against-rate chart per searched point.
func searchCharts(all []point, caption []string) []Chart {
	ps := searched(all)
	if len(ps) == 0 {
		return nil
	}
	objective := ps[0].Result.Search.ObjectiveText
	out := []Chart{{Name: ChartCapacity, Title: "Sustainable rate by reliability level at " + objective, fig: capacityFigure(ps, caption)}}
	for _, pt := range ps {
		if f, ok := searchCurveFigure(pt, caption); ok {
			out = append(out, Chart{Name: f.name, Title: "Latency against offered rate: " + pt.Level, fig: f})
		}
	}
	return out
}

// capacityFigure draws one bar per searched level: its confirmed sustainable rate, labelled with
// its share of the least durable level's rate; a level with none says why.
func capacityFigure(ps []point, caption []string) figure {
	results := make([]*stats.Result, len(ps))
	for i, pt := range ps {
		results[i] = pt.Result
	}
	levels := stats.SearchLevels(results)
	p := newPlot("", "", "msgs/s")
	addGrid(p, false)
	slot := float64(ChartWidth-2*vg.Centimeter) / float64(len(ps))
	var labels plotter.XYLabels
	top := 0.0
	for i, l := range levels {
		top = math.Max(top, l.Rate)
		if l.Rate > 0 {
			if bc, err := plotter.NewBarChart(plotter.Values{l.Rate}, vg.Length(slot*0.55)); err == nil {
				bc.XMin, bc.Color, bc.LineStyle.Width = float64(i), colour(0), 0
				if ps[i].Incomplete {
					bc.Color = faded(colour(0))
				}
				p.Add(bc)
			}
		}
		txt := formatNumber(roundTo(l.Rate, 3))
		switch {
		case l.Rate == 0:
			txt = "none (" + l.Outcome + ")"
		case l.Baseline:
			txt += "\nreference"
		case l.Relative > 0:
			txt += fmt.Sprintf("\n%.0f %%", l.Relative*100)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: l.Rate})
		labels.Labels = append(labels.Labels, txt)
	}
	if lab, err := plotter.NewLabels(labels); err == nil {
		for i := range lab.TextStyle {
			lab.TextStyle[i] = textStyle(tickSize)
			lab.TextStyle[i].XAlign = draw.XCenter
		}
		lab.Offset = vg.Point{Y: vg.Points(2)}
		p.Add(lab)
	}
	p.Y.Min, p.Y.Max = 0, math.Max(top*1.3, 1)
	p.Y.Tick.Marker = kiloTicks{}
	nominalLevels(p, ps, nil)
	s := ps[0].Result.Search
	title := "Highest confirmed rate at " + s.ObjectiveText
	note := fmt.Sprintf("Each level: ramp x2, bisection to %.0f %%, then a confirmation run; a rate is shown only if its confirmation passed. Trials of %.0f s after %.0f s warmup, at most %d per level.",
		s.PrecisionRatio*100, s.TrialSeconds, s.TrialWarmupSeconds, s.BudgetTrials)
	return figure{name: ChartCapacity, panels: []panel{{p: p, title: title}}, caption: append([]string{note}, caption...)}
}

// searchCurveFigure draws a point's trials as p99 against offered (target) rate — the hockey
// stick — with the objective as a dashed line and the confirmed rate (the knee) as a vertical
// line: one panel for produce latency, one for end-to-end when it was measured.
func searchCurveFigure(pt point, caption []string) (figure, bool) {
	s := pt.Result.Search
	if len(s.Trials) == 0 {
		return figure{}, false
	}
	trials := append([]stats.SearchTrial(nil), s.Trials...)
	sort.SliceStable(trials, func(a, b int) bool { return trials[a].TargetRate < trials[b].TargetRate })
	kinds := searchLatencyKinds(searchBounds(pt.Result))
	x := rateAxisOf(trials)
	f := figure{name: chartSearchPrefix + safeFileName(pt.ID)}
	for ki, k := range kinds {
		// Only the bottom panel names the shared x axis; the produce panel is the bottom one
		// when no trial measured end-to-end latency.
		xLabelled := ki == len(kinds)-1 || kinds[len(kinds)-1].get(trials[0]).Count == 0
		title := k.title
		if ki == 0 {
			title = k.title + ": " + pt.Level + " (" + s.Outcome + ")"
		}
		if pn, ok := searchCurvePanel(s, trials, k, x, xLabelled, title); ok {
			f.panels = append(f.panels, pn)
		}
	}
	if len(f.panels) == 0 {
		return figure{}, false
	}
	f.caption = append([]string{fmt.Sprintf("%d trials, each %.0f s after its own %.0f s warmup on a fresh topic. %s.",
		len(s.Trials), s.TrialSeconds, s.TrialWarmupSeconds, s.Detail)}, caption...)
	return f, true
}

// searchKind is one latency panel of a search curve: which p99 of a trial it shows and the
// objective it was held to (0: not an objective).
type searchKind struct {
	title string
	get   func(stats.SearchTrial) stats.LatencySummary
	bound float64
}

// searchLatencyKinds lists the panels in drawing order, produce first, so the two panels of
// every search chart are stacked the same way.
func searchLatencyKinds(bounds [2]float64) []searchKind {
	return []searchKind{
		{"Produce p99 (send to acknowledgement)", func(t stats.SearchTrial) stats.LatencySummary { return t.ProduceLatency }, bounds[0]},
		{"End-to-end p99 (send to consumer receipt)", func(t stats.SearchTrial) stats.LatencySummary { return t.EndToEndLatency }, bounds[1]},
	}
}

// rateAxis is the offered-rate x axis shared by both panels, so produce and end-to-end line up;
// it turns logarithmic when the trials span more than a factor of 4 (a ramp usually does).
type rateAxis struct {
	lo, hi float64
	log    bool
}

// rateAxisOf builds the axis from every trial's offered rate, passed or failed.
func rateAxisOf(trials []stats.SearchTrial) rateAxis {
	var rates []float64
	for _, t := range trials {
		rates = append(rates, t.TargetRate)
	}
	lo, hi := minMaxPositive(rates)
	return rateAxis{lo: lo, hi: hi, log: hi > 4*lo}
}

// at places a rate on the axis (its log10 on a log axis).
func (a rateAxis) at(v float64) float64 {
	if a.log {
		return math.Log10(v)
	}
	return v
}

// apply sets the axis ticks and label scale on p and returns its range, with a margin so the
// extreme trials' marks are not cut at the frame.
func (a rateAxis) apply(p *plot.Plot) (xmin, xmax float64) {
	xmin, xmax = a.at(a.lo)-0.05*(a.at(a.hi)-a.at(a.lo)+1), a.at(a.hi)+0.05*(a.at(a.hi)-a.at(a.lo)+1)
	if a.log {
		xmin, xmax = math.Log10(niceBelow(a.lo/1.1)), math.Log10(niceAbove(a.hi*1.2))
		p.X.Tick.Marker = log10Ticks{}
		p.X.Label.Text = strings.Replace(p.X.Label.Text, "msgs/s", "msgs/s (log scale)", 1)
	} else {
		p.X.Tick.Marker = kiloTicks{}
	}
	return xmin, xmax
}

// latencyScale is a panel's p99 y axis: linear from 0, or logarithmic when the trials and the
// objective span decades (past the knee p99 grows by orders of magnitude).
type latencyScale struct {
	min, max float64
	log      bool
}

// latencyScaleOf sizes the y axis to the trials' p99 and the objective line; false when no trial
// measured this latency (the panel is left out).
func latencyScaleOf(trials []stats.SearchTrial, k searchKind) (latencyScale, bool) {
	var vals []float64
	for _, t := range trials {
		if l := k.get(t); l.Count > 0 && l.P99Ms > 0 {
			vals = append(vals, l.P99Ms)
		}
	}
	if len(vals) == 0 {
		return latencyScale{}, false
	}
	if k.bound > 0 {
		vals = append(vals, k.bound)
	}
	ylo, yhi := minMaxPositive(vals)
	if spansDecades(ylo, yhi) {
		return latencyScale{min: math.Log10(niceBelow(ylo / 1.1)), max: math.Log10(niceAbove(yhi * 1.2)), log: true}, true
	}
	return latencyScale{min: 0, max: yhi * 1.15}, true
}

// at places a latency on the axis.
func (y latencyScale) at(v float64) float64 {
	if y.log {
		return toLog(v, y.min)
	}
	return v
}

// searchCurvePanel draws one latency panel: the trials, the objective and the knee.
func searchCurvePanel(s *stats.SearchReport, trials []stats.SearchTrial, k searchKind, x rateAxis, xLabelled bool, title string) (panel, bool) {
	y, ok := latencyScaleOf(trials, k)
	if !ok {
		return panel{}, false
	}
	p := newPlot("", "", "p99 latency, ms")
	if xLabelled {
		p.X.Label.Text = "offered (target) rate, msgs/s"
	}
	addGrid(p, true)
	if y.log {
		p.Y.Tick.Marker = log10Ticks{}
		p.Y.Label.Text += " (log scale)"
	}
	legend := addTrialMarks(p, trials, k, x, y)
	xmin, xmax := x.apply(p)
	legend = append(legend, addSearchLines(p, s, k, y, x.at, xmin, xmax)...)
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min, p.Y.Max = y.min, y.max
	return panel{p: p, title: title, legend: legend}, true
}

// addTrialMarks joins the trials in rate order with a grey line and marks each as passed or
// failed, so the reader sees where the curve bends and which trials decided the search.
func addTrialMarks(p *plot.Plot, trials []stats.SearchTrial, k searchKind, x rateAxis, y latencyScale) []legendEntry {
	var curve, pass, fail plotter.XYs
	for _, t := range trials {
		l := k.get(t)
		if l.Count == 0 || l.P99Ms <= 0 {
			continue
		}
		xy := plotter.XY{X: x.at(t.TargetRate), Y: y.at(l.P99Ms)}
		curve = append(curve, xy)
		if t.Passed {
			pass = append(pass, xy)
		} else {
			fail = append(fail, xy)
		}
	}
	var legend []legendEntry
	if line, err := plotter.NewLine(curve); err == nil {
		line.Color, line.Width = color.Gray{0x80}, vg.Points(1)
		p.Add(line)
	}
	for _, g := range []struct {
		xys   plotter.XYs
		shape draw.GlyphDrawer
		c     color.Color
		label string
	}{{pass, draw.CircleGlyph{}, colour(2), "trial passed"}, {fail, draw.CrossGlyph{}, colour(3), "trial failed (any objective)"}} {
		if len(g.xys) == 0 {
			continue
		}
		if sc, err := plotter.NewScatter(g.xys); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: g.c, Shape: g.shape, Radius: vg.Points(4)}
			p.Add(sc)
			legend = append(legend, legendEntry{g.label, []plot.Thumbnailer{sc}})
		}
	}
	return legend
}

// addSearchLines draws the objective (dashed, across the panel) and the confirmed rate
// (vertical, only when the search found one): the two lines the trials are judged against.
func addSearchLines(p *plot.Plot, s *stats.SearchReport, k searchKind, y latencyScale, xAt func(float64) float64, xmin, xmax float64) []legendEntry {
	var legend []legendEntry
	if k.bound > 0 {
		if l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: y.at(k.bound)}, {X: xmax, Y: y.at(k.bound)}}); err == nil {
			l.Color, l.Width, l.Dashes = colour(3), vg.Points(1.2), []vg.Length{vg.Points(5), vg.Points(3)}
			p.Add(l)
			legend = append(legend, legendEntry{"objective p99 <= " + formatNumber(k.bound) + " ms", []plot.Thumbnailer{l}})
		}
	}
	if s.Found() {
		x := xAt(s.SustainableRate)
		if l, err := plotter.NewLine(plotter.XYs{{X: x, Y: y.min}, {X: x, Y: y.max}}); err == nil {
			l.Color, l.Width = colour(0), vg.Points(1.5)
			p.Add(l)
			legend = append(legend, legendEntry{"sustainable (confirmed): " + formatNumber(roundTo(s.SustainableRate, 4)) + " msgs/s", []plot.Thumbnailer{l}})
		}
	}
	return legend
}

// searchBounds returns the produce and end-to-end p99 objectives of a searched point's profile
// (0: not an objective).
func searchBounds(r *stats.Result) [2]float64 {
	if rs := r.Point.Workload.Search; rs != nil {
		return [2]float64{rs.Objective.ProduceP99Ms, rs.Objective.EndToEndP99Ms}
	}
	return [2]float64{}
}

// searchSection is the report's capacity section: one sentence per level against the least
// durable one, the capacity table, and every trial of every point (so the search can be audited).
func searchSection(all []point) *section {
	c, ok := analysis.CapacityOf(all)
	if !ok {
		return nil
	}
	sec := &section{heading: "Capacity (rate search)"}
	sec.blocks = append(sec.blocks, block{kind: "list", items: c.Sentences})
	sec.blocks = append(sec.blocks, block{kind: "table",
		header: []string{"level", "sustainable msgs/s", "of reference", "lowest failing msgs/s", "outcome", "trials", "search s"},
		right:  []bool{false, true, true, true, false, true, true}, rows: c.Rows})
	sec.blocks = append(sec.blocks, para("%s", c.Method))
	for _, lt := range c.Trials {
		sec.blocks = append(sec.blocks, para("Trials of %s: %s.", lt.Level, lt.Detail))
		sec.blocks = append(sec.blocks, block{kind: "table",
			header: []string{"#", "phase", "target msgs/s", "acked msgs/s", "produce p99 ms", "e2e p99 ms", "failed sends", "verdict"},
			right:  []bool{true, false, true, true, true, true, true, false}, rows: lt.Rows})
	}
	return sec
}
