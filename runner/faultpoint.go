package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/faults"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// This file wires faults, consumer worker processes and the availability numbers into a point's
// measurement; point.go calls these hooks at the matching moments of a point's life.

// healTimeout bounds bringing the cluster back after the measured phase.
const healTimeout = 3 * time.Minute

// defaultProcessingDelay is how long after polling a consumer worker processes a record, unless
// Options.ConsumerProcessingDelay says otherwise.
const defaultProcessingDelay = 200 * time.Millisecond

// faultState is one point's fault machinery (zero: no faults, in-process consumers).
type faultState struct {
	runner   *faults.Runner
	pool     *workerPool
	mode     string
	delay    time.Duration
	caughtUp bool
}

// ErrFaultSetup says the fault schedule cannot run against this cluster (a missing remote
// command, a target that does not exist): the profile or flags must change.
var ErrFaultSetup = faults.ErrSetup

// outputTailBytes is how much of a process's output an event or a note keeps.
const outputTailBytes = faults.OutputTailBytes

func tailString(s string, n int) string { return faults.TailString(s, n) }

// newInjector is the run's fault injector: the local cluster's processes when kbench runs the
// cluster and no --fault-command was given, else the user's commands.
func newInjector(opts Options) (faults.Injector, error) {
	var local faults.Processes
	if cl := opts.control(); cl.Local() {
		local = cl
	}
	return faults.NewInjector(local, opts.Faults, opts.FaultCommands, opts.FaultCommandTimeout)
}

// crasher kills and replaces consumer worker processes for the fault schedule.
type crasher struct{ wp *workerPool }

func (c crasher) Kill(i int) (string, error)  { return c.wp.kill(i) }
func (c crasher) Start(i int) (string, error) { return c.wp.start(i) }

// checkFaultSetup refuses, before anything runs, a schedule this cluster cannot carry out: a
// remote cluster without the needed commands, a target outside a point's workload.
func checkFaultSetup(opts Options, points []profiles.Point) error {
	for _, p := range points {
		if p.Settings.PowerLossBrokers != nil && !powerLossOfAll(opts.Faults) {
			return fmt.Errorf("%w: point %s sets power-loss.brokers, which narrows a power-loss fault of target all, and the schedule has none", ErrFaultSetup, p.ID)
		}
	}
	if len(opts.Faults) == 0 {
		return nil
	}
	if _, err := newInjector(opts); err != nil {
		return err
	}
	var errs []error
	for _, p := range points {
		for _, msg := range profiles.CheckFaults(opts.Faults, p.Workload) {
			errs = append(errs, fmt.Errorf("%w: point %s: %s", ErrFaultSetup, p.ID, msg))
		}
		for _, f := range opts.Faults {
			switch {
			case f.Target.Kind == profiles.TargetCopier && !p.Copy():
				errs = append(errs, fmt.Errorf("%w: point %s: fault %s targets a copier, but the point does not run pipeline: copy", ErrFaultSetup, p.ID, f))
			case f.Target.Kind == profiles.TargetCoordinator && !p.Copy() && !p.Transactional():
				errs = append(errs, fmt.Errorf("%w: point %s: fault %s targets the transaction coordinator, but the point runs no transactions (transactional: true or pipeline: copy)", ErrFaultSetup, p.ID, f))
			}
		}
	}
	return errors.Join(errs...)
}

func powerLossOfAll(schedule []profiles.Fault) bool {
	for _, f := range schedule {
		if f.Action == profiles.FaultPowerLoss && f.Target.Kind == profiles.TargetAll {
			return true
		}
	}
	return false
}

// usesWorkers says whether the point's consumers run as worker processes.
func (m *measurement) usesWorkers() bool {
	if m.p.Workload.Consumers == 0 || m.p.Copy() { // with the copy pipeline, consumer faults hit the copiers
		return false
	}
	if m.s.opts.ConsumerProcesses {
		return true
	}
	for _, f := range m.s.opts.Faults {
		if f.Target.Kind == profiles.TargetConsumer {
			return true
		}
	}
	return false
}

// startWorkerConsumers starts one worker process per consumer, each a static member of group.
func (m *measurement) startWorkerConsumers(conn connection, group string, afterProcessing bool) error {
	command := m.s.opts.WorkerCommand
	if len(command) == 0 {
		var err error
		if command, err = defaultWorkerCommand(); err != nil {
			return err
		}
	}
	m.fx.mode = string(profiles.CommitAuto)
	if afterProcessing {
		m.fx.mode = string(profiles.CommitAfterProcessing)
	}
	m.fx.delay = m.s.opts.ConsumerProcessingDelay
	if m.fx.delay <= 0 {
		m.fx.delay = defaultProcessingDelay
	}
	spec := func(i int) WorkerSpec {
		cfg := consumerConfig(conn, m.p, group, fmt.Sprintf("kbench-consumer-%d", i))
		// Static membership: a replacement takes over its crashed predecessor's partitions at
		// once instead of waiting for the group's session timeout.
		cfg["group.instance.id"] = fmt.Sprintf("%s-member-%d", group, i)
		return WorkerSpec{Client: m.clients.consumer.Name(), Config: cfg, Topic: m.topic, CommitMode: m.fx.mode, ProcessingDelayMs: m.fx.delay.Milliseconds()}
	}
	m.fx.pool = newWorkerPool(command, m.p.Workload.Consumers, spec)
	for i := range m.fx.pool.slots {
		cw := &consumerWorker{commit: afterProcessing, e2e: stats.NewHistogram(), errs: map[string]int64{}, done: make(chan struct{}), slot: m.fx.pool.slots[i]}
		m.consumers = append(m.consumers, cw)
		if _, err := m.fx.pool.start(i); err != nil {
			return err
		}
	}
	return nil
}

// startConsumerReaders starts the goroutines that read the worker processes' frames.
func (m *measurement) startConsumerReaders() {
	for _, c := range m.consumers {
		if c.slot != nil {
			go c.slot.read(c)
		}
	}
}

// startFaults begins the fault schedule; the scheduler times it from the measured phase's start.
func (m *measurement) startFaults(ctx context.Context) {
	if len(m.s.opts.Faults) == 0 {
		return
	}
	inj, err := newInjector(m.s.opts)
	if err != nil {
		m.note("faults not run: %v", err)
		return
	}
	cfg := faults.Config{
		Schedule: m.s.opts.Faults, Injector: inj, Metadata: m.s.admin, Topic: m.topic, Partitions: m.partitions,
		Clock: faults.Clock{Start: m.clock.Start, Measure: m.clock.Measure, End: m.clock.End},
	}
	if n := m.p.Settings.PowerLossBrokers; n != nil {
		cfg.AllBrokers = *n
	}
	if m.fx.pool != nil {
		cfg.Consumers = crasher{m.fx.pool}
	}
	var ct copyFaultTargets
	m.copyFaultConfig(&ct)
	if ct.copiers.p != nil {
		cfg.Copiers, cfg.Consumers = ct.copiers, ct.copiers
	}
	cfg.Coordinator = ct.coordinator
	m.fx.runner = faults.NewRunner(cfg)
	m.fx.runner.Start(ctx)
}

// endFaults stops the schedule once the measured phase is over, lets the current fault heal,
// heals whatever is still broken and waits for full ISRs, so the verification read comes after.
func (m *measurement) endFaults(ctx context.Context) {
	r := m.fx.runner
	if r == nil {
		return
	}
	r.Finish()
	m.res.Faults = r.Report()
	healed, detail := r.HealAll(ctx, healTimeout)
	m.res.Faults.Healed, m.res.Faults.HealDetail = healed, detail
	if !healed {
		m.note("the cluster was not fully healed before the verification read: %s", detail)
	}
}

// waitWorkersCaughtUp is the consumer drain for worker processes: bounded wait until the group
// processed everything up to the high watermarks.
func (m *measurement) waitWorkersCaughtUp(ctx context.Context, limit time.Duration) {
	if m.fx.pool == nil || ctx.Err() != nil {
		return
	}
	m.fx.caughtUp = m.fx.pool.waitCaughtUp(ctx, m.partitions, limit)
	if !m.fx.caughtUp {
		m.note("consumer workers had not processed everything within %s (skipped counts may include records still unread)", limit)
	}
}

// fillAvailability sums the producers' timelines into the result's availability numbers.
func (m *measurement) fillAvailability() {
	var acks *faults.Timeline
	fails := map[string]*faults.Timeline{}
	for _, pw := range m.producers {
		select {
		case <-pw.done:
		default:
			continue
		}
		if pw.tl == nil {
			continue
		}
		if acks == nil {
			acks = faults.NewTimeline(pw.tl.start, pw.tl.span)
		}
		acks.Merge(pw.tl.acks)
		for name, t := range pw.tl.fails {
			if fails[name] == nil {
				fails[name] = faults.NewTimeline(pw.tl.start, pw.tl.span)
			}
			fails[name].Merge(t)
		}
	}
	if acks == nil {
		return
	}
	var firings []faults.Firing
	if m.fx.runner != nil {
		firings = m.fx.runner.Firings()
	}
	m.res.Availability = faults.ComputeAvailability(acks, fails, firings, m.clock.Measure, m.clock.End)
}

// auditFaults adds the classification check, the idempotence verdict and the consumer group's
// account to the audit.
func (m *measurement) auditFaults(ledgers []*audit.Ledger, v *audit.Verifier) {
	a := &m.res.Audit
	// Transactions need the idempotent producer (librdkafka turns it on with transactional.id).
	audit.Finish(a, ledgers, v, m.res.Effective.ProducerConfig["enable.idempotence"] == "true" || m.p.Transactional())
	if m.p.Transactional() {
		audit.FinishTxn(a, ledgers, v, string(profiles.ReadCommitted))
		if t := a.Transactions; t != nil && t.AbortedVisible > 0 {
			m.note("DEFECT: %d records of aborted transactions visible to the read_committed verification read (%s)", t.AbortedVisible, strings.Join(t.AbortedVisibleExamples, ", "))
		}
	}
	a.VerifiedAfterFaultsHealed = m.fx.runner == nil || (m.res.Faults != nil && m.res.Faults.Healed)
	if a.DuplicatesDefect {
		m.note("DEFECT: %d duplicates although the producers were idempotent", a.Duplicates)
	}
	if a.FailedButConsumed > 0 {
		m.note("%d records reported as definitely failed were read back: their error did not mean 'not written'", a.FailedButConsumed)
	}
	if m.fx.pool == nil {
		return
	}
	ca := m.fx.pool.audit(v)
	ca.CommitMode, ca.ProcessingDelayMs = m.fx.mode, float64(m.fx.delay.Milliseconds())
	ca.CaughtUp = m.fx.caughtUp
	m.res.ConsumerAudit = &ca
	for i := range m.fx.pool.slots {
		if tail := m.fx.pool.stderrTail(i); tail != "" {
			m.note("consumer worker %d stderr: %s", i, tail)
		}
	}
}

// producerTimelines are one producer's ack and failure timelines, written by its delivery
// goroutine only.
type producerTimelines struct {
	start int64
	span  time.Duration
	acks  *faults.Timeline
	fails map[string]*faults.Timeline // allocated on the first failure of each error name
}

func newProducerTimelines(clock phaseClock, drain time.Duration) *producerTimelines {
	span := time.Duration(clock.End-clock.Start) + drain + faults.TimelineTail
	return &producerTimelines{start: clock.Start, span: span, acks: faults.NewTimeline(clock.Start, span), fails: map[string]*faults.Timeline{}}
}

// ack counts one successful acknowledgement at now; nil-safe.
func (p *producerTimelines) ack(now int64) {
	if p != nil {
		p.acks.Add(now)
	}
}

// fail counts one failed delivery at now; nil-safe.
func (p *producerTimelines) fail(now int64, name string) {
	if p == nil {
		return
	}
	t := p.fails[name]
	if t == nil {
		t = faults.NewTimeline(p.start, p.span)
		p.fails[name] = t
	}
	t.Add(now)
}
