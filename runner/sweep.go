package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
	"github.com/kbench/kbench/stats"
)

// ErrBadPoints says the points cannot run on this cluster (a replication factor above its broker
// count, ...): the profile must change, not the cluster.
var ErrBadPoints = safety.ErrBadPoints

// ErrPointsFailed says that some points of a sweep failed; their result files say why.
var ErrPointsFailed = errors.New("points failed")

// Sweep runs every point in order (the profile's level order), reporting each point's start,
// progress and result to opts.Events as it goes (the run's owner writes the result files from
// them, so an interrupted sweep keeps what finished). A failed point is recorded and the sweep
// goes on, unless FailFast. After Ctrl-C (ctx done) the current point is reported as incomplete,
// cleanup runs, and Sweep returns an error wrapping ErrInterrupted. An unreachable cluster fails
// within seconds with ErrUnreachable. An error of the events sink (a result not recorded) stops
// the sweep with that error.
func Sweep(ctx context.Context, points []profiles.Point, opts Options) (err error) {
	if opts.OutDir == "" {
		return errors.New("sweep: no output folder")
	}
	if len(points) == 0 {
		return errors.New("sweep: the profile has no points")
	}
	s, err := newSession(opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	if points, err = s.prepare(ctx, points); err != nil {
		return err
	}
	if opts.Fleet != nil {
		stop, err := s.startFleet(ctx, *opts.Fleet, points)
		if err != nil {
			return err
		}
		defer stop()
	}
	ev := opts.events()
	if err := ev.RunStarted(events.RunStarted{
		RunID: s.runID, Profile: opts.Profile, ProfileYAML: redactYAML(opts.ProfileYAML),
		Environment: s.env, Start: time.Now(), Points: points,
	}); err != nil {
		return err
	}
	var results []*stats.Result
	failed := 0
	stopped := ""
	for i, p := range points {
		if ctx.Err() != nil {
			break
		}
		ev.PointStarted(events.PointStarted{Index: i, Total: len(points), Point: p})
		res, perr := s.measure(ctx, p, progressTo(ev, i, points))
		results = append(results, res)
		if werr := ev.PointFinished(events.PointFinished{Index: i, Total: len(points), Result: res, Err: perr}); werr != nil {
			return werr
		}
		if ctx.Err() != nil {
			break
		}
		if perr != nil {
			failed++
			if opts.FailFast {
				break
			}
			// The cluster did not create a topic in time: every further point would wait as
			// long for the same reason. Say it once.
			if errors.Is(perr, ErrTopicTimeout) && i+1 < len(points) {
				stopped = fmt.Sprintf("; the other %d points were not run: the cluster did not create the topic of point %s in time", len(points)-i-1, p.ID)
				break
			}
		}
	}
	if werr := ev.RunFinished(events.RunFinished{End: time.Now(), Results: results}); werr != nil {
		return werr
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("sweep stopped after %d of %d points: %w", len(results), len(points), ErrInterrupted)
	case failed > 0:
		return fmt.Errorf("%d of %d points: %w (see their result files in %s)%s", failed, len(points), ErrPointsFailed, opts.OutDir, stopped)
	}
	return nil
}

// prepare checks the points against the cluster before anything changes (preflight, the
// broker-settings lease, the local cluster's static settings, the fault schedule) and returns
// them with the flusher interval the local cluster needs added.
func (s *session) prepare(ctx context.Context, points []profiles.Point) ([]profiles.Point, error) {
	points = withFlushScheduler(points, s.ctl().Local())
	if err := s.preflight(ctx, points); err != nil {
		return nil, err
	}
	if err := s.beforeChanges(ctx, points); err != nil {
		return nil, err
	}
	if err := checkFaultSetup(s.opts, points); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPoints, err)
	}
	for _, line := range s.opts.Client.FormatNotes() {
		s.warn("%s", line)
	}
	return points, nil
}

// progressTo reports the per-second progress of point i of points (of each of its trials, for a
// capacity search) as events.
func progressTo(ev events.Sink, i int, points []profiles.Point) progressFunc {
	return func(s pointProgress) {
		ev.Progress(events.Progress{
			Index: i, Total: len(points), Point: points[i], Elapsed: s.Elapsed, Duration: s.Duration,
			AckedPerSecond: s.AckedPerSecond, ProduceP99Ms: s.ProduceP99Ms, Errors: s.Errors, Lag: s.Lag,
		})
	}
}

// RunPoint measures one point on its own session (connect, measure, clean up). With OutDir set it
// is a one-point sweep (its events include the run's start and end, from which the owner writes
// the result file and a one-point index); without, only the point's progress and messages are
// reported. The result is returned also when the point failed or was interrupted (with its status
// and error); it is nil when the point never ran.
func RunPoint(ctx context.Context, p profiles.Point, opts Options) (*stats.Result, error) {
	if opts.OutDir == "" {
		s, err := newSession(opts)
		if err != nil {
			return nil, err
		}
		if err := s.preflight(ctx, []profiles.Point{p}); err != nil {
			return nil, errors.Join(err, s.close())
		}
		if err := s.beforeChanges(ctx, []profiles.Point{p}); err != nil {
			return nil, errors.Join(err, s.close())
		}
		res, err := s.measure(ctx, p, progressTo(opts.events(), 0, []profiles.Point{p}))
		return res, errors.Join(err, s.close())
	}
	kept := &keepResult{Sink: opts.events()}
	opts.Events = kept
	err := Sweep(ctx, []profiles.Point{p}, opts)
	return kept.res, err
}

// keepResult passes every event on and keeps the last point's result.
type keepResult struct {
	events.Sink
	res *stats.Result
}

func (k *keepResult) PointFinished(e events.PointFinished) error {
	k.res = e.Result
	return k.Sink.PointFinished(e)
}

// PointOverhead is the estimated setup and teardown time of a point or search trial (topic, group
// join, drain, audit): the search's budget line says it, and the CLI's ETA adds it per point.
const PointOverhead = 5 * time.Second
