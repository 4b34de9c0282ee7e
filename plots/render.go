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
		return c.Max.Y - y
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
	rows := make([][]*plot.Plot, len(f.panels))
	for i, pn := range f.panels {
		rows[i] = []*plot.Plot{pn.p}
	}
	tiles := draw.Tiles{Rows: len(f.panels), Cols: 1, PadY: 0.6 * vg.Centimeter}
	cs := plot.Align(rows, tiles, area)
	for i, pn := range f.panels {
		// The header spans the whole width, not just the aligned data area.
		full := cs[i][0]
		full.Min.X, full.Max.X = area.Min.X, area.Max.X
		h := pn.header(full, false)
		pn.p.Draw(draw.Crop(cs[i][0], 0, 0, 0, -h))
	}
}

// size is the figure's width and height.
func (f figure) size() (vg.Length, vg.Length) {
	h := PanelHeight*vg.Length(len(f.panels)) + vg.Length(1+len(f.caption))*0.5*vg.Centimeter
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

// wrapLabel breaks an axis label into lines of about n characters at spaces, so long level
// names stay readable without rotation.
func wrapLabel(s string, n int) string {
	words := strings.Fields(s)
	var lines []string
	line := ""
	for _, w := range words {
		if line != "" && len(line)+1+len(w) > n {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// niceTicks is a Ticker for log axes that labels 1-2-5 steps (0.1, 0.2, 0.5, 1, 2, 5 ...) in
// plain numbers, which read faster than powers of ten for milliseconds.
type niceTicks struct{}

// Ticks returns the 1-2-5 ticks between min and max, with labels on the decades and, when few
// decades are shown, on the 2s and 5s too.
func (niceTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 || max < min {
		return nil
	}
	lo := math.Floor(math.Log10(min))
	hi := math.Ceil(math.Log10(max))
	decades := hi - lo
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, e)
		for _, m := range []float64{1, 2, 3, 4, 5, 6, 7, 8, 9} {
			v := m * base
			if v < min*0.999 || v > max*1.001 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (decades <= 3 && (m == 2 || m == 5)) {
				t.Label = formatNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
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
	mag := math.Pow(10, math.Floor(math.Log10(math.Abs(v)))-6)
	return math.Round(v/mag) * mag
}

// useLogY switches p's y axis to a log scale over [lo, hi] with headroom.
func useLogY(p *plot.Plot, lo, hi float64) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = niceTicks{}
	p.Y.Min = lo / 1.5
	p.Y.Max = hi * 2
}

// useLogX switches p's x axis to a log scale over [lo, hi] with headroom.
func useLogX(p *plot.Plot, lo, hi float64) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = niceTicks{}
	p.X.Min = lo / 1.5
	p.X.Max = hi * 1.5
}
