package runner

import (
	"fmt"
	"io"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/runlog"
)

// recordIn makes a run record its result files in out, as kbench's commands do: runlog writes
// them from the run's events (after any sink opts already has) and keeps the interval logs.
func recordIn(out string, opts Options) Options {
	rl := runlog.New(out)
	opts.OutDir, opts.Events, opts.IntervalLogs = out, events.Tee(opts.Events, rl), rl
	return opts
}

// messagesTo writes a run's warnings and notes to w as the CLI shows them (warnings prefixed
// "kbench: "), one line each.
func messagesTo(w io.Writer) events.Sink {
	return messageWriter{w: w}
}

type messageWriter struct {
	events.Discard
	w io.Writer
}

func (m messageWriter) Message(e events.Message) {
	if e.Warning {
		fmt.Fprintf(m.w, "kbench: %s\n", e.Text)
	} else {
		fmt.Fprintln(m.w, e.Text)
	}
}

// eventLog keeps the order of a run's events, for the tests of what the engine reports.
type eventLog struct {
	events.Discard
	seq      []string
	finished []events.PointFinished
}

func (l *eventLog) RunStarted(e events.RunStarted) error {
	l.seq = append(l.seq, fmt.Sprintf("run %d points", len(e.Points)))
	return nil
}

func (l *eventLog) PointStarted(e events.PointStarted) {
	l.seq = append(l.seq, fmt.Sprintf("start %d/%d %s", e.Index+1, e.Total, e.Point.ID))
}

func (l *eventLog) Progress(e events.Progress) {
	if n := len(l.seq); n == 0 || l.seq[n-1] != "progress" {
		l.seq = append(l.seq, "progress")
	}
}

func (l *eventLog) PointFinished(e events.PointFinished) error {
	l.seq = append(l.seq, fmt.Sprintf("finish %d/%d %s %s", e.Index+1, e.Total, e.Result.Point.ID, e.Result.Status))
	l.finished = append(l.finished, e)
	return nil
}

func (l *eventLog) RunFinished(e events.RunFinished) error {
	l.seq = append(l.seq, fmt.Sprintf("end %d results", len(e.Results)))
	return nil
}
