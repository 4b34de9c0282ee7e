// Package runlog records a run in its results folder as the run's events arrive: index.json when
// the run starts, each point's result file when its point finishes (and the index rewritten after
// it), the end time at the end, and each point's HdrHistogram interval log. Every write is stats'
// (atomic for the result files and the index), so an interrupted sweep keeps every point that
// finished. It is the run's owner's, not the measuring engine's: kbench's commands give one to
// runner.Sweep as its events sink and interval-log store.
package runlog

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/stats"
)

// Dir writes one run's result files into a results folder. It is an events.Sink and an
// events.IntervalLogs; Message and Progress it leaves to others.
type Dir struct {
	dir string
	idx *stats.Index
}

// New records a run in dir (created on the first write).
func New(dir string) *Dir {
	return &Dir{dir: dir}
}

var (
	_ events.Sink         = (*Dir)(nil)
	_ events.IntervalLogs = (*Dir)(nil)
)

// RunStarted writes the index of a run with no points yet.
func (d *Dir) RunStarted(e events.RunStarted) error {
	d.idx = &stats.Index{
		RunID: e.RunID, Profile: e.Profile, ProfileYAML: e.ProfileYAML,
		Environment: e.Environment, Start: e.Start, ClusterWarmup: e.ClusterWarmup,
	}
	if e.Repeat > 1 {
		seed := e.OrderSeed
		d.idx.Repeat, d.idx.OrderSeed = e.Repeat, &seed
		for i, ids := range e.Rounds {
			d.idx.Rounds = append(d.idx.Rounds, stats.IndexRound{Round: i + 1, Points: ids})
		}
	}
	return stats.WriteIndex(d.dir, d.idx)
}

// PointStarted writes nothing: a point is in the index once its result file is.
func (d *Dir) PointStarted(events.PointStarted) {}

// Progress writes nothing.
func (d *Dir) Progress(events.Progress) {}

// Message writes nothing: the result records its own notes.
func (d *Dir) Message(events.Message) {}

// PointFinished writes the point's result file, then the index listing it.
func (d *Dir) PointFinished(e events.PointFinished) error {
	res := e.Result
	if res == nil {
		return fmt.Errorf("write result of point %d: no result", e.Index+1)
	}
	if err := stats.WriteResult(d.dir, res); err != nil {
		return err
	}
	if d.idx == nil {
		return fmt.Errorf("write index: point %q finished before the run started", res.Point.ID)
	}
	p := res.Point
	if res.Repetition != nil {
		d.addRepetition(res)
		return stats.WriteIndex(d.dir, d.idx)
	}
	d.idx.Points = append(d.idx.Points, stats.IndexPoint{
		ID: p.ID, Label: p.Label, Level: p.Level, Status: res.Status, File: stats.PointFile(p.ID),
	})
	return stats.WriteIndex(d.dir, d.idx)
}

// addRepetition lists a repetition's file under its point's index entry (made at its first
// repetition): the entry's File is the first listed repetition's, its Status the worst so far.
func (d *Dir) addRepetition(res *stats.Result) {
	p := res.Point
	i := slices.IndexFunc(d.idx.Points, func(e stats.IndexPoint) bool { return e.ID == p.ID })
	if i < 0 {
		d.idx.Points = append(d.idx.Points, stats.IndexPoint{ID: p.ID, Label: p.Label, Level: p.Level,
			Status: res.Status, File: stats.ResultFile(res)})
		i = len(d.idx.Points) - 1
	}
	e := &d.idx.Points[i]
	e.Repetitions = append(e.Repetitions, stats.IndexRepetition{Number: res.Repetition.Number,
		Round: res.Repetition.Round, Status: res.Status, File: stats.ResultFile(res)})
	slices.SortFunc(e.Repetitions, func(a, b stats.IndexRepetition) int { return a.Number - b.Number })
	e.File = e.Repetitions[0].File
	e.Status = worse(e.Status, res.Status)
}

// worse is the worse of two statuses: failed, then incomplete, then ok.
func worse(a, b stats.Status) stats.Status {
	rank := map[stats.Status]int{stats.StatusOK: 0, stats.StatusIncomplete: 1, stats.StatusFailed: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// RunFinished writes the index with the run's end time.
func (d *Dir) RunFinished(e events.RunFinished) error {
	if d.idx == nil {
		return nil
	}
	d.idx.End = e.End
	return stats.WriteIndex(d.dir, d.idx)
}

// Create starts points/<id>.hlog.
func (d *Dir) Create(pointID string, start time.Time, comment string) (*stats.IntervalLog, error) {
	return stats.CreateIntervalLog(d.path(stats.PointLogFile(pointID)), start, comment)
}

// Name is the results-relative name of point pointID's interval log, "" when it was not written.
func (d *Dir) Name(pointID string) string {
	name := stats.PointLogFile(pointID)
	if _, err := os.Stat(d.path(name)); err != nil {
		return ""
	}
	return name
}

// Adopt copies the interval log name to point pointID's own name, where readers of the results
// folder look for it; name's copy stays.
func (d *Dir) Adopt(name, pointID string) error {
	data, err := os.ReadFile(d.path(name))
	if err == nil {
		err = os.WriteFile(d.path(stats.PointLogFile(pointID)), data, 0o644)
	}
	return err
}

func (d *Dir) path(name string) string {
	return filepath.Join(d.dir, filepath.FromSlash(name))
}
