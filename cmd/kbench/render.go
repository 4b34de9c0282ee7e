package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/runner"
	"github.com/kbench/kbench/stats"
)

// screen renders a run's events for the user on stderr: a line when a point starts and ends, one
// progress line per second (rewritten in place on a terminal, plain lines otherwise), warnings
// prefixed "kbench: ", the search's notes, and the summary tables at the end. With --quiet there
// is no screen.
type screen struct {
	mu     sync.Mutex // Message may come from another goroutine than the sweep's
	w      io.Writer
	tty    bool
	points []profiles.Point // as the run runs them, for the ETA
}

var _ events.Sink = (*screen)(nil)

func newScreen(w io.Writer, tty bool) *screen {
	return &screen{w: w, tty: tty}
}

// RunStarted keeps the points for the ETA.
func (p *screen) RunStarted(e events.RunStarted) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.points = e.Points
	if len(e.Order) > 0 {
		p.points = e.Order // the measurements in the order they run, each repetition once
	}
	return nil
}

// PointStarted prints "[i/n] label: started" (not on a terminal, whose progress line says it).
func (p *screen) PointStarted(e events.PointStarted) {
	if p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%d/%d] %s%s: started\n", e.Index+1, e.Total, e.Point.Label, repetitionText(e.Repetition))
}

// Progress prints the progress line of the running point, with an ETA for the whole run.
func (p *screen) Progress(s events.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	eta := s.Duration - s.Elapsed + runner.PointOverhead
	if len(p.points) == s.Total {
		for _, q := range p.points[s.Index+1:] {
			eta += q.Workload.Warmup + q.Workload.Duration + runner.PointOverhead
		}
	}
	line := fmt.Sprintf("[%d/%d] %s | %s/%s | %.0f msg/s | p99 %.2f ms | errors %d | lag %d | ETA %s",
		s.Index+1, s.Total, s.Point.Label+repetitionText(s.Repetition), s.Elapsed.Round(time.Second), s.Duration,
		s.AckedPerSecond, s.ProduceP99Ms, s.Errors, s.Lag, eta.Round(time.Second))
	if s.Workers > 0 {
		line += fmt.Sprintf(" | workers %d/%d alive", s.WorkersAlive, s.Workers)
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// PointFinished prints the point's status and headline numbers.
func (p *screen) PointFinished(e events.PointFinished) error {
	res := e.Result
	if res == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	label := res.Point.Label
	if r := res.Repetition; r != nil {
		label += repetitionText(r.Number)
	}
	msg := fmt.Sprintf("[%d/%d] %s: %s", e.Index+1, e.Total, label, res.Status)
	if c := res.ClientSummary(); c != "" {
		msg += " (" + c + ")"
	}
	if res.Status == stats.StatusOK || res.Status == stats.StatusIncomplete {
		msg += fmt.Sprintf(", %.0f msg/s acked, produce p99 %.2f ms, lost %s", res.Metrics.Acked.RecordsPerSecond, res.Metrics.ProduceLatency.P99Ms, res.Audit.LostText())
		if v := res.Audit.VerificationRead; v != nil && !v.Complete {
			msg += " (verification read " + res.Audit.ReadSummary() + ")"
		}
	}
	if res.Error != "" {
		msg += ": " + res.Error
	}
	fmt.Fprintln(p.w, msg)
	return nil
}

// Message prints a warning ("kbench: ...") or a note.
func (p *screen) Message(m events.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.Warning {
		fmt.Fprintf(p.w, "kbench: %s\n", m.Text)
	} else {
		fmt.Fprintln(p.w, m.Text)
	}
}

// RunFinished prints the summary tables of the finished points.
func (p *screen) RunFinished(e events.RunFinished) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w)
	if err := stats.WriteSummaryTable(p.w, e.Results); err != nil {
		return err
	}
	writeRepetitionSummary(p.w, e.Results)
	return stats.WriteSearchSummary(p.w, e.Results)
}

// repetitionText is " (repetition n)" after a repeated point's label; "" for a point measured once.
func repetitionText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (repetition %d)", n)
}
