package plots

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	_ "image/png" // registers the PNG decoder
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

// keepDir, when set (KBENCH_PLOTS_KEEP=/some/dir), keeps the drawn charts for a human to look at.
func keepDir(t *testing.T, name string) string {
	if d := os.Getenv("KBENCH_PLOTS_KEEP"); d != "" {
		return filepath.Join(d, name)
	}
	return t.TempDir()
}

func readFixture(t *testing.T, name string) *stats.Run {
	t.Helper()
	run, err := stats.ReadRun(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestDrawAllWritesEveryChart(t *testing.T) {
	cases := []struct {
		run  string
		want []string // chart names expected (each as .png and .svg)
	}{
		{"ladder", []string{ChartThroughput, ChartLatency, ChartTradeoff, ChartPercentilesProduce, ChartPercentilesE2E,
			"timeline-acks-0", "timeline-acks-1", "timeline-acks-all", "timeline-acks-all_idem",
			"timeline-acks-all_idem_isr-2_unclean-off", "timeline-acks-all_idem_isr-2_unclean-off_flush-1"}},
		// The failed idempotence point has no timeline; the incomplete flush point has one.
		{"ladder-partial", []string{ChartThroughput, ChartLatency, ChartTradeoff, ChartPercentilesProduce, ChartPercentilesE2E,
			"timeline-acks-0", "timeline-acks-1", "timeline-acks-all",
			"timeline-acks-all_idem_isr-2_unclean-off", "timeline-acks-all_idem_isr-2_unclean-off_flush-1"}},
		{"linger-sweep", []string{ChartThroughput, ChartLatency, ChartTradeoff, ChartPercentilesProduce, ChartPercentilesE2E,
			"sweep-linger.ms", "timeline-linger-0", "timeline-linger-1", "timeline-linger-5", "timeline-linger-10",
			"timeline-linger-20", "timeline-linger-50", "timeline-linger-100"}},
		{"ladder-repeated", []string{ChartThroughput, ChartLatency, ChartTradeoff, ChartPercentilesProduce, ChartPercentilesE2E,
			"timeline-acks-1", "timeline-acks-all", "timeline-acks-all_idem", "timeline-acks-all_idem_isr-2_unclean-off_flush-1"}},
	}
	for _, c := range cases {
		t.Run(c.run, func(t *testing.T) {
			out := keepDir(t, c.run)
			paths, err := DrawAll(readFixture(t, c.run), out)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range c.want {
				want = append(want, filepath.Join(out, n+".png"), filepath.Join(out, n+".svg"))
			}
			sort.Strings(want)
			got := slices.Clone(paths)
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("wrote\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, p := range paths {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(p, ".png") {
					checkPNG(t, p, data)
				} else {
					checkSVG(t, p, data)
				}
			}
		})
	}
}

// checkPNG asserts the file is a PNG of the documented width, at least one panel high, and not
// blank: many distinct colours and a fair share of non-white pixels.
func checkPNG(t *testing.T, name string, data []byte) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != "png" {
		t.Errorf("%s: not a PNG: %v (%s)", name, err, format)
		return
	}
	b := img.Bounds()
	dpi := float64(ChartDPI)
	wantW := int(math.Ceil(float64(ChartWidth/vg.Inch) * dpi))
	minH := int(float64(PanelHeight/vg.Inch) * dpi)
	if b.Dx() != wantW || b.Dy() < minH {
		t.Errorf("%s: %dx%d pixels, want %d wide and at least %d high", name, b.Dx(), b.Dy(), wantW, minH)
	}
	colours := map[color.RGBA]bool{}
	nonWhite := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xff}
			colours[c] = true
			if c.R < 240 || c.G < 240 || c.B < 240 {
				nonWhite++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if len(colours) < 50 || nonWhite < total/100 {
		t.Errorf("%s looks blank: %d colours, %d of %d sampled pixels not white", name, len(colours), nonWhite, total)
	}
}

// checkSVG asserts the file is well-formed XML with an svg root and some drawing in it.
func checkSVG(t *testing.T, name string, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root, paths, texts := "", 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: not well-formed XML: %v", name, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			switch se.Name.Local {
			case "path":
				paths++
			case "text":
				texts++
			}
		}
	}
	if root != "svg" || paths < 20 || texts < 10 {
		t.Errorf("%s: root <%s>, %d paths, %d texts: want an <svg> with a drawing and its labels", name, root, paths, texts)
	}
}

// TestLogAxisTransformsOnce guards against a value being log-transformed twice when a line and
// its points share one slice (as plotter.NewLinePoints makes them).
func TestLogAxisTransformsOnce(t *testing.T) {
	p := newPlot("", "", "")
	xys := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 1000}}
	line, sc, err := plotter.NewLinePoints(xys)
	if err != nil {
		t.Fatal(err)
	}
	useLogY(p, 1, 1000, &line.XYs, &sc.XYs)
	if line.XYs[1].Y != 3 || sc.XYs[1].Y != 3 {
		t.Errorf("1000 ms became %v and %v on the log axis, want 3 (log10)", line.XYs[1].Y, sc.XYs[1].Y)
	}
}

// TestChartsNameDamagedFiles: a point whose produce histogram does not decode is left out of the
// produce percentile chart and named in its caption; a truncated result file is "damaged" in the
// captions, not "missing"; everything else is drawn.
func TestChartsNameDamagedFiles(t *testing.T) {
	dir, _ := statstest.DamagedCopy(t, filepath.Join("testdata", "ladder"), "acks-all", "acks-1", stats.HistProduce)
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	captions := map[string]string{}
	for _, c := range Charts(run) {
		captions[c.Name] = strings.Join(c.fig.caption, " ")
	}
	if !strings.Contains(captions[ChartPercentilesProduce], "Not in this chart, histogram damaged: acks=1.") {
		t.Errorf("produce percentile caption: %q", captions[ChartPercentilesProduce])
	}
	if strings.Contains(captions[ChartPercentilesE2E], "histogram damaged") {
		t.Errorf("end-to-end percentile caption names a damage it does not have: %q", captions[ChartPercentilesE2E])
	}
	if c := captions[ChartThroughput]; !strings.Contains(c, "acks-all (damaged)") && !strings.Contains(c, "acks=all (damaged)") {
		t.Errorf("throughput caption does not call the truncated point damaged: %q", c)
	}
	if _, ok := captions["timeline-acks-1"]; !ok {
		t.Errorf("the point with the corrupt histogram lost its other charts")
	}
}
