// Package events is what a kbench run reports while it runs: the run started, a point started,
// once a second how the point is doing, the point finished with its result, and the warnings and
// notes a user should see. The measuring engine (package runner) only sends them; whoever owns the
// run decides what they become: the CLI renders them on stderr (the progress line, the summary
// table) and package runlog writes the result files as they arrive.
//
// It is a package of its own, apart from the engine and from both receivers, so that a receiver
// (runlog) does not depend on the engine and the engine's tests can use it.
package events

import (
	"errors"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// Sink receives a run's events. The engine calls RunStarted, PointStarted, Progress,
// PointFinished and RunFinished in that order from the goroutine that runs the sweep, never two at
// once; Message may also come from another goroutine (a lease renewal), so a Sink that writes it
// where the others go serialises it.
//
// An error from RunStarted, PointFinished or RunFinished (the results could not be recorded)
// stops the sweep with that error: measuring on without a record of it would waste the cluster's
// time.
type Sink interface {
	RunStarted(RunStarted) error
	PointStarted(PointStarted)
	Progress(Progress)
	PointFinished(PointFinished) error
	Message(Message)
	RunFinished(RunFinished) error
}

// RunStarted says a sweep passed its checks and starts its first point.
type RunStarted struct {
	RunID string
	// Profile is the profile's name and ProfileYAML its text with secrets redacted.
	Profile, ProfileYAML string
	Environment          stats.Environment
	Start                time.Time
	// Points are the points as they will run (the flusher interval for the local cluster added).
	Points []profiles.Point

	// Repeat is how many times each point is measured (0 or 1: once, in level order). With
	// repetitions, Order is every measurement in the order it will run (each point once per
	// round, rounds shuffled by OrderSeed) and Rounds each round's point ids; PointStarted's
	// Index and Total count these measurements.
	Repeat    int
	OrderSeed uint64
	Order     []profiles.Point
	Rounds    [][]string
	// ClusterWarmup is how the load before the first point went (nil: none recorded).
	ClusterWarmup *stats.ClusterWarmup
}

// PointStarted says point Index (0-based) of Total starts.
type PointStarted struct {
	Index, Total int
	Point        profiles.Point
	Repetition   int // 1..Repeat for a repeated point's measurement; 0: the point's only one
}

// Progress is one second of the measured phase of point Index of Total (for a capacity search,
// of its current trial).
type Progress struct {
	Index, Total      int
	Point             profiles.Point
	Repetition        int // as in PointStarted
	Elapsed, Duration time.Duration
	AckedPerSecond    float64
	ProduceP99Ms      float64
	Errors            int64
	Lag               int64
	// Workers and WorkersAlive: a point measured by kbench workers, from their heartbeats
	// (0: one process).
	Workers, WorkersAlive int
}

// PointFinished carries a point's result: always set, also when the point failed or was
// interrupted (its Status and Error say so); Err is the error the point ended with.
type PointFinished struct {
	Index, Total int
	Result       *stats.Result
	Err          error
}

// Message is a line for the user: a Warning (something is not as it should be; the CLI prefixes
// "kbench: ") or a note of what the run does (a capacity search's budget and trials).
type Message struct {
	Warning bool
	Text    string
}

// RunFinished says the sweep ended (all points, a failed point with fail-fast, or Ctrl-C):
// Results are the finished points' results in order.
type RunFinished struct {
	End     time.Time
	Results []*stats.Result
}

// IntervalLogs keeps each point's per-second latency histograms as an HdrHistogram interval log.
// The run's owner gives it to the engine, which writes each log as its point's histograms are
// merged (the file format is stats'); a capacity search keeps each trial's log and makes the
// confirmation trial's also the point's.
type IntervalLogs interface {
	// Create starts the interval log of point pointID; the engine writes it and closes it.
	Create(pointID string, start time.Time, comment string) (*stats.IntervalLog, error)
	// Name is how a result refers to the interval log of point pointID ("" when there is none).
	Name(pointID string) string
	// Adopt makes the log Name returned also the log of point pointID.
	Adopt(name, pointID string) error
}

// Discard is a Sink that drops every event.
type Discard struct{}

func (Discard) RunStarted(RunStarted) error       { return nil }
func (Discard) PointStarted(PointStarted)         {}
func (Discard) Progress(Progress)                 {}
func (Discard) PointFinished(PointFinished) error { return nil }
func (Discard) Message(Message)                   {}
func (Discard) RunFinished(RunFinished) error     { return nil }

// Tee delivers every event to each sink in order (nil ones left out), so the result files and the
// screen both see it; the errors of all sinks are joined.
func Tee(sinks ...Sink) Sink {
	var t tee
	for _, s := range sinks {
		if s != nil {
			t = append(t, s)
		}
	}
	return t
}

type tee []Sink

func (t tee) RunStarted(e RunStarted) error {
	return t.each(func(s Sink) error { return s.RunStarted(e) })
}

func (t tee) PointStarted(e PointStarted) {
	_ = t.each(func(s Sink) error { s.PointStarted(e); return nil })
}

func (t tee) Progress(e Progress) {
	_ = t.each(func(s Sink) error { s.Progress(e); return nil })
}

func (t tee) PointFinished(e PointFinished) error {
	return t.each(func(s Sink) error { return s.PointFinished(e) })
}

func (t tee) Message(e Message) {
	_ = t.each(func(s Sink) error { s.Message(e); return nil })
}

func (t tee) RunFinished(e RunFinished) error {
	return t.each(func(s Sink) error { return s.RunFinished(e) })
}

func (t tee) each(f func(Sink) error) error {
	var errs []error
	for _, s := range t {
		if err := f(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
