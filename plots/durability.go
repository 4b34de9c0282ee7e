package plots

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kbench/kbench/stats"
)

// Chart names of the durability charts (runs with a fault schedule).
const (
	ChartDurabilityLoss         = "durability-loss"         // acked throughput and acknowledged records lost, by level
	ChartDurabilityAvailability = "durability-availability" // acked throughput and the longest window without an ack, by level
)

// hasFaults says whether any drawn point ran a fault schedule.
func hasFaults(ps []point) bool {
	for _, p := range ps {
		if p.res != nil && p.res.Faults != nil {
			return true
		}
	}
	return false
}

// DurabilityCharts builds the durability charts of a run whose points ran a fault schedule:
// throughput next to measured loss, and throughput next to measured unavailability, one bar per
// reliability level. A run without faults has none (nil).
func DurabilityCharts(run *stats.Run) []Chart {
	all := points(run)
	ps := drawn(all)
	if len(ps) == 0 || !hasFaults(ps) {
		return nil
	}
	cap := append(caption(run, all), durabilityCaveat)
	tp := barMetric{"Acknowledged throughput, messages/s", "messages/s", func(r *stats.Result) float64 { return r.Metrics.Acked.RecordsPerSecond }, "%.0f"}
	lost := barMetric{"Acknowledged records lost (read back after the faults healed)", "records", func(r *stats.Result) float64 { return float64(r.Audit.Lost) }, "%.0f"}
	gap := barMetric{"Longest window without any acknowledgement, seconds", "seconds", func(r *stats.Result) float64 {
		if r.Availability == nil {
			return 0
		}
		return r.Availability.LongestNoAckSeconds
	}, "%.1f"}
	return []Chart{
		{Name: ChartDurabilityLoss, Title: "Throughput and measured loss by reliability level, under faults", fig: barsFigure(ChartDurabilityLoss, ps, []barMetric{tp, lost}, cap)},
		{Name: ChartDurabilityAvailability, Title: "Throughput and measured unavailability by reliability level, under faults", fig: barsFigure(ChartDurabilityAvailability, ps, []barMetric{tp, gap}, cap)},
	}
}

// durabilityCaveat is printed under every durability chart and in the report.
const durabilityCaveat = "Faults were process kills and pauses: a killed broker's page cache survives, so flush settings are not exercised; loss from power failure, disk failure or network partitions was not tested."

// barMetric is one panel of a bars figure.
type barMetric struct {
	title, unit string
	get         func(*stats.Result) float64
	format      string
}

// barsFigure draws one bar per point for each metric, one panel per metric.
func barsFigure(name string, ps []point, metrics []barMetric, caption []string) figure {
	f := figure{name: name, caption: caption}
	slot := float64(ChartWidth-2*vg.Centimeter) / float64(len(ps))
	for mi, m := range metrics {
		p := newPlot("", "", m.unit)
		addGrid(p, false)
		var labels plotter.XYLabels
		top := 0.0
		for i, pt := range ps {
			v := m.get(pt.res)
			top = math.Max(top, v)
			bc, err := plotter.NewBarChart(plotter.Values{v}, vg.Length(slot*0.55))
			if err != nil {
				continue
			}
			bc.XMin = float64(i)
			bc.Color = colour(mi)
			bc.LineStyle.Width = 0
			if pt.incomplete {
				bc.Color = faded(colour(mi))
			}
			p.Add(bc)
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: v})
			labels.Labels = append(labels.Labels, fmt.Sprintf(m.format, v))
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
		p.Y.Max = math.Max(top*1.15, 1)
		nominalLevels(p, ps, nil)
		p.X.Label.Text = ""
		f.panels = append(f.panels, panel{p: p, title: m.title})
	}
	return f
}

// WriteDurabilityReport writes the report's durability section as Markdown: per level the
// measured loss, duplicates, send outcomes and unavailability next to throughput, the consumer
// side where consumers crashed, and plainly what was and was not tested. A run without faults
// gets a short paragraph saying no faults were injected.
func WriteDurabilityReport(w io.Writer, run *stats.Run) error {
	ps := drawn(points(run))
	var b strings.Builder
	b.WriteString("## Measured durability\n\n")
	if !hasFaults(ps) {
		b.WriteString("No faults were injected in this run: loss and duplicates below come from a healthy cluster and say nothing about failures. Run a profile with a `faults:` schedule (for example `loss-ladder`) to measure them.\n\n")
	}
	b.WriteString("| level | acked msg/s | lost | duplicates | failed | indeterminate (written) | faults | longest no-ack s | slowest recovery to 90 % s |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, p := range ps {
		r := p.res
		a := r.Audit
		dup := fmt.Sprint(a.Duplicates)
		if a.DuplicatesDefect {
			dup += " (DEFECT: idempotence on)"
		}
		faults, gap, rec := 0, 0.0, "-"
		if r.Availability != nil {
			gap = r.Availability.LongestNoAckSeconds
			faults = len(r.Availability.AfterFault)
			worst, never := 0.0, false
			for _, im := range r.Availability.AfterFault {
				if !im.Recovered {
					never = true
				}
				worst = math.Max(worst, im.RecoverySeconds)
			}
			if faults > 0 {
				rec = fmt.Sprintf("%.1f", worst)
				if never {
					rec += " (not recovered once)"
				}
			}
		}
		fmt.Fprintf(&b, "| %s | %.0f | %d | %s | %d | %d (%d) | %d | %.1f | %s |\n", p.level, r.Metrics.Acked.RecordsPerSecond,
			a.Lost, dup, a.Failed, a.Indeterminate, a.IndeterminateConsumed, faults, gap, rec)
	}
	b.WriteString("\n")
	for _, p := range ps {
		r := p.res
		if len(r.Metrics.FailedByError) > 0 {
			fmt.Fprintf(&b, "- %s: failed sends by error: %s\n", p.level, formatCounts(r.Metrics.FailedByError))
		}
		if r.Audit.FailedButConsumed > 0 {
			fmt.Fprintf(&b, "- %s: %d sends reported as definitely failed were read back (the error's meaning was wrong for them)\n", p.level, r.Audit.FailedButConsumed)
		}
		if ca := r.ConsumerAudit; ca != nil {
			fmt.Fprintf(&b, "- %s: consumer side (%s, processing %.0f ms after poll, %d worker crashes): %d processed, %d redelivered, %d skipped; this is separate from broker-side loss\n",
				p.level, ca.CommitMode, ca.ProcessingDelayMs, ca.Crashes, ca.ProcessedUnique, ca.Redelivered, ca.Skipped)
		}
		if r.Faults != nil && !r.Faults.Healed {
			fmt.Fprintf(&b, "- %s: the cluster was not fully healed before the verification read: %s\n", p.level, r.Faults.HealDetail)
		}
	}
	b.WriteString("\n### What was tested, and what was not\n\n")
	b.WriteString("- Lost means acknowledged by the cluster and not read back by a fresh consumer that assigned every partition and read from the earliest offset to the high watermark after every fault had healed. Records are identified by producer and sequence, not by offsets.\n")
	b.WriteString("- Only acknowledged records can be lost. Sends that timed out or lost their connection are indeterminate: the table says how many of them were in fact written.\n")
	b.WriteString("- " + durabilityCaveat + "\n")
	b.WriteString("- Zero lost on a level means zero in these runs under these faults, not a guarantee: the number of faults and their timing bound what was exercised.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func formatCounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
