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
	ev := opts.events()
	start := time.Now()
	warm := s.warmCluster(ctx, points)
	if err := ev.RunStarted(events.RunStarted{
		RunID: s.runID, Profile: opts.Profile, ProfileYAML: redactYAML(opts.ProfileYAML),
		Environment: s.env, Start: start, Points: append(append([]profiles.Point(nil), points...), profiles.FixedLoadPoints(points, 0)...), ClusterWarmup: warm,
	}); err != nil {
		return err
	}
	sr := &sweepRun{s: s, ev: ev, opts: opts, points: points, fixed: profiles.FixedLoadPoints(points, 0)}
	if err := sr.runAll(ctx); err != nil {
		return err
	}
	if werr := ev.RunFinished(events.RunFinished{End: time.Now(), Results: sr.results}); werr != nil {
		return werr
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("sweep stopped after %d of %d points: %w", len(sr.results), sr.total(), ErrInterrupted)
	case sr.failed > 0:
		return fmt.Errorf("%d of %d points: %w (see their result files in %s)%s", sr.failed, sr.total(), ErrPointsFailed, opts.OutDir, sr.stopped)
	}
	return nil
}

// sweepRun is a sweep's points in progress: with latency: in the profile, the saturation points
// run first, then each level's fixed-load point at the rate resolved from them (fixedload.go).
type sweepRun struct {
	s       *session
	ev      events.Sink
	opts    Options
	points  []profiles.Point // saturation (or only) points
	fixed   []profiles.Point // fixed-load points (rate resolved after the saturation points)
	results []*stats.Result
	failed  int
	stopped string // why the points after a failed one were not run ("" unless so)
}

func (r *sweepRun) total() int { return len(r.points) + len(r.fixed) }

// runAll runs the points, then the fixed-load points unless the sweep stopped; the error is the
// events sink's (a result not recorded).
func (r *sweepRun) runAll(ctx context.Context) error {
	all := append(append([]profiles.Point(nil), r.points...), r.fixed...)
	for i, p := range r.points {
		if ctx.Err() != nil {
			return nil
		}
		if stop, err := r.run(ctx, i, p, all); err != nil || stop {
			return err
		}
	}
	if len(r.fixed) == 0 || ctx.Err() != nil {
		return nil
	}
	r.fixed = r.s.resolveFixedLoad(r.points, r.results)
	all = append(append([]profiles.Point(nil), r.points...), r.fixed...)
	for j, p := range r.fixed {
		if ctx.Err() != nil {
			return nil
		}
		if stop, err := r.run(ctx, len(r.points)+j, p, all); err != nil || stop {
			return err
		}
	}
	return nil
}

// run measures point i of all and reports it; stop says the sweep ends here (Ctrl-C, fail-fast,
// a topic the cluster did not create in time).
func (r *sweepRun) run(ctx context.Context, i int, p profiles.Point, all []profiles.Point) (stop bool, err error) {
	total := r.total()
	r.ev.PointStarted(events.PointStarted{Index: i, Total: total, Point: p})
	res, perr := r.s.measure(ctx, p, progressTo(r.ev, i, all))
	r.s.markFixedLoad(res, p)
	r.results = append(r.results, res)
	if werr := r.ev.PointFinished(events.PointFinished{Index: i, Total: total, Result: res, Err: perr}); werr != nil {
		return true, werr
	}
	if ctx.Err() != nil {
		return true, nil
	}
	if perr != nil {
		r.failed++
		if r.opts.FailFast {
			return true, nil
		}
		// The cluster did not create a topic in time: every further point would wait as long
		// for the same reason. Say it once.
		if errors.Is(perr, ErrTopicTimeout) && i+1 < total {
			r.stopped = fmt.Sprintf("; the other %d points were not run: the cluster did not create the topic of point %s in time", total-i-1, p.ID)
			return true, nil
		}
	}
	return false, nil
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
