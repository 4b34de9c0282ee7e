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
