package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ShareFunc measures a worker's share of a plan's point, starting at the plan's common start
// converted to the worker's clock with offset. It is the runner's engine on the worker.
type ShareFunc func(ctx context.Context, plan Plan, share Share, offset Offset) *Result

// ErrCoordinatorGone is returned by Worker.Run when the coordinator fell silent: the worker
// stopped its share at the heartbeat deadline and deleted nothing.
var ErrCoordinatorGone = errors.New("coordinator silent")

// Worker is the worker side of the protocol.
type Worker struct {
	Bus    Bus
	RunID  string
	Index  int
	Timing Timing
	Now    func() int64
	Share  ShareFunc
	// Pings is how many clock round trips to take when joining (0: 10).
	Pings int
	// Progress, when set, gives the running share's live counters for the heartbeats (nil
	// while no share runs).
	Progress func() *Progress

	mu     sync.Mutex
	fleet  Progress      // the coordinator's last totals
	update chan struct{} // signalled on each
}

// Run joins (clock offset, ready), then measures every plan it receives until the coordinator
// says done (nil), falls silent for DeadAfter (ErrCoordinatorGone) or ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	t := w.Timing.withDefaults()
	off, err := w.estimate(ctx, t)
	if err != nil {
		return err
	}
	if err := w.send(Message{Kind: KindReady, Offset: &off}); err != nil {
		return fmt.Errorf("worker %d: report ready: %w", w.Index, err)
	}
	hb := time.NewTicker(t.Heartbeat)
	defer hb.Stop()
	lastCoord := w.Now()
	done := map[string]bool{}
	results := make(chan *Result, 1)
	shareCtx, cancelShare := context.WithCancel(ctx)
	defer cancelShare()
	busy := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-hb.C:
			var p *Progress
			if busy && w.Progress != nil {
				p = w.Progress()
			}
			_ = w.send(Message{Kind: KindHeartbeat, Progress: p})
			if w.Now()-lastCoord > int64(t.DeadAfter) {
				cancelShare()
				return fmt.Errorf("worker %d: %w for %s: stopped", w.Index, ErrCoordinatorGone, t.DeadAfter)
			}
		case r := <-results:
			busy = false
			if err := w.send(Message{Kind: KindResult, Point: r.Point, Result: r}); err != nil {
				return fmt.Errorf("worker %d: report point %s: %w", w.Index, r.Point, err)
			}
		case m := <-w.Bus.Recv():
			if m.Run != w.RunID || m.From != FromCoordinator {
				continue
			}
			lastCoord = w.Now()
			switch m.Kind {
			case KindDone:
				return nil
			case KindHeartbeat:
				if m.Progress != nil {
					w.setFleet(*m.Progress)
				}
			case KindPlan:
				if m.Plan == nil || done[m.Point] || busy || w.stale(*m.Plan, off) {
					continue
				}
				done[m.Point], busy = true, true
				go w.measure(shareCtx, *m.Plan, off, results)
			}
		}
	}
}

// stale is a plan whose window is already over (read back from the topic's history).
func (w *Worker) stale(p Plan, off Offset) bool {
	window := p.Point.Workload.Warmup + p.Point.Workload.Duration
	return w.Now()+off.OffsetNs > p.StartNs+int64(window)
}

func (w *Worker) measure(ctx context.Context, p Plan, off Offset, out chan<- *Result) {
	sh, err := ShareOf(p.Point.Workload.Rate, p.Point.Workload.Producers, p.Workers, w.Index, p.IDBase)
	var r *Result
	if err != nil {
		r = &Result{Status: "failed", Error: err.Error()}
	} else {
		sh = sh.WithConsumers(p.Point.Workload.Consumers)
		r = w.Share(ctx, p, sh, off)
	}
	r.Worker, r.Point, r.Share, r.Offset = w.Index, p.Point.ID, sh, off
	out <- r
}

// estimate pings the coordinator until it has Pings answers (keeping the lowest round trip),
// bounded by JoinTimeout: a coordinator started later is waited for.
func (w *Worker) estimate(ctx context.Context, t Timing) (Offset, error) {
	want := w.Pings
	if want <= 0 {
		want = 10
	}
	var est OffsetEstimator
	bound := time.NewTimer(t.JoinTimeout)
	defer bound.Stop()
	retry := time.NewTicker(200 * time.Millisecond)
	defer retry.Stop()
	if err := w.send(Message{Kind: KindPing}); err != nil {
		return Offset{}, fmt.Errorf("worker %d: ping: %w", w.Index, err)
	}
	for est.Estimate().Samples < want {
		select {
		case <-ctx.Done():
			return Offset{}, ctx.Err()
		case <-bound.C:
			return Offset{}, fmt.Errorf("worker %d: no answer from the coordinator of run %s within %s", w.Index, w.RunID, t.JoinTimeout)
		case <-retry.C:
			_ = w.send(Message{Kind: KindPing})
		case m := <-w.Bus.Recv():
			if m.Run == w.RunID && m.Kind == KindPong && m.To != nil && *m.To == w.Index {
				est.Add(m.EchoNs, m.SentNs, w.Now())
			}
		}
	}
	return est.Estimate(), nil
}

func (w *Worker) setFleet(p Progress) {
	w.mu.Lock()
	w.fleet = p
	if w.update == nil {
		w.update = make(chan struct{}, 1)
	}
	ch := w.update
	w.mu.Unlock()
	select {
	case ch <- struct{}{}:
	default:
	}
}

// WaitCaughtUp waits, bounded, until the coordinator's totals of point say every worker's
// producers drained and the group read every acknowledged record; it returns the last totals
// and whether they were caught up.
func (w *Worker) WaitCaughtUp(ctx context.Context, point string, limit time.Duration) (Progress, bool) {
	w.mu.Lock()
	if w.update == nil {
		w.update = make(chan struct{}, 1)
	}
	ch := w.update
	w.mu.Unlock()
	bound := time.NewTimer(limit)
	defer bound.Stop()
	for {
		w.mu.Lock()
		p := w.fleet
		w.mu.Unlock()
		if p.Point == point && p.CaughtUp() {
			return p, true
		}
		select {
		case <-ch:
		case <-bound.C:
			return p, false
		case <-ctx.Done():
			return p, false
		}
	}
}

func (w *Worker) send(m Message) error {
	m.Run, m.From, m.SentNs = w.RunID, w.Index, w.Now()
	return w.Bus.Send(m)
}
