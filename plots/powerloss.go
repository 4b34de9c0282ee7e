package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kbench/kbench/stats"
)

// The power-loss account: what each flush level lost per power loss (acknowledged records and the
// unsynced bytes the disks dropped), and, given a cost run (flush-sweep at rate max, matched point
// by point), what the level costs in throughput. Everything comes from result files: the fault
// events record the bytes dropped per broker, the audit the records lost.

// Chart names of the power-loss charts.
const (
	ChartPowerLoss         = "power-loss"          // acknowledged records and unsynced bytes lost per power loss, by level
	ChartPowerLossTradeoff = "power-loss-tradeoff" // throughput cost against records lost per power loss, one marker per flush level
)

// powerLoss is one point's power losses.
type powerLoss struct {
	losses  int   // power losses that went through
	brokers int   // brokers each took (the most of any)
	all     bool  // every power loss took every broker the cluster has
	bytes   int64 // unsynced bytes dropped over all losses; -1 unknown (a remote cluster)
	segment int64 // of which in topic partitions' log segments; -1 unknown
	lost    int64 // acknowledged records lost
	known   bool  // lost is known (the verification read completed)
}

// powerLossOf reads a point's power losses from its fault events (ok false: none went through).
func powerLossOf(r *stats.Result) (powerLoss, bool) {
	pl := powerLoss{all: true}
	if r == nil || r.Faults == nil {
		return pl, false
	}
	for _, e := range r.Faults.Events {
		if e.Step != "inject" || e.Operation != "power-loss" || e.Error != "" {
			continue
		}
		pl.losses++
		n := max(len(e.NodeIDs), 1)
		pl.brokers = max(pl.brokers, n)
		pl.all = pl.all && r.Environment.Brokers > 0 && n == r.Environment.Brokers
		pl.bytes = addDropped(pl.bytes, e.UnsyncedBytesDropped)
		pl.segment = addDropped(pl.segment, e.UnsyncedSegmentBytesDropped)
	}
	pl.lost, pl.known = r.Audit.LostCount()
	return pl, pl.losses > 0
}

// addDropped adds one power loss's bytes per broker to sum; a loss without them makes it unknown.
func addDropped(sum int64, per map[string]int64) int64 {
	if per == nil || sum < 0 {
		return -1
	}
	for _, b := range per {
		sum += b
	}
	return sum
}

// perLoss is the records lost per power loss (NaN: unknown).
func (pl powerLoss) perLoss() float64 {
	if !pl.known {
		return math.NaN()
	}
	return float64(pl.lost) / float64(pl.losses)
}

// bytesPerLoss is the unsynced bytes dropped per power loss (NaN: unknown).
func (pl powerLoss) bytesPerLoss() float64 {
	if pl.bytes < 0 {
		return math.NaN()
	}
	return float64(pl.bytes) / float64(pl.losses)
}

// segmentPerLoss is the unsynced log-segment bytes dropped per power loss (NaN: unknown).
func (pl powerLoss) segmentPerLoss() float64 {
	if pl.segment < 0 {
		return math.NaN()
	}
	return float64(pl.segment) / float64(pl.losses)
}

// scope says how many brokers each power loss took.
func (pl powerLoss) scope() string {
	if pl.all {
		return fmt.Sprintf("all %d brokers", pl.brokers)
	}
	return plural(pl.brokers, "broker")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// powerLossPoints are the drawn points that went through at least one power loss.
func powerLossPoints(ps []point) []point {
	var out []point
	for _, p := range ps {
		if _, ok := powerLossOf(p.Result); ok {
			out = append(out, p)
		}
	}
	return out
}

// throughputCost is, per point id, what the cost run measured: the level's acknowledged
// throughput against the cost run's point without forced flushes ("defaults"), as a fraction
// lost (0.25: a quarter slower). ok false: no cost run, or it lacks the point or its baseline.
type throughputCost struct {
	run  *stats.Run
	base float64
	by   map[string]float64
}

func newThroughputCost(run *stats.Run) *throughputCost {
	if run == nil {
		return nil
	}
	tc := &throughputCost{run: run, by: map[string]float64{}}
	for _, p := range drawn(points(run)) {
		tc.by[p.ID] = p.Result.Metrics.Acked.RecordsPerSecond
	}
	tc.base = tc.by["defaults"]
	if tc.base <= 0 {
		return nil
	}
	return tc
}

// of is point id's throughput cost as a fraction of the baseline's throughput.
func (tc *throughputCost) of(id string) (float64, bool) {
	if tc == nil {
		return 0, false
	}
	v, ok := tc.by[id]
	if !ok {
		return 0, false
	}
	return 1 - v/tc.base, true
}

// PowerLossCharts draws the power-loss charts of a run whose points cut brokers' power: records
// and unsynced bytes lost per power loss by level, and, with cost (a flush-sweep run at rate max;
// nil: none), the trade-off of throughput cost against records lost per all-broker power loss.
func PowerLossCharts(run *stats.Run, cost *stats.Run) []Chart {
	all := points(run)
	ps := powerLossPoints(drawn(all))
	if len(ps) == 0 {
		return nil
	}
	cap := append(caption(run, all), powerLossCaveat)
	lost := barMetric{"Acknowledged records lost per power loss (read back after the cluster healed)", "records", func(r *stats.Result) float64 {
		pl, _ := powerLossOf(r)
		return pl.perLoss()
	}, "%.0f", ""}
	dropped := barMetric{"Unsynced KiB of the topic's log segments the disks dropped per power loss (at the crash)", "KiB", func(r *stats.Result) float64 {
		pl, _ := powerLossOf(r)
		return pl.segmentPerLoss() / 1024
	}, "%.0f", ""}
	out := []Chart{{Name: ChartPowerLoss, Title: "Records and unsynced bytes lost per power loss, by level",
		fig: barsFigure(ChartPowerLoss, ps, []barMetric{lost, dropped}, cap)}}
	if f, ok := powerLossTradeoffFigure(ps, newThroughputCost(cost), cap); ok {
		out = append(out, Chart{Name: ChartPowerLossTradeoff, Title: "Throughput cost against acknowledged records lost per all-broker power loss", fig: f})
	}
	return out
}

// powerLossTradeoffFigure is one marker per flush level that lost power on every broker: x its
// throughput cost (cost run), y records lost per power loss. ok false: nothing to place.
func powerLossTradeoffFigure(ps []point, tc *throughputCost, caption []string) (figure, bool) {
	if tc == nil {
		return figure{}, false
	}
	p := newPlot("", "throughput cost, % of the no-forced-fsync throughput (rate max, no faults)", "acknowledged records lost per power loss")
	addGrid(p, true)
	var lab pointLabels
	top, left, right := 0.0, 0.0, 0.0
	for _, pt := range ps {
		pl, _ := powerLossOf(pt.Result)
		c, ok := tc.of(pt.ID)
		y := pl.perLoss()
		if !pl.all || !ok || math.IsNaN(y) {
			continue
		}
		x := 100 * c
		sc, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
		if err != nil {
			continue
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colour(pt.Index), Shape: draw.CircleGlyph{}, Radius: vg.Points(4)}
		p.Add(sc)
		lab.xys = append(lab.xys, plotter.XY{X: x, Y: y})
		lab.labels = append(lab.labels, pt.Level)
		lab.colours = append(lab.colours, darker(colour(pt.Index)))
		top, left, right = math.Max(top, y), math.Min(left, x), math.Max(right, x)
	}
	if len(lab.xys) == 0 {
		return figure{}, false
	}
	lab.style = textStyle(tickSize)
	p.Add(&lab)
	// A level faster than the baseline (noise, or a cost run on a busy machine) has a negative cost:
	// it stays on the chart, left of the zero line.
	p.X.Min, p.X.Max = left-5-0.1*(right-left), math.Max(right+0.35*(right-left), 10)
	p.Y.Min, p.Y.Max = 0, math.Max(top*1.2, 1)
	zero, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 0, Y: p.Y.Max}})
	if zero != nil {
		zero.Color, zero.Width = color.Gray{0xa0}, vg.Points(0.6)
		p.Add(zero)
	}
	title := "Throughput cost against acknowledged records lost per all-broker power loss (down and left is better)"
	cap := append([]string{fmt.Sprintf("Throughput cost from run %s (%s): each level's acknowledged msgs/s at rate max without faults against its point without forced fsync, matched by point id.",
		firstNonEmpty(tc.run.Index.RunID, tc.run.Dir), firstNonEmpty(tc.run.Index.Profile, "unnamed profile"))}, caption...)
	return figure{name: ChartPowerLossTradeoff, panels: []panel{{p: p, title: title}}, caption: cap}, true
}

// powerLossCaveat says what the simulation covers, under every power-loss chart and in the report.
const powerLossCaveat = "Power losses were simulated by kbench's power-loss filesystem: each broker process was SIGKILLed and its data folder rolled back to what had been fsync'ed (file data and sizes; file creation, renames and deletions are kept, as in LazyFS). Not simulated: the kernel's own writeback (Linux writes dirty pages older than about 30 s to disk without any fsync; the simulated disks keep everything since the last fsync unsynced, so losses without forced fsync are a worst case, about the last 30 s of writes on a real machine), disk write caches (a disk whose volatile cache acknowledges an fsync before the data is stable), torn writes (a dropped range goes back whole), and lost metadata beyond that model; the controllers kept their page cache unless the cluster was started with --power-loss-sim-controllers."

// powerLossSection is the report's account of a run with power losses: per level the records and
// unsynced bytes lost per power loss next to the throughput cost, the disk's fsync rate, and what
// the evidence covers. ok false: no point lost power.
func powerLossSection(run *stats.Run, ps []point, cost *stats.Run) (section, bool) {
	pls := powerLossPoints(ps)
	if len(pls) == 0 {
		return section{}, false
	}
	tc := newThroughputCost(cost)
	s := section{heading: "Power loss: what flush settings buy"}
	var rows [][]string
	var items []string
	for _, p := range pls {
		pl, _ := powerLossOf(p.Result)
		costText := "not measured in this run"
		if c, ok := tc.of(p.ID); ok {
			costText = fmt.Sprintf("%.1f %%", 100*c)
		}
		probe := "-"
		if fp := p.Result.FsyncProbe; fp != nil {
			probe = fmt.Sprintf("%.0f", fp.FdatasyncPerSecond)
		}
		rows = append(rows, []string{p.Level, pl.scope(), fmt.Sprint(pl.losses), lostText(pl), perLossText(pl.perLoss(), "%.1f"),
			perLossText(pl.segmentPerLoss(), "%.0f"), perLossText(pl.bytesPerLoss(), "%.0f"), costText, probe})
		items = append(items, powerLossSentence(p.Level, pl, costText))
	}
	s.blocks = append(s.blocks, block{kind: "table",
		header: []string{"level", "powered off together", "power losses", "acked lost", "lost per power loss", "unsynced log-segment bytes per power loss", "unsynced bytes in all files", "throughput cost", "disk fdatasync/s"},
		right:  []bool{false, false, true, true, true, true, true, true, true},
		rows:   rows})
	items = append(items, powerLossNotes(run, tc)...)
	s.blocks = append(s.blocks, block{kind: "list", items: items})
	return s, true
}

func lostText(pl powerLoss) string {
	if !pl.known {
		return "unknown"
	}
	return fmt.Sprint(pl.lost)
}

func perLossText(v float64, format string) string {
	if math.IsNaN(v) {
		return "unknown"
	}
	return fmt.Sprintf(format, v)
}

// powerLossSentence is the report's line for one level: "N acknowledged records lost per
// all-broker power loss (M unsynced bytes at the crash)", next to the throughput cost.
func powerLossSentence(level string, pl powerLoss, cost string) string {
	what := "all-broker power loss"
	if !pl.all {
		what = fmt.Sprintf("power loss of %s", plural(pl.brokers, "broker"))
	}
	bytes := "unsynced bytes at the crash not known"
	if b := pl.bytesPerLoss(); !math.IsNaN(b) {
		bytes = fmt.Sprintf("%.0f unsynced bytes at the crash in all files", b)
		if s := pl.segmentPerLoss(); !math.IsNaN(s) {
			bytes = fmt.Sprintf("%.0f unsynced bytes at the crash in log segments, %.0f in all files", s, b)
		}
	}
	return fmt.Sprintf("%s: %s acknowledged records lost per %s (%s), over %s; throughput cost %s.",
		level, perLossText(pl.perLoss(), "%.1f"), what, bytes, plural(pl.losses, "power loss"), cost)
}

// powerLossNotes says where the numbers come from and where the evidence ends.
func powerLossNotes(run *stats.Run, tc *throughputCost) []string {
	var out []string
	env := run.Index.Environment
	if env.BrokerStorage != "" {
		out = append(out, "Broker storage: "+env.BrokerStorage+". Any throughput or latency this run measured with forced flushes was measured on the simulated filesystem, which adds its own cost to every write and fsync.")
	}
	if tc == nil {
		out = append(out, "Throughput cost: not measured in this run (its points run at a fixed rate so that every level sees the same traffic). Give a flush-sweep run at rate max, preferably on plain folders: `kbench report --cost-from DIR`.")
	} else {
		out = append(out, fmt.Sprintf("Throughput cost from run %s (%s, broker storage: %s).", firstNonEmpty(tc.run.Index.RunID, tc.run.Dir),
			firstNonEmpty(tc.run.Index.Profile, "unnamed profile"), firstNonEmpty(tc.run.Index.Environment.BrokerStorage, "not recorded")))
	}
	if e := env.EligibleLeaderReplicas; e != nil {
		state := "on"
		if !*e {
			state = "off (formatted with eligible.leader.replicas.version=0)"
		}
		out = append(out, "Eligible Leader Replicas (KIP-966): "+state+".")
	}
	out = append(out, "Unsynced bytes: what the brokers' disks dropped at a power loss, summed over the brokers it took. The log segments of the point's topic are where its records live; all files adds indexes (the filesystem counts a memory-mapped index Kafka resized after a restart as rewritten whole, 10 MiB each), checkpoints, each broker's copy of the metadata log, other topics and deleted topics not yet removed.",
		"Disk fdatasync/s: small appends each followed by fdatasync, probed for a fraction of a second before the point on the real disk under the cluster folder; flush.messages=1 cannot sync faster than that.",
		powerLossCaveat,
		"All brokers ran on one host: a real power loss of several machines also loses their network and clocks at different instants; here the processes died within microseconds of each other.")
	return append(out, "Zero lost at a level means zero over these power losses at this rate, not a guarantee.")
}
