package runner

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// TestSweepReportsEventsWritesNothing: a sweep reports each point's start, its progress once a
// second and its result, in order, and the engine itself leaves no result file in the results
// folder (writing them is the run's owner's, runlog's).
func TestSweepReportsEventsWritesNothing(t *testing.T) {
	bootstrap := startKfake(t)
	out := t.TempDir()
	log := &eventLog{}
	points := []profiles.Point{testPoint("a", 500, 2*time.Second, 1), testPoint("b", 500, 2*time.Second, 0)}
	// Fixed warmups, no cluster warm-up (TestClusterWarmupKfake and TestAdaptiveWarmupKfake
	// have those): the events and the empty folder are under test.
	if err := Sweep(context.Background(), points, Options{Bootstrap: bootstrap, OutDir: out, Events: log, DrainTimeout: 15 * time.Second, FixedWarmup: true}); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	want := []string{"run 2 points", "start 1/2 a", "progress", "finish 1/2 a ok", "start 2/2 b", "progress", "finish 2/2 b ok", "end 2 results"}
	if !reflect.DeepEqual(log.seq, want) {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(log.seq, "\n"), strings.Join(want, "\n"))
	}
	if len(log.finished) == 2 && log.finished[0].Result.Metrics.Acked.Records == 0 {
		t.Errorf("point a finished with no acked records: %+v", log.finished[0].Result.Metrics)
	}
	left, err := os.ReadDir(out)
	if err != nil || len(left) != 0 {
		t.Errorf("results folder holds %v (%v): the engine must write no file there", left, err)
	}
}

// TestRunPointResultFromEvent: RunPoint returns the result its point-finished event carried (not
// a copy re-read from a file: none is written without a recorder), also through a failed sink.
func TestRunPointResultFromEvent(t *testing.T) {
	bootstrap := startKfake(t)
	log := &eventLog{}
	res, err := RunPoint(context.Background(), testPoint("one", 500, time.Second, 1), Options{Bootstrap: bootstrap, OutDir: t.TempDir(), Events: log, DrainTimeout: 15 * time.Second, FixedWarmup: true})
	if err != nil || res == nil || res.Status != stats.StatusOK {
		t.Fatalf("RunPoint: %v %+v", err, res)
	}
	if len(log.finished) != 1 || log.finished[0].Result != res {
		t.Errorf("RunPoint returned %p, the event carried %v", res, log.finished)
	}
}

// failingSink fails to record each point.
type failingSink struct{ eventLog }

func (f *failingSink) PointFinished(e events.PointFinished) error {
	_ = f.eventLog.PointFinished(e)
	return errors.New("disk full")
}

// TestSweepStopsWhenResultNotRecorded: when the owner cannot record a point's result, the sweep
// stops with that error instead of measuring on without a record.
func TestSweepStopsWhenResultNotRecorded(t *testing.T) {
	bootstrap := startKfake(t)
	f := &failingSink{}
	points := []profiles.Point{testPoint("a", 500, time.Second, 0), testPoint("b", 500, time.Second, 0)}
	err := Sweep(context.Background(), points, Options{Bootstrap: bootstrap, OutDir: t.TempDir(), Events: f, DrainTimeout: 15 * time.Second, FixedWarmup: true})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Sweep: %v, want the sink's error", err)
	}
	if len(f.finished) != 1 {
		t.Errorf("%d points finished, want the sweep stopped after the first", len(f.finished))
	}
}
