package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Bus carries control messages: Send publishes one to the control topic; Recv delivers every
// message of the topic (the sender's own included; the loops filter).
type Bus interface {
	Send(m Message) error
	Recv() <-chan Message
}

// Timing bounds the protocol's waits. Zero fields take the defaults.
type Timing struct {
	Heartbeat   time.Duration // how often both sides say they are alive (1s)
	DeadAfter   time.Duration // silence after which the other side is taken for dead (10s)
	JoinTimeout time.Duration // how long the coordinator waits for every worker to join (2m)
	Lead        time.Duration // from a plan's publication to its common start (3s)
	ResultGrace time.Duration // after a point's window: the drain plus time to report (45s)
}

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Heartbeat, time.Second)
	def(&t.DeadAfter, 10*time.Second)
	def(&t.JoinTimeout, 2*time.Minute)
	def(&t.Lead, 3*time.Second)
	def(&t.ResultGrace, 45*time.Second)
	return t
}

// Coordinator is the coordinating side: it answers clock pings, heartbeats once a second from
// Start to Close, waits for the workers to join and runs points.
type Coordinator struct {
	bus     Bus
	run     string
	workers int
	t       Timing
	now     func() int64

	mu       sync.Mutex
	lastSeen map[int]int64
	offsets  map[int]Offset
	joined   chan struct{} // signalled on every ready
	results  chan *Result
	stop     chan struct{}
	wg       sync.WaitGroup
}

// NewCoordinator starts serving the control topic (pongs, heartbeats) until Close.
func NewCoordinator(bus Bus, run string, workers int, t Timing, now func() int64) *Coordinator {
	c := &Coordinator{bus: bus, run: run, workers: workers, t: t.withDefaults(), now: now,
		lastSeen: map[int]int64{}, offsets: map[int]Offset{}, joined: make(chan struct{}, 1),
		results: make(chan *Result, 4*workers+4), stop: make(chan struct{})}
	c.wg.Add(1)
	go c.serve()
	return c
}

func (c *Coordinator) serve() {
	defer c.wg.Done()
	tick := time.NewTicker(c.t.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			_ = c.bus.Send(Message{Kind: KindHeartbeat, Run: c.run, From: FromCoordinator, SentNs: c.now()})
		case m := <-c.bus.Recv():
			c.handle(m)
		}
	}
}

func (c *Coordinator) handle(m Message) {
	if m.Run != c.run || m.From == FromCoordinator || m.From < 0 || m.From >= c.workers {
		return
	}
	c.mu.Lock()
	c.lastSeen[m.From] = c.now()
	c.mu.Unlock()
	switch m.Kind {
	case KindPing:
		to := m.From
		_ = c.bus.Send(Message{Kind: KindPong, Run: c.run, From: FromCoordinator, To: &to, SentNs: c.now(), EchoNs: m.SentNs})
	case KindReady:
		c.mu.Lock()
		if m.Offset != nil {
			c.offsets[m.From] = *m.Offset
		}
		c.mu.Unlock()
		select {
		case c.joined <- struct{}{}:
		default:
		}
	case KindResult:
		if m.Result != nil {
			m.Result.Worker = m.From
			select {
			case c.results <- m.Result:
			default: // no point is waiting for this many: a late result; never block the heartbeats
			}
		}
	}
}

// Close stops serving and tells the workers the run is over.
func (c *Coordinator) Close() {
	close(c.stop)
	c.wg.Wait()
	_ = c.bus.Send(Message{Kind: KindDone, Run: c.run, From: FromCoordinator, SentNs: c.now()})
}

// Lead is how long after a plan's publication its point starts.
func (c *Coordinator) Lead() time.Duration { return c.t.Lead }

// Offsets are the clock offsets the workers reported when they joined.
func (c *Coordinator) Offsets() map[int]Offset {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]Offset, len(c.offsets))
	for k, v := range c.offsets {
		out[k] = v
	}
	return out
}

// ErrNotJoined is returned (wrapped, naming them) when workers did not join in time.
var ErrNotJoined = errors.New("workers did not join")

// Join waits, bounded by JoinTimeout, until every worker reported ready.
func (c *Coordinator) Join(ctx context.Context) error {
	bound := time.NewTimer(c.t.JoinTimeout)
	defer bound.Stop()
	for {
		missing := c.notJoined()
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-c.joined:
		case <-bound.C:
			return fmt.Errorf("%w within %s: %s (check they run with --run %s and reach the cluster)", ErrNotJoined, c.t.JoinTimeout, names(missing), c.run)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *Coordinator) notJoined() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for i := range c.workers {
		if _, ok := c.offsets[i]; !ok {
			out = append(out, i)
		}
	}
	return out
}

// names lists worker indices for a message: "worker 1, worker 3".
func names(ws []int) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = fmt.Sprintf("worker %d", w)
	}
	return strings.Join(s, ", ")
}

// Lost is a worker that did not report a point, and why.
type Lost struct {
	Worker int
	Why    string
}

// RunPoint publishes plan with its common start (Lead from now, coordinator clock) and collects
// the results. It returns when every worker reported or was taken for dead: silent for
// DeadAfter, or no result ResultGrace after the window (warmup + duration) ended.
func (c *Coordinator) RunPoint(ctx context.Context, plan Plan, window time.Duration) (*Merge, []Lost, error) {
	plan.Workers = c.workers
	plan.StartNs = c.now() + int64(c.t.Lead)
	if err := c.bus.Send(Message{Kind: KindPlan, Run: c.run, From: FromCoordinator, SentNs: c.now(), Point: plan.Point.ID, Plan: &plan}); err != nil {
		return nil, nil, fmt.Errorf("publish the plan of point %s: %w", plan.Point.ID, err)
	}
	published := c.now()
	deadline := plan.StartNs + int64(window+c.t.ResultGrace)
	mg := NewMerge(plan.Point.ID, c.workers)
	check := time.NewTicker(c.t.Heartbeat / 2)
	defer check.Stop()
	dead := map[int]string{}
	for len(mg.Missing()) > len(dead) {
		select {
		case r := <-c.results:
			if mg.Add(r) {
				delete(dead, r.Worker)
			}
		case <-check.C:
			c.markDead(mg, dead, published, deadline)
		case <-ctx.Done():
			return mg, lostOf(mg, dead, "coordinator interrupted"), ctx.Err()
		}
	}
	return mg, lostOf(mg, dead, ""), nil
}

func (c *Coordinator) markDead(mg *Merge, dead map[int]string, published, deadline int64) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range mg.Missing() {
		seen := max(c.lastSeen[w], published)
		switch {
		case now-seen > int64(c.t.DeadAfter):
			dead[w] = fmt.Sprintf("silent for %s (no heartbeat): died or lost the cluster", time.Duration(now-seen).Round(time.Second))
		case now > deadline:
			dead[w] = "no result within the bound after the point's window"
		}
	}
}

func lostOf(mg *Merge, dead map[int]string, why string) []Lost {
	var out []Lost
	for _, w := range mg.Missing() {
		r := dead[w]
		if r == "" {
			r = why
		}
		out = append(out, Lost{Worker: w, Why: r})
	}
	return out
}
