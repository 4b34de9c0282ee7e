package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
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
	start := time.Now()
	warm := s.warmCluster(ctx, points)
	fixed := profiles.FixedLoadPoints(points, 0)
	started, order, fixedOrder := repetitionPlan(points, fixed, opts)
	started.RunID, started.Profile, started.ProfileYAML = s.runID, opts.Profile, redactYAML(opts.ProfileYAML)
	started.Environment, started.Start, started.ClusterWarmup = s.env, start, warm
	started.Points = append(append([]profiles.Point(nil), points...), fixed...)
	if err := ev.RunStarted(started); err != nil {
		return err
	}
	sr := &sweepRun{s: s, ev: ev, opts: opts, points: points, fixed: fixed, order: order, fixedOrder: fixedOrder}
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
	s      *session
	ev     events.Sink
	opts   Options
	points []profiles.Point // saturation (or only) points
	fixed  []profiles.Point // fixed-load points (rate resolved after the saturation points)
	// order and fixedOrder are the measurements of points and of fixed: each once in level
	// order, or with repetitions in rounds (rounds.go); the fixed-load rounds follow the
	// saturation rounds, since their rate comes from them.
	order, fixedOrder []scheduled
	results           []*stats.Result
	failed            int
	stopped           string // why the points after a failed one were not run ("" unless so)
}

func (r *sweepRun) total() int { return len(r.order) + len(r.fixedOrder) }

// runAll runs the points, then the fixed-load points unless the sweep stopped; the error is the
// events sink's (a result not recorded).
func (r *sweepRun) runAll(ctx context.Context) error {
	for i, m := range r.order {
		if ctx.Err() != nil {
			return nil
		}
		if stop, err := r.run(ctx, i, r.points[m.point], m); err != nil || stop {
			return err
		}
	}
	if len(r.fixed) == 0 || ctx.Err() != nil {
		return nil
	}
	r.fixed = r.s.resolveFixedLoad(r.points, medianRepetitions(r.results))
	for j, m := range r.fixedOrder {
		if ctx.Err() != nil {
			return nil
		}
		if stop, err := r.run(ctx, len(r.order)+j, r.fixed[m.point], m); err != nil || stop {
			return err
		}
	}
	return nil
}

// run measures measurement i (point p, repetition m) and reports it; stop says the sweep ends
// here (Ctrl-C, fail-fast, a topic the cluster did not create in time).
func (r *sweepRun) run(ctx context.Context, i int, p profiles.Point, m scheduled) (stop bool, err error) {
	total := r.total()
	r.ev.PointStarted(events.PointStarted{Index: i, Total: total, Point: p, Repetition: m.repetition})
	res, perr := r.s.measure(ctx, m.measured(p), progressTo(r.ev, i, total, p, m.repetition))
	m.stamp(res, p, r.opts.Repeat)
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
		// The next point would fill the same disk.
		if errors.Is(perr, ErrDiskLow) && i+1 < total {
			r.stopped = fmt.Sprintf("; the other %d points were not run: the local cluster's disk ran low during point %s", total-i-1, p.ID)
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

// progressTo reports the per-second progress of measurement i of total, point p (repetition
// rep, 0: its only one; of each of its trials, for a capacity search) as events.
func progressTo(ev events.Sink, i, total int, p profiles.Point, rep int) progressFunc {
	return func(s pointProgress) {
		ev.Progress(events.Progress{
			Index: i, Total: total, Point: p, Repetition: rep, Elapsed: s.Elapsed, Duration: s.Duration,
			AckedPerSecond: s.AckedPerSecond, ProduceP99Ms: s.ProduceP99Ms, Errors: s.Errors, Lag: s.Lag,
			Workers: s.Workers, WorkersAlive: s.WorkersAlive,
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
		res, err := s.measure(ctx, p, progressTo(opts.events(), 0, 1, p, 0))
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

// repetitionPlan is the order of a sweep's measurements (the saturation points', then the
// fixed-load points') and the run's start event with the repetitions' part filled in (repeat,
// seed, order, rounds: round r lists the saturation points' round r, then the fixed-load points').
func repetitionPlan(points, fixed []profiles.Point, opts Options) (events.RunStarted, []scheduled, []scheduled) {
	var e events.RunStarted
	if opts.Repeat <= 1 {
		return e, schedule(len(points), 1, 0), schedule(len(fixed), 1, 0)
	}
	seed := newOrderSeed()
	if opts.OrderSeed != nil {
		seed = *opts.OrderSeed
	}
	order := schedule(len(points), opts.Repeat, seed)
	fixedOrder := schedule(len(fixed), opts.Repeat, seed+1)
	e.Repeat, e.OrderSeed, e.Rounds = opts.Repeat, seed, rounds(order, points)
	for r, ids := range rounds(fixedOrder, fixed) {
		e.Rounds[r] = append(e.Rounds[r], ids...)
	}
	for _, m := range order {
		e.Order = append(e.Order, points[m.point])
	}
	for _, m := range fixedOrder {
		e.Order = append(e.Order, fixed[m.point])
	}
	return e, order, fixedOrder
}

// medianRepetitions keeps, of each point's repetitions, the one with the median acknowledged
// throughput (the lower middle one of an even count), so a fixed load derived from a level's
// saturated throughput comes from its typical repetition, not from its first or its luckiest.
func medianRepetitions(results []*stats.Result) []*stats.Result {
	byPoint := map[string][]*stats.Result{}
	var ids []string
	for _, r := range results {
		if r == nil {
			continue
		}
		if _, seen := byPoint[r.Point.ID]; !seen {
			ids = append(ids, r.Point.ID)
		}
		byPoint[r.Point.ID] = append(byPoint[r.Point.ID], r)
	}
	out := make([]*stats.Result, 0, len(ids))
	for _, id := range ids {
		rs := byPoint[id]
		slices.SortStableFunc(rs, func(a, b *stats.Result) int {
			return cmp.Compare(a.Metrics.Acked.RecordsPerSecond, b.Metrics.Acked.RecordsPerSecond)
		})
		out = append(out, rs[(len(rs)-1)/2])
	}
	return out
}
