package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
	"github.com/kbench/kbench/stats"
)

// ErrBadPoints says the points cannot run on this cluster (a replication factor above its broker
// count, ...): the profile must change, not the cluster.
var ErrBadPoints = safety.ErrBadPoints

// ErrPointsFailed says that some points of a sweep failed; their result files say why.
var ErrPointsFailed = errors.New("points failed")

// Sweep runs every point in order (the profile's level order), writing a result file per point and
// rewriting the run's index after each, so an interrupted sweep keeps what finished. A failed
// point is recorded and the sweep goes on, unless FailFast. After Ctrl-C (ctx done) the current
// point is recorded as incomplete, cleanup runs, and Sweep returns an error wrapping
// ErrInterrupted. An unreachable cluster fails within seconds with ErrUnreachable.
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
	idx := &stats.Index{
		RunID: s.runID, Profile: opts.Profile, ProfileYAML: redactYAML(opts.ProfileYAML),
		Environment: s.env, Start: time.Now(),
	}
	if err := stats.WriteIndex(opts.OutDir, idx); err != nil {
		return err
	}
	pr := newProgress(opts, points)
	var results []*stats.Result
	failed := 0
	stopped := ""
	for i, p := range points {
		if ctx.Err() != nil {
			break
		}
		pr.begin(i)
		res, perr := s.measure(ctx, p, pr.update)
		pr.end(res)
		results = append(results, res)
		if werr := stats.WriteResult(opts.OutDir, res); werr != nil {
			return werr
		}
		idx.Points = append(idx.Points, stats.IndexPoint{
			ID: p.ID, Label: p.Label, Level: p.Level, Status: res.Status, File: stats.PointFile(p.ID),
		})
		if werr := stats.WriteIndex(opts.OutDir, idx); werr != nil {
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
	idx.End = time.Now()
	if werr := stats.WriteIndex(opts.OutDir, idx); werr != nil {
		return werr
	}
	if werr := printSummary(opts, results); werr != nil {
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

// printSummary prints the sweep's summary tables unless Quiet.
func printSummary(opts Options, results []*stats.Result) error {
	if opts.Quiet || opts.Progress == nil {
		return nil
	}
	fmt.Fprintln(opts.Progress)
	if err := stats.WriteSummaryTable(opts.Progress, results); err != nil {
		return err
	}
	return stats.WriteSearchSummary(opts.Progress, results)
}

// RunPoint measures one point on its own session (connect, measure, clean up) and writes its
// result file and a one-point index when OutDir is set. The result is returned also when the point
// failed or was interrupted (with its status and error).
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
		res, err := s.measure(ctx, p, newProgress(opts, []profiles.Point{p}).update)
		return res, errors.Join(err, s.close())
	}
	err := Sweep(ctx, []profiles.Point{p}, opts)
	res, rerr := stats.ReadResult(opts.OutDir + "/" + stats.PointFile(p.ID))
	if rerr != nil {
		return nil, errors.Join(err, rerr)
	}
	return res, err
}

// progress prints one line per second: rewritten in place on a terminal, plain lines otherwise,
// nothing when quiet.
type progress struct {
	w      io.Writer
	tty    bool
	points []profiles.Point
	cur    int
	start  time.Time
}

// pointOverhead is the estimated setup and teardown time of a point (topic, group join, drain,
// audit), for the ETA.
const pointOverhead = 5 * time.Second

func newProgress(opts Options, points []profiles.Point) *progress {
	w := opts.Progress
	if opts.Quiet {
		w = nil
	}
	return &progress{w: w, tty: opts.ProgressTTY, points: points}
}

func (p *progress) begin(i int) {
	p.cur, p.start = i, time.Now()
	if p.w == nil || p.tty {
		return
	}
	fmt.Fprintf(p.w, "[%d/%d] %s: started\n", i+1, len(p.points), p.points[i].Label)
}

func (p *progress) update(s pointProgress) {
	if p == nil || p.w == nil {
		return
	}
	eta := s.Duration - s.Elapsed + pointOverhead
	for _, q := range p.points[p.cur+1:] {
		eta += q.Workload.Warmup + q.Workload.Duration + pointOverhead
	}
	line := fmt.Sprintf("[%d/%d] %s | %s/%s | %.0f msg/s | p99 %.2f ms | errors %d | lag %d | ETA %s",
		p.cur+1, len(p.points), p.points[p.cur].Label, s.Elapsed.Round(time.Second), s.Duration,
		s.AckedPerSecond, s.ProduceP99Ms, s.Errors, s.Lag, eta.Round(time.Second))
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) end(res *stats.Result) {
	if p.w == nil || res == nil {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	msg := fmt.Sprintf("[%d/%d] %s: %s", p.cur+1, len(p.points), res.Point.Label, res.Status)
	if res.Status == stats.StatusOK || res.Status == stats.StatusIncomplete {
		msg += fmt.Sprintf(", %.0f msg/s acked, produce p99 %.2f ms, lost %s", res.Metrics.Acked.RecordsPerSecond, res.Metrics.ProduceLatency.P99Ms, res.Audit.LostText())
		if v := res.Audit.VerificationRead; v != nil && !v.Complete {
			msg += " (verification read " + res.Audit.ReadSummary() + ")"
		}
	}
	if res.Error != "" {
		msg += ": " + res.Error
	}
	fmt.Fprintln(p.w, msg)
}
