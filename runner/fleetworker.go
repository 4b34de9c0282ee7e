package runner

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/kafkaconf"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// FleetWorkerOptions configure `kbench worker`: one share of every point of run RunID.
type FleetWorkerOptions struct {
	RunID       string
	Index       int
	Bootstrap   string
	Client      *kafkaconf.ClientConfig
	TopicPrefix string
	Timing      fleet.Timing
	// Log receives one line per event worth telling the operator (nil: dropped).
	Log func(format string, args ...any)
}

// RunFleetWorker joins run RunID through its control topic and measures its share of every
// point the coordinator plans, with the runner's own engine (producers, pacing from scheduled
// send times, HDR capture, audit ledgers). It creates and deletes no topic: the coordinator owns
// them. It returns nil when the coordinator says the run is done, an error wrapping
// fleet.ErrCoordinatorGone when the coordinator fell silent (the share is stopped at once).
func RunFleetWorker(ctx context.Context, o FleetWorkerOptions) error {
	if o.RunID == "" || o.Index < 0 {
		return ErrBadInputf("kbench worker needs --run RUN and --index N >= 0 (or JOB_COMPLETION_INDEX)")
	}
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bootstrap := o.Bootstrap
	if bootstrap == "" {
		bootstrap = o.Client.Bootstrap()
	}
	if bootstrap == "" {
		return ErrBadInputf("kbench worker needs --bootstrap HOST:PORT (or bootstrap.servers in --client-config)")
	}
	conn, err := resolveConnection(bootstrap, o.Client)
	if err != nil {
		return err
	}
	opts := Options{Bootstrap: bootstrap, Client: o.Client, TopicPrefix: o.TopicPrefix, RunID: o.RunID}
	t := o.Timing
	if t.JoinTimeout <= 0 {
		t.JoinTimeout = 2 * time.Minute
	}
	topic := fleet.ControlTopic(opts.topicPrefix(), o.RunID)
	bus, err := openControlBus(ctx, conn, topic, fmt.Sprintf("kbench-worker-%d", o.Index), t.JoinTimeout,
		func(err error) { logf("worker %d: %v", o.Index, err) })
	if err != nil {
		return err
	}
	defer bus.Close()
	s := &session{opts: opts, conn: conn, runID: o.RunID}
	var live atomic.Pointer[shareLive]
	w := &fleet.Worker{Bus: bus, RunID: o.RunID, Index: o.Index, Timing: t, Now: nowNs,
		Progress: func() *fleet.Progress { return live.Load().progress() }}
	w.Share = func(ctx context.Context, p fleet.Plan, sh fleet.Share, off fleet.Offset) *fleet.Result {
		logf("worker %d: point %s: %d producers (ids %d..), %d/s, %d consumers, clock offset %s ±%s", o.Index, p.Point.ID, sh.Producers,
			sh.IDBase, sh.Rate, sh.Consumers, time.Duration(off.OffsetNs), time.Duration(off.UncertaintyNs))
		defer live.Store(nil)
		return s.runShare(ctx, p, sh, off, shareLink{worker: w, live: &live})
	}
	logf("worker %d: joining run %s on %s", o.Index, o.RunID, topic)
	err = w.Run(ctx)
	if errors.Is(err, fleet.ErrCoordinatorGone) {
		logf("worker %d: %v; deleted nothing", o.Index, err)
	}
	return err
}

// ErrBadInputf is a bad-input error (exit code 2) with a message.
func ErrBadInputf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

// shareLink ties a share to its worker: the live counters its heartbeats carry and the
// coordinator's totals its consumers' drain waits on.
type shareLink struct {
	worker *fleet.Worker
	live   *atomic.Pointer[shareLive]
}

// shareLive is a running share as its heartbeats see it (published once its clients exist).
type shareLive struct {
	point    string
	m        *measurement
	col      *collector  // the share's per-second collector (its last p99)
	produced atomic.Bool // its producers drained
}

func (l *shareLive) progress() *fleet.Progress {
	if l == nil {
		return nil
	}
	s := sampleAll(l.m.producers, l.m.consumers)
	return &fleet.Progress{Point: l.point, Acked: s.acked, Consumed: s.cons, AckedAll: s.ackedAll, ConsumedAll: s.consumedAll,
		Errors: s.failed, ProduceP99Ms: float64(l.col.lastP99.Load()) / 1000, Produced: l.produced.Load(),
		HasConsumers: l.m.p.Workload.Consumers > 0}
}

// runShare measures share of plan's point on this worker: its producers (record ids from
// share.IDBase, the share's rate) and its members of the point's consumer group, from the
// plan's common start converted to this clock. With consumers in the point it reports only when
// the whole group has read every acknowledged record (the coordinator's totals say so) or the
// drain bound ran out.
func (s *session) runShare(ctx context.Context, plan fleet.Plan, sh fleet.Share, off fleet.Offset, link shareLink) *fleet.Result {
	p := plan.Point
	groupSize := p.Workload.Consumers
	p.Workload.Producers, p.Workload.Rate, p.Workload.Consumers = sh.Producers, sh.Rate, sh.Consumers
	res := &stats.Result{Point: p, Start: time.Now()}
	res.Effective.ProducerConfig = profiles.Redact(producerConfig(s.conn, p, "kbench-producer"))
	clients, err := s.clientsFor(p)
	if err != nil {
		return &fleet.Result{Status: stats.StatusFailed, Error: err.Error()}
	}
	m := &measurement{s: s, p: p, clients: clients, topic: plan.Topic, partitions: plan.Partitions, res: res, idBase: sh.IDBase, fleetShare: true}
	m.plan()
	defer m.teardown()
	e2eUnc, err := m.newShareConsumers(plan, sh)
	if err != nil {
		return &fleet.Result{Status: stats.StatusFailed, Error: err.Error()}
	}
	if err := m.newProducers(); err != nil {
		return &fleet.Result{Status: stats.StatusFailed, Error: err.Error()}
	}
	live := &shareLive{point: plan.Point.ID, m: m, col: m.col}
	link.live.Store(live)
	start := time.Unix(0, off.ToLocal(plan.StartNs))
	m.setClock(start, p.Workload.Warmup, m.dur) // before the consumers poll: they read the clock
	m.polling = true
	for _, c := range m.consumers {
		go c.poll(ctx, m.stop)
	}
	if !m.waitShareAssigned(ctx, groupSize, start) && ctx.Err() == nil {
		m.note("this worker's consumers had no partition at the common start: the group was still forming")
	}
	t := time.NewTimer(time.Until(start)) // the common start: a schedule, not a synchronization
	select {
	case <-ctx.Done():
		t.Stop()
		return &fleet.Result{Status: stats.StatusIncomplete, Error: ErrInterrupted.Error()}
	case <-t.C:
	}
	m.startProducers(ctx)
	samples := m.measure(ctx)
	limit := s.opts.drainTimeout()
	if ctx.Err() != nil {
		limit = 5 * time.Second
	}
	drained := m.drainProducers(limit)
	live.produced.Store(true)
	caughtUp := true
	if groupSize > 0 && ctx.Err() == nil {
		var tot fleet.Progress
		if tot, caughtUp = link.worker.WaitCaughtUp(ctx, plan.Point.ID, limit); !caughtUp {
			m.note("the group had not read every acknowledged record within %s (%d of %d, all workers)", limit, tot.ConsumedAll, tot.AckedAll)
		}
	}
	m.record(samples, m.teardown())
	r := m.shareResult(ctx, drained && caughtUp)
	r.EndToEndUncertaintyNs = e2eUnc
	for _, s := range samples {
		r.LagBalance = append(r.LagBalance, s.ackedAll-s.consumedAll)
	}
	return r
}

// newShareConsumers creates the share's members of the point's group (the group is the
// point's, the same on every worker), each with the correction table that puts other workers'
// send times on this clock; it returns the end-to-end clock uncertainty.
func (m *measurement) newShareConsumers(plan fleet.Plan, sh fleet.Share) (int64, error) {
	if sh.Consumers == 0 {
		return 0, nil
	}
	ccfg := consumerConfig(m.s.conn, m.p, m.group, "kbench-consumer")
	m.commit = ccfg["enable.auto.commit"] == "false"
	if err := m.newConsumers(); err != nil {
		return 0, err
	}
	clock, err := fleet.NewSendClock(fleet.ProducerOwners(plan.Point.Workload.Producers, plan.Workers), plan.Offsets, sh.Worker)
	if err != nil {
		return 0, fmt.Errorf("end-to-end clock: %w", err)
	}
	for _, c := range m.consumers {
		c.fleet = &fleetRead{idBase: plan.IDBase, clock: clock, same: stats.NewHistogram(), read: audit.NewVerifier()}
	}
	return clock.UncertaintyNs, nil
}

// waitShareAssigned waits, at most until start, until each of this worker's consumers holds a
// partition (when the group has no more members than partitions; else true at once).
func (m *measurement) waitShareAssigned(ctx context.Context, groupSize int, start time.Time) bool {
	if len(m.consumers) == 0 || groupSize > m.partitions {
		return true
	}
	for ctx.Err() == nil {
		all := true
		for _, c := range m.consumers {
			if a, err := c.cons.Assignment(); err != nil || len(a) == 0 {
				all = false
			}
		}
		if all {
			return true
		}
		if time.Now().After(start) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// shareResult is what the worker reports: counters, encoded histograms, serialized ledgers
// and, with consumers, what they read.
func (m *measurement) shareResult(ctx context.Context, drained bool) *fleet.Result {
	mt := m.res.Metrics
	r := &fleet.Result{Status: stats.StatusOK, Notes: m.res.Notes, Sent: mt.Sent.Records, SentBytes: mt.Sent.Bytes,
		Acked: mt.Acked.Records, AckedBytes: mt.Acked.Bytes, FailedByError: mt.FailedByError,
		Histograms: m.res.Histograms, Series: m.res.Series, Seconds: mt.MeasuredSeconds,
		Consumed: mt.Consumed.Records, ConsumedBytes: mt.Consumed.Bytes}
	if ctx.Err() != nil || !drained {
		r.Status = stats.StatusIncomplete
	}
	for _, l := range m.finishedLedgers() {
		b, err := l.MarshalBinary()
		if err != nil {
			r.Status, r.Error = stats.StatusFailed, err.Error()
			return r
		}
		r.Ledgers = append(r.Ledgers, b)
	}
	addReads(r, m.consumers)
	return r
}

// addReads puts into r what the share's stopped consumers read: their identities (one
// verifier each) and the end-to-end histogram of the records this worker also produced.
func addReads(r *fleet.Result, consumers []*consumerWorker) {
	same := stats.NewHistogram()
	for _, c := range consumers {
		select {
		case <-c.done:
		default:
			continue // still running: what it read is not ours to send
		}
		if c.fleet == nil {
			continue
		}
		same.Merge(c.fleet.same)
		b, err := c.fleet.read.MarshalBinary()
		if err != nil {
			r.Status, r.Error = stats.StatusFailed, err.Error()
			return
		}
		r.Reads = append(r.Reads, b)
	}
	if same.Count() == 0 {
		return
	}
	if enc, err := same.Encode(); err == nil {
		if r.Histograms == nil {
			r.Histograms = map[string]string{}
		}
		r.Histograms[fleet.HistEndToEndSameWorker] = enc
	}
}
