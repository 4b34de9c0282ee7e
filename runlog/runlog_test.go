package runlog

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

func point(id string) profiles.Point {
	return profiles.Point{ID: id, Label: "label " + id, Level: profiles.ReliabilityLevel{Rank: 1, Name: "test"}}
}

// TestDirKeepsFinishedPoints: the index exists from the run's start, each finished point's result
// file is on disk and listed before the next point starts, so a sweep stopped before its end
// (no RunFinished) keeps exactly the points that finished; RunFinished adds the end time.
func TestDirKeepsFinishedPoints(t *testing.T) {
	out := t.TempDir()
	d := New(out)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := d.RunStarted(events.RunStarted{RunID: "r1", Profile: "p", ProfileYAML: "name: p\n", Start: start}); err != nil {
		t.Fatal(err)
	}
	idx, err := stats.ReadIndex(out)
	if err != nil || idx.RunID != "r1" || idx.Profile != "p" || idx.ProfileYAML != "name: p\n" || len(idx.Points) != 0 || !idx.Start.Equal(start) {
		t.Fatalf("index after start: %v %+v", err, idx)
	}
	for i, id := range []string{"a", "b"} {
		res := &stats.Result{RunID: "r1", Point: point(id), Status: stats.StatusOK}
		if i == 1 {
			res.Status, res.Error = stats.StatusIncomplete, "interrupted"
		}
		if err := d.PointFinished(events.PointFinished{Index: i, Total: 3, Result: res}); err != nil {
			t.Fatal(err)
		}
		idx, err := stats.ReadIndex(out)
		if err != nil || len(idx.Points) != i+1 || idx.Points[i].ID != id || idx.Points[i].Status != res.Status || idx.Points[i].File != stats.PointFile(id) {
			t.Fatalf("index after point %s: %v %+v", id, err, idx)
		}
		back, err := stats.ReadResult(filepath.Join(out, filepath.FromSlash(stats.PointFile(id))))
		if err != nil || back.Point.ID != id || back.Status != res.Status || back.Error != res.Error {
			t.Fatalf("result of %s: %v %+v", id, err, back)
		}
	}
	if idx, _ := stats.ReadIndex(out); !idx.End.IsZero() {
		t.Errorf("end %s before the run finished", idx.End)
	}
	end := start.Add(time.Minute)
	if err := d.RunFinished(events.RunFinished{End: end}); err != nil {
		t.Fatal(err)
	}
	if idx, err := stats.ReadIndex(out); err != nil || !idx.End.Equal(end) || len(idx.Points) != 2 {
		t.Errorf("index after the end: %v %+v", err, idx)
	}
}

// TestDirRefusesResultWithoutRun: a result without a run (or without a result) is an error, not a
// silent index with a missing point.
func TestDirRefusesResultWithoutRun(t *testing.T) {
	d := New(t.TempDir())
	if err := d.PointFinished(events.PointFinished{Result: &stats.Result{Point: point("a")}}); err == nil {
		t.Error("a point finished before the run started: want an error")
	}
	if err := d.PointFinished(events.PointFinished{}); err == nil {
		t.Error("no result: want an error")
	}
}

// TestDirIntervalLogs: a log is named only once written, and adopting copies it to the point's
// own name, keeping the original.
func TestDirIntervalLogs(t *testing.T) {
	out := t.TempDir()
	d := New(out)
	if n := d.Name("x-trial-01"); n != "" {
		t.Errorf("name of an unwritten log: %q", n)
	}
	start := time.Now()
	l, err := d.Create("x-trial-01", start, "kbench point x")
	if err != nil {
		t.Fatal(err)
	}
	h := stats.NewHistogram()
	h.Record(1500 * time.Microsecond)
	if err := l.Write(stats.HistProduce, start, start.Add(time.Second), h); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	name := d.Name("x-trial-01")
	if name != stats.PointLogFile("x-trial-01") {
		t.Fatalf("name %q, want %q", name, stats.PointLogFile("x-trial-01"))
	}
	if err := d.Adopt(name, "x"); err != nil {
		t.Fatal(err)
	}
	a, errA := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
	b, errB := os.ReadFile(filepath.Join(out, filepath.FromSlash(stats.PointLogFile("x"))))
	if errA != nil || errB != nil || len(a) == 0 || string(a) != string(b) {
		t.Errorf("adopted log differs or is missing: %v %v (%d, %d bytes)", errA, errB, len(a), len(b))
	}
}

// TestDirRepetitions: the repetitions of a point are each written to their own file and listed
// under the point's one index entry (in repetition order, the worst status on the entry); the
// index records repeat, seed and rounds, and reads back as a repeated point.
func TestDirRepetitions(t *testing.T) {
	out := t.TempDir()
	d := New(out)
	if err := d.RunStarted(events.RunStarted{RunID: "r", Repeat: 2, OrderSeed: 5, Rounds: [][]string{{"a", "b"}, {"b", "a"}}}); err != nil {
		t.Fatal(err)
	}
	for i, m := range []struct {
		id     string
		n      int
		status stats.Status
	}{{"a", 1, stats.StatusOK}, {"b", 1, stats.StatusOK}, {"b", 2, stats.StatusIncomplete}, {"a", 2, stats.StatusOK}} {
		res := &stats.Result{RunID: "r", Point: point(m.id), Status: m.status, Repetition: &stats.Repetition{Number: m.n, Of: 2, Round: m.n}}
		if err := d.PointFinished(events.PointFinished{Index: i, Total: 4, Result: res}); err != nil {
			t.Fatal(err)
		}
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	if run.Index.Repeat != 2 || *run.Index.OrderSeed != 5 || len(run.Index.Rounds) != 2 || run.Index.Rounds[1].Points[0] != "b" || len(run.Points) != 2 {
		t.Fatalf("index %+v", run.Index)
	}
	for _, p := range run.Points {
		reps := p.RepetitionResults()
		if len(reps) != 2 || reps[0].Repetition.Number != 1 || reps[1].Repetition.Number != 2 || p.Entry.File != stats.RepetitionFile(p.Entry.ID, 1) {
			t.Errorf("point %s: %d repetitions, file %s", p.Entry.ID, len(reps), p.Entry.File)
		}
	}
	if run.Points[0].Entry.Status != stats.StatusOK || run.Points[1].Entry.Status != stats.StatusIncomplete {
		t.Errorf("statuses %s %s, want ok and incomplete (the worst repetition's)", run.Points[0].Entry.Status, run.Points[1].Entry.Status)
	}
}
