package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

func renderPoints() []profiles.Point {
	w := profiles.Workload{Warmup: time.Second, Duration: 2 * time.Second}
	return []profiles.Point{{ID: "a", Label: "acks=1", Workload: w}, {ID: "b", Label: "acks=all", Workload: w}}
}

// renderRun sends one point's events to a screen, as a sweep would, and returns what it printed.
func renderRun(t *testing.T, tty bool) string {
	t.Helper()
	var b bytes.Buffer
	s := newScreen(&b, tty)
	pts := renderPoints()
	if err := s.RunStarted(events.RunStarted{Points: pts}); err != nil {
		t.Fatal(err)
	}
	s.PointStarted(events.PointStarted{Index: 0, Total: 2, Point: pts[0]})
	s.Progress(events.Progress{Index: 0, Total: 2, Point: pts[0], Elapsed: time.Second, Duration: 2 * time.Second,
		AckedPerSecond: 1000.4, ProduceP99Ms: 1.5, Errors: 2, Lag: 3})
	s.Message(events.Message{Warning: true, Text: "careful"})
	s.Message(events.Message{Text: "  trial 1/6 (probe) 1000 msgs/s: pass"})
	lost := int64(0)
	res := &stats.Result{Point: pts[0], Status: stats.StatusOK}
	res.Metrics.Acked.RecordsPerSecond, res.Metrics.ProduceLatency.P99Ms = 999.6, 1.25
	res.Audit.Lost, res.Audit.VerificationRead = &lost, &stats.VerificationRead{Complete: true}
	if err := s.PointFinished(events.PointFinished{Index: 0, Total: 2, Result: res}); err != nil {
		t.Fatal(err)
	}
	failed := &stats.Result{Point: pts[1], Status: stats.StatusFailed, Error: "create topic: timed out"}
	if err := s.PointFinished(events.PointFinished{Index: 1, Total: 2, Result: failed}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestScreenPlainLines: off a terminal every event is one plain line, as the runner printed them
// before it reported through events (same text, byte for byte); the ETA counts the rest of this
// point and the next point's warmup, duration and setup.
func TestScreenPlainLines(t *testing.T) {
	want := "[1/2] acks=1: started\n" +
		"[1/2] acks=1 | 1s/2s | 1000 msg/s | p99 1.50 ms | errors 2 | lag 3 | ETA 14s\n" +
		"kbench: careful\n" +
		"  trial 1/6 (probe) 1000 msgs/s: pass\n" +
		"[1/2] acks=1: ok (librdkafka), 1000 msg/s acked, produce p99 1.25 ms, lost 0\n" +
		"[2/2] acks=all: failed: create topic: timed out\n"
	if got := renderRun(t, false); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestScreenTerminal: on a terminal the progress line is rewritten in place (no newline, no
// "started" line) and cleared before the point's end line.
func TestScreenTerminal(t *testing.T) {
	want := "\r\033[K[1/2] acks=1 | 1s/2s | 1000 msg/s | p99 1.50 ms | errors 2 | lag 3 | ETA 14s" +
		"kbench: careful\n" +
		"  trial 1/6 (probe) 1000 msgs/s: pass\n" +
		"\r\033[K[1/2] acks=1: ok (librdkafka), 1000 msg/s acked, produce p99 1.25 ms, lost 0\n" +
		"\r\033[K[2/2] acks=all: failed: create topic: timed out\n"
	if got := renderRun(t, true); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestScreenSummary: the end of the run prints a blank line and the summary table of the
// finished points, as stats writes it.
func TestScreenSummary(t *testing.T) {
	pts := renderPoints()
	results := []*stats.Result{{Point: pts[0], Status: stats.StatusOK}, {Point: pts[1], Status: stats.StatusFailed}}
	var want bytes.Buffer
	want.WriteString("\n")
	if err := stats.WriteSummaryTable(&want, results); err != nil {
		t.Fatal(err)
	}
	if err := stats.WriteSearchSummary(&want, results); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := newScreen(&b, false).RunFinished(events.RunFinished{Results: results}); err != nil {
		t.Fatal(err)
	}
	if b.String() != want.String() || !strings.Contains(b.String(), "acks=all") {
		t.Errorf("summary\n%s\nwant\n%s", b.String(), want.String())
	}
}

// TestScreenForQuiet: --quiet renders nothing (no screen in the run's sinks).
func TestScreenForQuiet(t *testing.T) {
	if s := screenFor(true); s != nil {
		t.Errorf("quiet run has screen %T", s)
	}
}

// TestScreenRepetitionSummary: after a run with repetitions the screen lists each repetition
// (labelled #n/N) and then each point's median [interval] over its repetitions.
func TestScreenRepetitionSummary(t *testing.T) {
	pts := renderPoints()
	var results []*stats.Result
	for n, rate := range []float64{1000, 1100, 900} {
		r := &stats.Result{Point: pts[0], Status: stats.StatusOK, Repetition: &stats.Repetition{Number: n + 1, Of: 3, Round: n + 1}}
		r.Metrics.MeasuredSeconds, r.Metrics.Acked.RecordsPerSecond = 10, rate
		results = append(results, r)
	}
	var b bytes.Buffer
	if err := newScreen(&b, false).RunFinished(events.RunFinished{Results: results}); err != nil {
		t.Fatal(err)
	}
	// mean 1000, sd 100: 1000 ± 4.303 * 100 / sqrt(3) = [752, 1248]
	for _, want := range []string{pts[0].Label + " #2/3", "median [95 % confidence interval]", "1000 [752–1248]"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
