package plots

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// repetitionsSection is the report's account of a run with repetitions: how they ran (rounds,
// seed), each level's figures as median [95 % interval], which neighbouring levels differ by
// more than their noise, and every repetition's own numbers. ok is false for a run without
// repetitions.
func repetitionsSection(run *stats.Run, all []point) (section, bool) {
	var rep []point
	for _, p := range all {
		if p.Drawable() && p.Repeated() {
			rep = append(rep, p)
		}
	}
	if len(rep) == 0 {
		return section{}, false
	}
	s := section{heading: "Repetitions and confidence intervals"}
	s.blocks = append(s.blocks, para("%s", repetitionsIntro(run.Index)))
	s.blocks = append(s.blocks, figuresTable(rep))
	if lines := neighbourDifferences(rep); len(lines) > 0 {
		s.blocks = append(s.blocks, para("Neighbouring levels, throughput and produce p99:"), block{kind: "list", items: lines})
	}
	s.blocks = append(s.blocks, repetitionRows(run, rep))
	return s, true
}

func repetitionsIntro(idx stats.Index) string {
	s := fmt.Sprintf("Every point was to be measured %d times, in %d rounds: each round measures every point once, in its own shuffled order, so a drift of the machine during the run moves every point alike.", idx.Repeat, len(idx.Rounds))
	if idx.OrderSeed != nil {
		s += fmt.Sprintf(" The order came from seed %d (`--seed %d` runs it again).", *idx.OrderSeed, *idx.OrderSeed)
	}
	return s + " Each figure is the median of the repetitions, with the 95 % confidence interval of their mean in brackets (Student t with N−1 degrees of freedom: mean ± t·s/√N). Two levels are compared round by round: their ratio in each round (what drifted in that round cancels), and the 95 % interval of its geometric mean over the rounds; they are " +
		analysis.NotDistinguishable + " in a figure when that interval holds no change: the difference is within what the rounds vary by. Loss and duplicate counts here are per repetition; the durability audit below adds them up over all repetitions."
}

// figureColumns are the figures the report's interval table shows.
var figureColumns = []struct {
	key, header string
	format      func(float64) string
}{
	{"acked_per_second", "acked msgs/s", analysis.FormatRate},
	{"acked_mb_per_second", "acked MB/s", analysis.FormatMBps},
	{"produce_p50_ms", "produce p50 ms", analysis.FormatMs},
	{"produce_p99_ms", "produce p99 ms", analysis.FormatMs},
	{"produce_p999_ms", "produce p99.9 ms", analysis.FormatMs},
	{"end_to_end_p99_ms", "e2e p99 ms", analysis.FormatMs},
	{"lost", "lost", analysis.FormatCount},
	{"duplicates", "duplicates", analysis.FormatCount},
}

func figuresTable(ps []point) block {
	header := []string{"level", "N"}
	right := []bool{false, true}
	for _, c := range figureColumns {
		header, right = append(header, c.header), append(right, true)
	}
	var rows [][]string
	for _, p := range ps {
		row := []string{p.Level, strconv.Itoa(len(p.Repetitions))}
		for _, c := range figureColumns {
			cell := "-"
			if e, ok := p.Figure(c.key); ok {
				cell = analysis.FormatEstimate(e, c.format)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return block{kind: "table", header: header, right: right, rows: rows}
}

// neighbourFigure is a figure the neighbouring-level list compares.
type neighbourFigure struct {
	key, what, unit string
	format          func(float64) string
}

var (
	neighbourThroughput = neighbourFigure{"acked_mb_per_second", "throughput", "MB/s", analysis.FormatMBps}
	neighbourP99        = neighbourFigure{"produce_p99_ms", "produce p99", "ms", analysis.FormatMs}
)

// neighbourDifferences compares each level with the next in level order: a difference in per
// cent (round by round, with its interval, when the two pair) where it is more than the noise,
// "not distinguishable" where it is not (analysis.Difference). In a run with fixed-load points,
// throughput is compared among the saturation points and produce p99 among the fixed-load ones,
// never a level's saturation point with its own fixed-load point.
func neighbourDifferences(ps []point) []string {
	if !analysis.HasFixedLoad(ps) {
		return neighbourLines(ps, "", neighbourThroughput, neighbourP99)
	}
	return append(neighbourLines(analysis.SaturationPoints(ps), "", neighbourThroughput),
		neighbourLines(analysis.LatencyPoints(ps), " at the fixed load", neighbourP99)...)
}

// neighbourLines is one line per neighbouring pair of ps, comparing figures fs.
func neighbourLines(ps []point, where string, fs ...neighbourFigure) []string {
	var out []string
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		var parts []string
		for _, f := range fs {
			if part, ok := neighbourPart(a, b, f); ok {
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("%s against %s%s: %s.", b.Level, a.Level, where, strings.Join(parts, "; ")))
		}
	}
	return out
}

// neighbourPart is how b differs from a in figure f; ok false when either lacks it.
func neighbourPart(a, b point, f neighbourFigure) (string, bool) {
	ea, okA := a.Figure(f.key)
	eb, okB := b.Figure(f.key)
	if !okA || !okB {
		return "", false
	}
	medians := "median " + f.format(eb.Median) + " vs " + f.format(ea.Median) + " " + f.unit
	switch j, _ := analysis.Judge(b, a, f.key); {
	case j.Paired && !j.Distinct:
		return fmt.Sprintf("%s %s (round by round %s)", f.what, analysis.NotDistinguishable, analysis.FormatRatio(j.Ratio)), true
	case !j.Distinct:
		return fmt.Sprintf("%s %s", f.what, analysis.NotDistinguishable), true
	case j.Paired:
		return fmt.Sprintf("%s %s round by round (%s)", f.what, analysis.FormatRatio(j.Ratio), medians), true
	}
	return fmt.Sprintf("%s %s (%s)", f.what, analysis.FormatPercent(eb.Median/ea.Median), medians), true
}

// repetitionRows lists every repetition of the repeated points, as measured.
func repetitionRows(run *stats.Run, ps []point) block {
	want := map[string]bool{}
	for _, p := range ps {
		want[p.ID] = true
	}
	var rows [][]string
	for _, rp := range run.Points {
		if !want[rp.Entry.ID] {
			continue
		}
		for _, rr := range rp.Repetitions {
			r := rr.Result
			level := firstNonEmpty(rp.Entry.Level.Name, rp.Entry.ID)
			if r != nil && r.FixedLoad != nil {
				level += " @ fixed load"
			}
			row := []string{level, strconv.Itoa(rr.Entry.Number), strconv.Itoa(rr.Entry.Round)}
			if r == nil {
				rows = append(rows, append(row, "-", "-", "-", "-", "file not read"))
				continue
			}
			pos := "-"
			if r.Repetition != nil && r.Repetition.PositionInRound > 0 {
				pos = strconv.Itoa(r.Repetition.PositionInRound)
			}
			rows = append(rows, append(row, pos, analysis.FormatRate(r.Metrics.Acked.RecordsPerSecond),
				latencyOrDash(r.Metrics.ProduceLatency), hostCPUText(r.Metrics.HostCPU), r.Audit.LostText(), string(r.Status)))
		}
	}
	return block{kind: "table", header: []string{"level", "repetition", "round", "place in round", "acked msgs/s", "produce p99 ms", "machine CPU % user / kernel / steal / idle", "lost", "status"},
		right: []bool{false, true, true, true, true, true, true, true, false}, rows: rows}
}

// hostCPUText is the split of the machine's cores over a repetition's measured phase, in per
// cent: where the time went when a repetition ran slower than its neighbours.
func hostCPUText(h *stats.HostCPU) string {
	if h == nil {
		return "-"
	}
	pc := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 0, 64) }
	return pc(h.User) + " / " + pc(h.Kernel) + " / " + pc(h.Steal) + " / " + pc(h.Idle)
}

func latencyOrDash(s stats.LatencySummary) string {
	if s.Count == 0 {
		return "-"
	}
	return analysis.FormatMs(s.P99Ms)
}
