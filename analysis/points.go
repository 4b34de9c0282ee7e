package analysis

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kbench/kbench/stats"
)

// Point is one sweep point as the charts, the report and the analysis see it: its result when
// there is one, and whether its numbers may be used.
type Point struct {
	Index      int // position in level order (a chart's colour)
	ID         string
	Label      string // the point's label (settings)
	Level      string // the reliability level's name, what a reader sees on an axis
	Rank       int
	Status     stats.Status // StatusMissing or StatusDamaged when the file could not be read
	Reason     string       // why a point is not drawn (error, missing file)
	Result     *stats.Result
	Incomplete bool // drawn, but marked: the measured phase did not run to its end

	// Repetitions are the repetitions of a repeated point that measured (status ok), and
	// Figures each figure's median and interval across them; Result is then their summary (see
	// repeatedPoint). Nil for a point measured once.
	Repetitions []*stats.Result
	Figures     []Figure
}

// StatusMissing marks a point whose result file is missing; StatusDamaged one whose result file
// is there but cannot be read (truncated, not JSON ...).
const (
	StatusMissing stats.Status = "missing"
	StatusDamaged stats.Status = "damaged"
)

// Drawable says whether the point has numbers to use: ok or incomplete with a measured phase.
func (p Point) Drawable() bool {
	return p.Result != nil && (p.Status == stats.StatusOK || p.Status == stats.StatusIncomplete) &&
		p.Result.Metrics.MeasuredSeconds > 0
}

// EnqueueToSocket says whether the point's produce latency is only enqueue-to-socket (acks=0).
func (p Point) EnqueueToSocket() bool { return p.Result.EnqueueToSocket() }

// Points turns a run into its points, in level order.
func Points(run *stats.Run) []Point {
	var out []Point
	for i, rp := range run.Points {
		p := Point{Index: i, ID: rp.Entry.ID, Label: rp.Entry.Label, Level: rp.Entry.Level.Name,
			Rank: rp.Entry.Level.Rank, Status: rp.Entry.Status, Result: rp.Result}
		if r := rp.Result; r != nil {
			p.Status = r.Status
			if r.Point.Label != "" {
				p.Label = r.Point.Label
			}
			if r.Point.Level.Name != "" {
				p.Level = r.Point.Level.Name
			}
			p.Reason = r.Error
			if rp.Repeated() {
				repeatedPoint(&p, rp.RepetitionResults(), len(rp.Repetitions))
			}
		} else {
			p.Status = StatusMissing
			var fe *stats.FileError
			if errors.As(rp.Err, &fe) && !fe.Missing() {
				p.Status = StatusDamaged
			}
			if rp.Err != nil {
				p.Reason = rp.Err.Error()
			}
		}
		if p.Label == "" {
			p.Label = p.ID
		}
		if p.Level == "" {
			p.Level = p.Label
		}
		p.Incomplete = p.Status == stats.StatusIncomplete
		if p.Incomplete && p.Reason == "" && p.Result != nil {
			p.Reason = incompleteReason(p.Result)
		}
		out = append(out, p)
	}
	return out
}

// incompleteReason finds why an incomplete point stopped, from its notes or its verification read.
func incompleteReason(r *stats.Result) string {
	reason := ""
	for _, n := range r.Notes {
		if l := strings.ToLower(n); strings.Contains(l, "interrupt") || strings.Contains(l, "timed out") || strings.Contains(l, "stopped") {
			reason = n
		}
	}
	if a := r.Audit; reason == "" && a.VerificationRead != nil && !a.VerificationRead.Complete {
		reason = "verification read " + a.ReadSummary()
	}
	return reason
}

// Drawn returns the points that have numbers to use.
func Drawn(ps []Point) []Point {
	var out []Point
	for _, p := range ps {
		if p.Drawable() {
			out = append(out, p)
		}
	}
	return out
}

// SetsFlush says whether a point forces flushing (topic or broker flush settings).
func SetsFlush(p Point) bool {
	s := p.Result.Point.Settings
	return s.FlushMessages != nil || s.FlushMs != nil || s.BrokerFlushIntervalMessages != nil || s.BrokerFlushIntervalMs != nil
}

// FormatMs prints a latency with three significant digits.
func FormatMs(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// FormatPercent prints a relative change as a signed percentage.
func FormatPercent(ratio float64) string {
	return fmt.Sprintf("%+.1f %%", (ratio-1)*100)
}

// FormatDeltaMs prints a latency difference with its sign.
func FormatDeltaMs(d float64) string {
	if d >= 0 {
		return "+" + FormatMs(d) + " ms"
	}
	return "-" + FormatMs(-d) + " ms"
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
