package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	w := &fleet.Worker{Bus: bus, RunID: o.RunID, Index: o.Index, Timing: t, Now: nowNs,
		Share: func(ctx context.Context, p fleet.Plan, sh fleet.Share, off fleet.Offset) *fleet.Result {
			logf("worker %d: point %s: %d producers (ids %d..), %d/s, clock offset %s ±%s", o.Index, p.Point.ID, sh.Producers,
				sh.IDBase, sh.Rate, time.Duration(off.OffsetNs), time.Duration(off.UncertaintyNs))
			return s.runShare(ctx, p, sh, off)
		}}
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

// runShare measures share of plan's point on this worker: its producers only (record ids from
// share.IDBase, the share's rate), from the plan's common start converted to this clock.
func (s *session) runShare(ctx context.Context, plan fleet.Plan, sh fleet.Share, off fleet.Offset) *fleet.Result {
	p := plan.Point
	p.Workload.Producers, p.Workload.Rate, p.Workload.Consumers = sh.Producers, sh.Rate, 0
	res := &stats.Result{Point: p, Start: time.Now()}
	res.Effective.ProducerConfig = profiles.Redact(producerConfig(s.conn, p, "kbench-producer"))
	clients, err := s.clientsFor(p)
	if err != nil {
		return &fleet.Result{Status: stats.StatusFailed, Error: err.Error()}
	}
	m := &measurement{s: s, p: p, clients: clients, topic: plan.Topic, partitions: plan.Partitions, res: res, idBase: sh.IDBase}
	m.plan()
	defer m.teardown()
	if err := m.newProducers(); err != nil {
		return &fleet.Result{Status: stats.StatusFailed, Error: err.Error()}
	}
	start := time.Unix(0, off.ToLocal(plan.StartNs))
	t := time.NewTimer(time.Until(start)) // the common start: a schedule, not a synchronization
	select {
	case <-ctx.Done():
		t.Stop()
		return &fleet.Result{Status: stats.StatusIncomplete, Error: ErrInterrupted.Error()}
	case <-t.C:
	}
	m.setClock(start, p.Workload.Warmup, m.dur)
	m.startProducers(ctx)
	samples := m.measure(ctx)
	limit := s.opts.drainTimeout()
	if ctx.Err() != nil {
		limit = 5 * time.Second
	}
	drained := m.drainProducers(limit)
	m.record(samples, m.teardown())
	return m.shareResult(ctx, drained)
}

// shareResult is what the worker reports: counters, encoded histograms, serialized ledgers.
func (m *measurement) shareResult(ctx context.Context, drained bool) *fleet.Result {
	mt := m.res.Metrics
	r := &fleet.Result{Status: stats.StatusOK, Notes: m.res.Notes, Sent: mt.Sent.Records, SentBytes: mt.Sent.Bytes,
		Acked: mt.Acked.Records, AckedBytes: mt.Acked.Bytes, FailedByError: mt.FailedByError,
		Histograms: m.res.Histograms, Series: m.res.Series, Seconds: mt.MeasuredSeconds}
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
	return r
}
