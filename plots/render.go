package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/kbench/kbench/stats"
)

// Chart geometry. Charts are made for a document page: 16 cm wide (a page's text width), at
// 200 dpi for PNG, with no text smaller than 10 pt at that size.
const (
	ChartWidth  = 16 * vg.Centimeter // every chart's width
	PanelHeight = 8 * vg.Centimeter  // height of one panel; a chart of n panels is n times this plus its caption
	ChartDPI    = 200                // PNG resolution: ChartWidth is 1260 pixels

	titleSize  = vg.Length(12) // points
	labelSize  = vg.Length(11) // points
	tickSize   = vg.Length(10) // points
	legendSize = vg.Length(10) // points
	noteSize   = vg.Length(10) // points
)

// sans is the typeface of every chart: Liberation Sans, which gonum embeds, so a PNG looks the
// same on every machine.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// palette is the Okabe-Ito colour-blind-safe palette (yellow swapped for grey, which prints).
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.RGBA{0x00, 0x9E, 0x73, 0xff}, // green
	color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // purple
	color.RGBA{0x56, 0xB4, 0xE9, 0xff}, // sky
	color.RGBA{0x59, 0x59, 0x59, 0xff}, // grey
	color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
}

// colour returns the i-th palette colour (cycling).
func colour(i int) color.Color { return palette[((i%len(palette))+len(palette))%len(palette)] }

// faded returns c mixed with white, for incomplete points.
func faded(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8((float64(v>>8) + 2*255) / 3) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
}

// textStyle returns a style in the chart typeface at size.
func textStyle(size vg.Length) text.Style {
	return text.Style{Color: color.Black, Font: font.From(sans, size), XAlign: draw.XLeft, YAlign: draw.YBottom,
		Handler: plot.DefaultTextHandler}
}

// newPlot returns a plot with the chart fonts and sizes, a light grid and the legend outside
// nothing: each chart places its own legend.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	p.Title.Padding = vg.Points(4)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, labelSize)
		ax.Tick.Label.Font = font.From(sans, tickSize)
	}
	p.Legend.TextStyle.Font = font.From(sans, legendSize)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(4)
	p.Legend.YOffs = -vg.Points(4)
	p.Legend.Padding = vg.Points(2)
	p.Legend.ThumbnailWidth = vg.Points(16)
	return p
}

// figure is one chart file: panels stacked top to bottom, axes aligned, and a caption under them.
type figure struct {
	name    string   // file name without extension
	panels  []panel  // top to bottom
	caption []string // paragraphs; wrapped to the chart's width
}

// panel is one plot with its title and a legend drawn above the data area, so a legend never
// covers a data point.
type panel struct {
	p      *plot.Plot
	title  string
	legend []legendEntry
}

// legendEntry is one legend item: its thumbnails (drawn on top of each other) and its text.
type legendEntry struct {
	label  string
	thumbs []plot.Thumbnailer
}

// header draws the panel's title and legend at the top of c and returns the height used.
func (pn panel) header(c draw.Canvas, measureOnly bool) vg.Length {
	tsty := textStyle(titleSize)
	lsty := textStyle(legendSize)
	pad := vg.Points(3)
	y := c.Max.Y
	if pn.title != "" {
		for _, line := range wrapText(tsty, []string{pn.title}, c.Size().X) {
			h := tsty.FontExtents().Height
			y -= h
			if !measureOnly {
				s := tsty
				s.XAlign = draw.XCenter
				c.FillText(s, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y - tsty.FontExtents().Descent}, line)
			}
		}
		y -= pad
	}
	if len(pn.legend) == 0 {
		return c.Max.Y - y + pad
	}
	thumbW := vg.Points(18)
	gap := vg.Points(10)
	rowH := lsty.FontExtents().Height * 1.2
	// Lay the entries out in rows, each row centred.
	type item struct {
		e legendEntry
		w vg.Length
	}
	var rows [][]item
	var widths []vg.Length
	var row []item
	var rowW vg.Length
	for _, e := range pn.legend {
		w := thumbW + vg.Points(3) + lsty.Width(e.label)
		if len(row) > 0 && rowW+gap+w > c.Size().X {
			rows, widths = append(rows, row), append(widths, rowW)
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			rowW += gap
		}
		row = append(row, item{e, w})
		rowW += w
	}
	rows, widths = append(rows, row), append(widths, rowW)
	for ri, r := range rows {
		y -= rowH
		x := (c.Min.X+c.Max.X)/2 - widths[ri]/2
		for _, it := range r {
			if !measureOnly {
				icon := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: x, Y: y + rowH*0.1}, Max: vg.Point{X: x + thumbW, Y: y + rowH*0.9}}}
				for _, t := range it.e.thumbs {
					t.Thumbnail(icon)
				}
				c.FillText(lsty, vg.Point{X: x + thumbW + vg.Points(3), Y: y + lsty.FontExtents().Descent*0.6}, it.e.label)
			}
			x += it.w + gap
		}
	}
	return c.Max.Y - y + pad
}

// render draws the figure onto c, which is w x h.
func (f figure) render(c vg.CanvasSizer) {
	dc := draw.New(c)
	// White background (SVG canvases start transparent).
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	sty := textStyle(noteSize)
	sty.Color = color.Gray{0x30}
	margin := 0.25 * vg.Centimeter
	lines := wrapText(sty, f.caption, dc.Size().X-2*margin)
	lineH := sty.FontExtents().Height * 1.15
	capH := vg.Length(len(lines))*lineH + margin
	y := dc.Min.Y + margin/2 + vg.Length(len(lines)-1)*lineH
	for _, l := range lines {
		dc.FillText(sty, vg.Point{X: dc.Min.X + margin, Y: y}, l)
		y -= lineH
	}
	area := draw.Crop(dc, margin/2, -margin, capH, -margin/2)
	// Stack the panels: each gets its header plus an equal share of the rest. Then crop each
	// panel's left and right so that all data areas span the same x range (aligned axes).
	gapY := 0.6 * vg.Centimeter
	headers := make([]vg.Length, len(f.panels))
	var headerSum vg.Length
	for i, pn := range f.panels {
		headers[i] = pn.header(area, true)
		headerSum += headers[i]
	}
	plotH := (area.Size().Y - headerSum - gapY*vg.Length(len(f.panels)-1)) / vg.Length(len(f.panels))
	slots := make([]draw.Canvas, len(f.panels))
	top := area.Max.Y
	var maxLeft, maxRight vg.Length
	for i, pn := range f.panels {
		c := area
		c.Max.Y = top - headers[i]
		c.Min.Y = c.Max.Y - plotH
		slots[i] = c
		top = c.Min.Y - gapY
		dc := pn.p.DataCanvas(c)
		maxLeft = max(maxLeft, dc.Min.X-c.Min.X)
		maxRight = max(maxRight, c.Max.X-dc.Max.X)
	}
	for i, pn := range f.panels {
		hc := slots[i]
		hc.Max.Y += headers[i]
		hc.Min.Y = slots[i].Max.Y
		pn.header(hc, false)
		c := slots[i]
		dc := pn.p.DataCanvas(c)
		c = draw.Crop(c, maxLeft-(dc.Min.X-c.Min.X), -(maxRight - (c.Max.X - dc.Max.X)), 0, 0)
		pn.p.Draw(c)
	}
}

// size is the figure's width and height: each panel gets PanelHeight for its data and axes plus
// the height of its title and legend, and the caption gets its wrapped lines.
func (f figure) size() (vg.Length, vg.Length) {
	h := vg.Length(0)
	// Measure headers on a canvas-less draw.Canvas of the chart's width.
	probe := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: ChartWidth - 0.75*vg.Centimeter, Y: 100 * vg.Centimeter}}}
	for _, pn := range f.panels {
		h += PanelHeight + pn.header(probe, true)
	}
	sty := textStyle(noteSize)
	lines := wrapText(sty, f.caption, ChartWidth-0.5*vg.Centimeter)
	h += vg.Length(len(lines))*sty.FontExtents().Height*1.15 + 0.75*vg.Centimeter
	h += 0.6 * vg.Centimeter * vg.Length(len(f.panels)-1)
	return ChartWidth, h
}

// writePNG writes the figure as a PNG at ChartDPI.
func (f figure) writePNG(w io.Writer) error {
	cw, ch := f.size()
	c := vgimg.NewWith(vgimg.UseWH(cw, ch), vgimg.UseDPI(ChartDPI), vgimg.UseBackgroundColor(color.White))
	f.render(c)
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("chart %s: write PNG: %w", f.name, err)
	}
	return nil
}

// writeSVG writes the figure as an SVG (fonts referenced by name, not embedded).
func (f figure) writeSVG(w io.Writer) error {
	cw, ch := f.size()
	c := vgsvg.New(cw, ch)
	f.render(c)
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("chart %s: write SVG: %w", f.name, err)
	}
	return nil
}

// save writes dir/name.png and dir/name.svg, each atomically, and returns their paths.
func (f figure) save(dir string) ([]string, error) {
	var out []string
	for _, ext := range []string{"png", "svg"} {
		path := filepath.Join(dir, f.name+"."+ext)
		var buf bytes.Buffer
		var err error
		if ext == "png" {
			err = f.writePNG(&buf)
		} else {
			err = f.writeSVG(&buf)
		}
		if err != nil {
			return out, err
		}
		if err := stats.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
			return out, fmt.Errorf("chart %s: %w", f.name, err)
		}
		out = append(out, path)
	}
	return out, nil
}

// wrapText breaks paragraphs into lines no wider than width in sty.
func wrapText(sty text.Style, paras []string, width vg.Length) []string {
	var out []string
	for _, para := range paras {
		words := strings.Fields(para)
		line := ""
		for _, w := range words {
			try := w
			if line != "" {
				try = line + " " + w
			}
			if line != "" && sty.Width(try) > width {
				out = append(out, line)
				line = w
				continue
			}
			line = try
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// niceTicks is a Ticker for log axes: ticks at 1, 2 and 5 times powers of ten, labelled in
// plain numbers (0.1, 1, 10, 100), which read faster than powers of ten for milliseconds. The 2s
// and 5s are labelled too when the axis spans at most two decades; the axis ends are always
// labelled (useLogY puts them on 1-2-5 values).
type niceTicks struct{}

// Ticks returns the 1-2-5 ticks between min and max.
func (niceTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 || max < min {
		return nil
	}
	lo := math.Floor(math.Log10(min))
	hi := math.Ceil(math.Log10(max))
	few := math.Log10(max/min) <= 2.1
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, e)
		for _, m := range []float64{1, 2, 5} {
			v := roundTick(m * base)
			if v < min*0.999 || v > max*1.001 {
				continue
			}
			t := plot.Tick{Value: v}
			atEnd := math.Abs(v-min) < min*0.001 || math.Abs(v-max) < max*0.001
			// An end is labelled when no labelled decade is close to it (2 -> 1 is 2x: skip).
			lonely := atEnd && ((m == 2 && math.Abs(v-min) < min*0.001) || (m == 5 && math.Abs(v-max) < max*0.001))
			if m == 1 || few || lonely {
				t.Label = formatNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// niceBelow returns the largest 1-2-5 value at or below v (v > 0).
func niceBelow(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*e <= v*1.0001 {
			return roundTick(m * e)
		}
	}
	return roundTick(e)
}

// niceAbove returns the smallest 1-2-5 value at or above v (v > 0).
func niceAbove(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v*0.9999 {
			return roundTick(m * e)
		}
	}
	return roundTick(10 * e)
}

// formatNumber prints a tick value without trailing zeros or exponent.
func formatNumber(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case math.Abs(v) >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// kiloTicks is the default linear ticker with thousands printed as "10k", "1.5M".
type kiloTicks struct{}

// Ticks returns gonum's default ticks with short labels.
func (kiloTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = formatNumber(roundTick(ts[i].Value))
		}
	}
	return ts
}

// roundTick removes floating-point dust from a tick value.
func roundTick(v float64) float64 {
	if v == 0 {
		return 0
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// Log axes. gonum's LogScale places an axis label's glyph box at the linear midpoint of the
// range, which on a log axis is near the top and makes gonum shrink the data area. So kbench
// draws log axes itself: the data are transformed to log10 before they are added to the plot,
// the axis stays linear, and log10Ticks labels it in the original units.

// log10Ticks labels an axis whose values are log10 of the data with niceTicks' 1-2-5 ticks.
type log10Ticks struct{}

// Ticks returns niceTicks over 10^min..10^max, placed at their log10.
func (log10Ticks) Ticks(min, max float64) []plot.Tick {
	ts := niceTicks{}.Ticks(math.Pow(10, min), math.Pow(10, max))
	for i := range ts {
		ts[i].Value = math.Log10(ts[i].Value)
	}
	return ts
}

// toLog replaces each value by its log10; values <= 0 (which have none) go to floor.
func toLog(v, floor float64) float64 {
	if v <= 0 {
		return floor
	}
	return math.Log10(v)
}

// fitY fits p's y axis to the values all: a log scale (labelled) when they span decades, the
// y values of data transformed with it; else 0 to 10 % above the largest, at least least.
func fitY(p *plot.Plot, all []float64, least float64, data ...*plotter.XYs) {
	lo, hi := minMaxPositive(all)
	if spansDecades(lo, hi) {
		useLogY(p, lo, hi, data...)
		p.Y.Label.Text += " (log scale)"
		return
	}
	p.Y.Min, p.Y.Max = 0, math.Max(hi*1.1, least)
}

// useLogY puts p's y axis on a log scale over [lo, hi] (positive data units) and transforms the
// y values of data, which must be the slices the plotters draw.
func useLogY(p *plot.Plot, lo, hi float64, data ...*plotter.XYs) {
	p.Y.Min = math.Log10(niceBelow(lo / 1.1))
	p.Y.Max = math.Log10(niceAbove(hi * 1.2))
	p.Y.Tick.Marker = log10Ticks{}
	for _, d := range distinctData(data) {
		for i := range *d {
			(*d)[i].Y = toLog((*d)[i].Y, p.Y.Min)
		}
	}
}

// distinctData drops slices that share their backing array with an earlier one (NewLinePoints
// gives its line and its scatter the same slice), so no value is transformed twice.
func distinctData(data []*plotter.XYs) []*plotter.XYs {
	seen := map[*plotter.XY]bool{}
	var out []*plotter.XYs
	for _, d := range data {
		if len(*d) == 0 || seen[&(*d)[0]] {
			continue
		}
		seen[&(*d)[0]] = true
		out = append(out, d)
	}
	return out
}

// useLogX is useLogY for the x axis.
func useLogX(p *plot.Plot, lo, hi float64, data ...*plotter.XYs) {
	p.X.Min = math.Log10(niceBelow(lo / 1.1))
	p.X.Max = math.Log10(niceAbove(hi * 1.2))
	p.X.Tick.Marker = log10Ticks{}
	for _, d := range distinctData(data) {
		for i := range *d {
			(*d)[i].X = toLog((*d)[i].X, p.X.Min)
		}
	}
}

// addGrid adds light grid lines (horizontal only on a nominal x axis); call it before adding
// data so the lines lie under it.
func addGrid(p *plot.Plot, vertical bool) {
	g := plotter.NewGrid()
	g.Horizontal.Color = color.Gray{0xd8}
	g.Vertical.Color = color.Gray{0xd8}
	if !vertical {
		g.Vertical.Color = nil
	}
	p.Add(g)
}

// fitTickLabels wraps each label to the slot width a nominal axis gives it (slot, in points).
// It returns the labels, each one's width, and whether they must be rotated because two
// neighbours would overlap.
func fitTickLabels(labels []string, slot vg.Length) ([]string, []vg.Length, bool) {
	sty := textStyle(tickSize)
	out := make([]string, len(labels))
	widths := make([]vg.Length, len(labels))
	for i, l := range labels {
		var lines []string
		for _, para := range strings.Split(l, "\n") {
			lines = append(lines, wrapWords(sty, joinPlus(strings.Fields(para)), slot-vg.Points(3))...)
		}
		for _, ln := range lines {
			widths[i] = max(widths[i], sty.Width(ln))
		}
		out[i] = strings.Join(lines, "\n")
	}
	rotate := false
	for i := 1; i < len(widths); i++ {
		if (widths[i-1]+widths[i])/2+vg.Points(3) > slot {
			rotate = true
		}
	}
	if rotate {
		for i, l := range labels {
			out[i] = strings.ReplaceAll(l, "\n", " ")
			widths[i] = sty.Width(out[i])
		}
	}
	return out, widths, rotate
}

// joinPlus keeps a lone "+" or "&" on a line with a word: a leading one with the word after it
// ("+ flush.messages=1"), any other with the word before it ("acks=all +" / "idempotence").
func joinPlus(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case (w == "+" || w == "&") && i == 0 && i+1 < len(words):
			w += " " + words[i+1]
			i++
		case (w == "+" || w == "&") && len(out) > 0:
			out[len(out)-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

// wrapWords packs words into lines no wider than width; a word wider than width is broken after
// a '.' or before a '=' ("flush." "messages=1") when that makes it fit.
func wrapWords(sty text.Style, words []string, width vg.Length) []string {
	var split []string
	for _, w := range words {
		for sty.Width(w) > width {
			cut := -1
			for i := len(w) - 1; i > 0; i-- {
				if (w[i-1] == '.' || w[i] == '=' || w[i-1] == '-') && sty.Width(w[:i]) <= width {
					cut = i
					break
				}
			}
			if cut < 0 {
				break
			}
			split = append(split, w[:cut]+"\x00")
			w = w[cut:]
		}
		split = append(split, w)
	}
	words = split
	var lines []string
	line := ""
	for _, w := range words {
		try := w
		if line != "" {
			try = line + " " + w
		}
		if strings.HasSuffix(line, "\x00") {
			try = line + w // a broken word continues without a space
		}
		if line != "" && sty.Width(strings.ReplaceAll(try, "\x00", "")) > width {
			lines = append(lines, strings.ReplaceAll(line, "\x00", ""))
			line = w
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, strings.ReplaceAll(line, "\x00", ""))
	}
	return lines
}
