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
	point    string              // the point running (progress of another is ignored)
	live     map[int]*workerLive // its workers' last progress
	dead     map[int]string      // its workers taken for dead (RunPoint's, under mu)
	reported map[int]bool        // its workers whose result arrived
	caughtUp bool                // its totals were announced caught up
	joined   chan struct{}       // signalled on every ready
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
			c.heartbeat()
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
	case KindHeartbeat:
		if m.Progress != nil && c.track(m.From, m.SentNs, *m.Progress) {
			c.heartbeat() // the consumers' drain waits on this: tell them now, not in a second
		}
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
	plan.Offsets = make([]Offset, c.workers)
	for w, o := range c.Offsets() {
		if w >= 0 && w < c.workers {
			plan.Offsets[w] = o
		}
	}
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
	c.mu.Lock()
	c.point, c.live, c.dead, c.reported, c.caughtUp = plan.Point.ID, map[int]*workerLive{}, dead, map[int]bool{}, false
	c.mu.Unlock()
	for len(mg.Missing()) > c.deadCount() {
		select {
		case r := <-c.results:
			if mg.Add(r) {
				c.mu.Lock()
				delete(dead, r.Worker)
				c.reported[r.Worker] = true
				c.mu.Unlock()
			}
		case <-check.C:
			c.markDead(mg, dead, published, deadline)
		case <-ctx.Done():
			return mg, lostOf(mg, dead, "coordinator interrupted"), ctx.Err()
		}
	}
	return mg, lostOf(mg, dead, ""), nil
}

func (c *Coordinator) deadCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.dead)
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

// workerLive is a worker's last progress report on the running point and its rates.
type workerLive struct {
	p               Progress
	atNs            int64 // the worker's clock when it sent p
	acked, consumed float64
}

// track takes a worker's progress; it reports whether the point's totals just became caught up.
func (c *Coordinator) track(worker int, atNs int64, p Progress) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Point != c.point || c.live == nil {
		return false
	}
	l := c.live[worker]
	if l == nil {
		l = &workerLive{}
		c.live[worker] = l
	} else if dt := float64(atNs-l.atNs) / 1e9; dt > 0 {
		l.acked, l.consumed = float64(p.Acked-l.p.Acked)/dt, float64(p.Consumed-l.p.Consumed)/dt
	}
	l.p, l.atNs = p, atNs
	if c.caughtUp || !c.totalsLocked().CaughtUp() {
		return false
	}
	c.caughtUp = true
	return true
}

// totalsLocked sums the workers' progress; Produced when every worker reported its producers
// drained, reported its result or was taken for dead (a dead worker's records acked before it
// died are counted from its last report; the surviving members of the group read them).
func (c *Coordinator) totalsLocked() Progress {
	t := Progress{Point: c.point, Produced: true}
	for w := range c.workers {
		_, dead := c.dead[w]
		over := dead || c.reported[w]
		l := c.live[w]
		if l == nil {
			t.Produced = t.Produced && over
			continue
		}
		t.Acked += l.p.Acked
		t.Consumed += l.p.Consumed
		t.AckedAll += l.p.AckedAll
		t.ConsumedAll += l.p.ConsumedAll
		t.Errors += l.p.Errors
		t.ProduceP99Ms = max(t.ProduceP99Ms, l.p.ProduceP99Ms)
		t.HasConsumers = t.HasConsumers || l.p.HasConsumers
		t.Produced = t.Produced && (l.p.Produced || over)
	}
	return t
}

func (c *Coordinator) heartbeat() {
	m := Message{Kind: KindHeartbeat, Run: c.run, From: FromCoordinator, SentNs: c.now()}
	c.mu.Lock()
	if c.live != nil {
		t := c.totalsLocked()
		m.Progress, m.Point = &t, c.point
	}
	c.mu.Unlock()
	_ = c.bus.Send(m)
}

// Live is the coordinator's view of the running point, for its progress line: the workers'
// counters summed, their last rates summed, and how many workers are alive (heard from within
// DeadAfter).
type Live struct {
	Progress
	AckedPerSecond, ConsumedPerSecond float64
	Alive, Workers                    int
}

// Live is the running point's progress as of the workers' last heartbeats.
func (c *Coordinator) Live() Live {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := Live{Workers: c.workers}
	if c.live != nil {
		l.Progress = c.totalsLocked()
	}
	now := c.now()
	for w := range c.workers {
		if seen, ok := c.lastSeen[w]; ok && now-seen <= int64(c.t.DeadAfter) {
			l.Alive++
		}
		if wl := c.live[w]; wl != nil {
			l.AckedPerSecond += wl.acked
			l.ConsumedPerSecond += wl.consumed
		}
	}
	return l
}
