package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/safety"
	"github.com/kbench/kbench/stats"
)

// ErrStaticOnRemote refuses a point with static broker settings on a cluster kbench does not run:
// they need a broker restart, which kbench only does to its own local cluster.
var ErrStaticOnRemote = errors.New("static broker settings need a broker restart")

// ErrInterrupted marks a point stopped by Ctrl-C (or the context otherwise ending).
var ErrInterrupted = errors.New("interrupted")

// topicName is the fresh topic of one point: "kbench-<run>-<point>", restricted to the characters
// Kafka allows in topic names and to its 249-character limit.
func topicName(runID, pointID string) string {
	return safety.TopicName(safety.DefaultTopicPrefix, runID, pointID)
}

// testHookBeforeDelete, when set by a test, sees each point's topic before it is deleted.
var testHookBeforeDelete func(topic string, partitions int)

// progressFunc receives one snapshot per second of the measured phase.
type progressFunc func(snap pointProgress)

// pointProgress is what the progress line shows about the running point.
type pointProgress struct {
	Elapsed, Duration time.Duration
	AckedPerSecond    float64
	ProduceP99Ms      float64
	Errors            int64
	Lag               int64
	// Workers and WorkersAlive: a point measured by kbench workers (0: one process).
	Workers, WorkersAlive int
}

// runPoint measures one point and always returns a result: StatusOK, StatusIncomplete (interrupted
// or a bounded wait ran out) or StatusFailed with the error, which is also returned.
func (s *session) runPoint(ctx context.Context, p profiles.Point, progress progressFunc) (res *stats.Result, err error) {
	res = s.newPointResult(p)
	defer endPointResult(ctx, res, &err)

	if w := p.Workload; w.MessageSizeMin < record.HeaderLen || w.MessageSizeMax < record.HeaderLen {
		return res, fmt.Errorf("message size %d to %d bytes: kbench's records are at least %d bytes (the record header); nothing was sent",
			w.MessageSizeMin, w.MessageSizeMax, record.HeaderLen)
	}
	clients, err := s.clientsFor(p)
	if err != nil {
		return res, err
	}
	recordClients(res, p, clients)
	if err := s.applyStatic(ctx, p.BrokerStaticConfig()); err != nil {
		return res, err
	}
	restore, err := s.applyBrokerDynamic(ctx, p)
	defer func() {
		if rerr := restore.Restore(); rerr != nil {
			res.Notes = append(res.Notes, rerr.Error())
			err = errors.Join(err, rerr)
		}
	}()
	if err != nil {
		return res, err
	}

	lease, err := s.acquireTopic(ctx, p)
	if err != nil {
		return res, err
	}
	topic, partitions := lease.name, lease.partitions
	defer func() {
		if testHookBeforeDelete != nil {
			testHookBeforeDelete(topic, partitions)
		}
		if derr := s.release(lease); derr != nil {
			res.Notes = append(res.Notes, "topic left behind: "+derr.Error())
		}
	}()
	eff := &res.Effective
	eff.Topic = topic
	if eff.TopicConfig, eff.ReplicationFactor, eff.Partitions, err = describeTopic(ctx, s.admin, topic, p.TopicConfig()); err != nil {
		if !lease.existing {
			return res, err
		}
		eff.Partitions = partitions
		res.Notes = append(res.Notes, "settings of the existing topic not read back: "+err.Error())
	}
	if eff.BrokerConfig, err = safety.DescribeBrokers(ctx, s.admin, s.brokers, brokerKeysToRead(p)); err != nil {
		return res, err
	}
	res.Notes = append(res.Notes, flushSchedulerNotes(p, eff.BrokerConfig)...)
	m := &measurement{s: s, p: p, clients: clients, topic: topic, partitions: partitions, res: res, progress: progress, lease: lease, idBase: s.producerIDBase()}
	if !s.ctl().Local() {
		return res, m.run(ctx)
	}
	guarded, stop := diskGuard{dir: s.ctl().Dir(), space: statfsSpace}.watch(ctx) // diskguard.go
	defer stop()
	err = m.run(guarded)
	if low := diskLow(ctx, guarded); low != nil {
		return res, low
	}
	return res, err
}

// newPointResult is the result a point's measurement fills (one process or the workers'
// coordinator alike): the run, the profile, the point, its notes and the environment.
func (s *session) newPointResult(p profiles.Point) *stats.Result {
	return &stats.Result{
		FormatVersion: stats.FormatVersion, RunID: s.runID, Profile: s.opts.Profile, Point: p,
		Start: time.Now(), Environment: s.env, Notes: append([]string(nil), p.Notes...),
	}
}

// endPointResult stamps res's end and, when the point ends on ctx or an error (*err, the
// point's returned error, which it sets to ErrInterrupted when ctx ended without one), its
// status and error. Deferred first, it runs last: it sees the error the other cleanups joined.
func endPointResult(ctx context.Context, res *stats.Result, err *error) {
	res.End = time.Now()
	switch {
	case ctx.Err() != nil:
		res.Status, res.Error = stats.StatusIncomplete, ErrInterrupted.Error()
		if *err == nil {
			*err = ErrInterrupted
		}
	case *err != nil:
		res.Status, res.Error = stats.StatusFailed, (*err).Error()
	}
}

// recordClients writes into the result which client library runs each of the point's clients,
// and the notes of a reader that could not use its default.
func recordClients(res *stats.Result, p profiles.Point, c pointClients) {
	res.Effective.ProducerClient = libraryOf(c.producer)
	if p.Workload.Consumers > 0 {
		res.Effective.ConsumerClient = libraryOf(c.consumer)
	}
	res.Effective.VerifyClient = libraryOf(c.verify)
	res.Notes = append(res.Notes, c.notes...)
}

// measurement is one point's measured run: clients, workers, and what they leave behind.
type measurement struct {
	s          *session
	p          profiles.Point
	clients    pointClients // the client library of its producers, consumers and verification read
	topic      string
	partitions int
	res        *stats.Result
	progress   progressFunc
	lease      *topicLease // the topic and, on an existing topic, where the point's records begin
	idBase     uint32      // first producer id (random on an existing topic: marks this point's records)
	fleetShare bool        // a kbench worker's share: the group's lag is the coordinator's to judge

	// Decided once by plan.
	dur         time.Duration // measured phase
	nsec        int           // its seconds (the collector's length)
	maxIn       int64         // records in flight per producer
	backlogMode bool          // consume.mode backlog
	group       string
	commit      bool          // consumers commit after processing
	stop        chan struct{} // closed to stop the consumers' poll loops
	read        *readSignal   // the consumers' reads, for the phases that wait on them

	clock     phaseClock
	col       *collector
	warmCol   *collector    // the warmup's per-window produce latencies (adaptive warmup; nil: none)
	warmStep  time.Duration // the warmup's window length (warmupStep)
	producers []*producerWorker
	consumers []*consumerWorker
	sends     sync.WaitGroup     // the producers' send loops
	polling   bool               // consumer poll loops started (warmup)
	sending   bool               // producers started (warmup): drain closes them, not teardown
	torn      bool               // teardown ran; allDone is its answer
	allDone   bool               // every client stopped in time
	backlog   *stats.BacklogRead // consume.mode backlog: the read after the producers
	fx        faultState         // faults, consumer worker processes (faultpoint.go)
	cp        copyState          // the copy pipeline (copy.go)
}

func (m *measurement) note(format string, args ...any) {
	m.res.Notes = append(m.res.Notes, fmt.Sprintf(format, args...))
}

// run is the point's life as phases: setup (clients), warmup (group join, clock, producers and
// faults started), measure, drain, teardown (clients stopped), record and audit. teardown is
// deferred once and idempotent: an error in any phase leaves through the same cleanup, and the
// normal path calls it before the metrics are read (they need every client stopped).
func (m *measurement) run(ctx context.Context) error {
	m.plan()
	defer m.releaseCopyOutput() // after teardown stopped the copiers
	defer m.teardown()
	if err := m.setup(ctx); err != nil {
		return err
	}
	m.warmup(ctx)
	samples := m.measure(ctx)
	drained, err := m.drain(ctx)
	if err != nil {
		return err
	}
	m.record(samples, m.teardown())
	if ctx.Err() != nil {
		m.skipAudit("interrupted before the read began")
		return ErrInterrupted
	}
	if err := m.audit(ctx); err != nil {
		return err
	}
	if !drained || !m.res.Audit.ReadComplete() {
		m.res.Status = stats.StatusIncomplete
	} else {
		m.res.Status = stats.StatusOK
	}
	return nil
}

// plan computes the point's defaults once: the measured duration and its seconds, the group,
// the commit mode, the consume mode and how deep a producer's pipeline may get.
func (m *measurement) plan() {
	w := m.p.Workload
	m.dur = w.Duration
	if m.dur <= 0 {
		m.dur = 10 * time.Second
	}
	m.nsec = int(math.Ceil(m.dur.Seconds()))
	m.maxIn = int64(w.MaxInFlight)
	if m.maxIn <= 0 {
		m.maxIn = defaultMaxInFlight
	}
	m.backlogMode = w.Backlog()
	m.group = m.s.groupFor(m.p)
	m.stop = make(chan struct{})
	m.read = newReadSignal()
	m.col = newCollector(m.nsec)
	go m.col.run()
}

// setup creates the clients. Consumers come first: a fresh group takes seconds to form
// (group.initial.rebalance.delay.ms), and that must happen before the measured phase.
func (m *measurement) setup(ctx context.Context) error {
	if m.p.Copy() {
		if err := m.setupCopy(ctx); err != nil {
			return err
		}
	}
	m.probeFsync()
	ccfg := consumerConfig(m.s.conn, m.p, m.group, "kbench-consumer")
	m.res.Effective.ConsumerConfig = profiles.Redact(ccfg)
	m.commit = ccfg["enable.auto.commit"] == "false"
	if m.backlogMode && (m.usesWorkers() || (m.lease != nil && m.lease.existing)) {
		return errors.New("consume.mode backlog runs the consumers in kbench's process on a fresh topic: not with consumer processes, consumer faults or --existing-topic")
	}
	if m.p.Workload.Consumers > 0 {
		m.res.Effective.ConsumerClientOptions = optionsOf(m.clients.consumer, ccfg, "consumer")
	}
	if m.usesWorkers() {
		if err := m.startWorkerConsumers(m.s.conn, m.group, m.commit); err != nil {
			return fmt.Errorf("start consumer workers: %w", err)
		}
	}
	if !m.backlogMode && m.fx.pool == nil {
		if err := m.newConsumers(); err != nil {
			return err
		}
	}
	pcfg := producerConfig(m.s.conn, m.p, "kbench-producer")
	if m.p.Transactional() {
		pcfg["transactional.id"] = transactionalID(m.s.runID, m.p.ID, 0)
		m.note("transactional.id per producer instance: %s to -%d; a record is acknowledged when its transaction commits", pcfg["transactional.id"], max(1, m.p.Workload.Producers)-1)
	}
	m.res.Effective.ProducerConfig = profiles.Redact(pcfg)
	m.res.Effective.ProducerClientOptions = optionsOf(m.clients.producer, pcfg, "producer")
	if m.p.Workload.Rate == 0 {
		m.note("max rate (closed loop) with up to %d records in flight per producer: produce latency here is mostly time queued in the client (in flight / throughput, Little's law); measure latency at a target rate", m.maxIn)
	}
	if err := m.newProducers(); err != nil {
		return err
	}
	if m.p.Transactional() {
		return m.initTransactions()
	}
	return nil
}

// newProducers creates the point's producer instances (not yet sending).
func (m *measurement) newProducers() error {
	w := m.p.Workload
	nprod := max(1, w.Producers)
	for i := 0; i < nprod; i++ {
		cfg := producerConfig(m.s.conn, m.p, fmt.Sprintf("kbench-producer-%d", i))
		if m.p.Transactional() {
			cfg["transactional.id"] = transactionalID(m.s.runID, m.p.ID, i)
		}
		pr, err := m.clients.producer.NewProducer(cfg)
		if err != nil {
			return fmt.Errorf("create producer (config %s): %w", formatConfig(profiles.Redact(cfg)), err)
		}
		pw := &producerWorker{
			id: m.idBase + uint32(i), p: pr, topic: m.topic, nparts: int32(m.partitions), keyDist: w.KeyDistribution,
			sizes: newSizeCycle(w.MessageSizeMin, w.MessageSizeMax), maxIn: m.maxIn,
			room: make(chan struct{}, 1), sendFailed: map[string]int64{}, ledger: audit.NewLedger(m.idBase + uint32(i)),
			produce: stats.NewHistogram(), produceRaw: stats.NewHistogram(), clientErrs: map[string]int64{},
			failedByName: map[string]int64{}, done: make(chan struct{}),
		}
		m.producers = append(m.producers, pw)
		if m.p.Transactional() {
			if pw.txn, err = newTxnState(pr, newTxnSettings(m.p.Settings)); err != nil {
				return errTxnUnsupported(err)
			}
			pw.ledger.Transactional()
		}
		if w.Rate > 0 {
			pw.sendDelay = stats.NewHistogram() // closed loop schedules nothing: no delay to record
			if pw.pacer, err = NewPacer(w.Rate, nprod, i, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// warmup starts the consumers and waits (bounded) until the group has every partition, then
// starts the clock (warmup, then the measured phase), the producers and the fault schedule.
func (m *measurement) warmup(ctx context.Context) {
	m.polling = true
	for _, c := range m.consumers {
		if c.slot == nil {
			go c.poll(ctx, m.stop)
		}
	}
	m.startConsumerReaders()
	m.waitCopiersAssigned(ctx, 30*time.Second)
	if len(m.consumers) > 0 && !m.waitAssigned(ctx, 30*time.Second) {
		if ctx.Err() == nil {
			m.note("consumer group did not get every partition within 30s; end-to-end latency includes the join")
		}
	}
	_, bound := m.warmupBounds()
	m.setClock(time.Now(), bound, m.dur)
	m.startProducers(ctx)
	m.startFaults(ctx)
	m.settle(ctx)
}

// startProducers starts every producer's send loop and delivery reader (the clock is set).
func (m *measurement) startProducers(ctx context.Context) {
	m.sending = true
	for _, pw := range m.producers {
		go pw.deliveries()
		m.sends.Add(1)
		go func() { defer m.sends.Done(); pw.send(ctx) }()
	}
}

// measure samples the counters once a second (and, with transactions, the last-stable-offset
// lag five times a second) until the measured phase ends, waits for the send loops to stop, then ends the fault schedule (healing the cluster before anything reads).
func (m *measurement) measure(ctx context.Context) []sample {
	lso := m.startLSOSampler(ctx) // lsolag.go: nil without transactions
	samples := m.sampleMeasured(ctx, m.nsec)
	m.sends.Wait()
	m.res.Metrics.LastStableOffsetLag = lso.result(m, 2*lsoSampleTimeout)
	m.endFaults(ctx)
	return samples
}

// drain waits, bounded (5 s after Ctrl-C), for outstanding deliveries, then for the consumers to
// catch up (or runs the backlog read). It returns false when deliveries were purged.
func (m *measurement) drain(ctx context.Context) (bool, error) {
	limit := m.s.opts.drainTimeout()
	if ctx.Err() != nil {
		limit = 5 * time.Second
	}
	drained := m.drainProducers(limit)
	m.waitWorkersCaughtUp(ctx, limit)
	m.waitCopiersCaughtUp(ctx, limit)
	switch {
	case ctx.Err() != nil:
	case m.backlogMode:
		return drained, m.readBacklog(ctx, limit)
	case len(m.consumers) > 0 && m.fx.pool == nil:
		m.waitCaughtUp(ctx, limit)
	}
	return drained, nil
}

// drainProducers drains every producer at once; false when one had to purge.
func (m *measurement) drainProducers(limit time.Duration) bool {
	var wg sync.WaitGroup
	clean := make([]bool, len(m.producers))
	for i, pw := range m.producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clean[i] = pw.drain(limit)
		}()
	}
	wg.Wait()
	drained := true
	for i, ok := range clean {
		if !ok {
			drained = false
			m.note("producer %d: deliveries still outstanding after %s; purged (counted as indeterminate)", i, limit)
		}
	}
	return drained
}

// waitCaughtUp waits (bounded) until the in-process consumers have read every acknowledged
// record, woken by their reads rather than a timer.
func (m *measurement) waitCaughtUp(ctx context.Context, limit time.Duration) {
	m.read.arm(0)
	bound := time.NewTimer(limit)
	defer bound.Stop()
	for {
		if s := sampleAll(m.producers, m.consumers); s.consumedAll >= s.ackedAll {
			return
		}
		select {
		case <-m.read.moved:
		case <-bound.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// teardown stops every client the point started (once; later calls return the first answer):
// consumers, producers that never started sending, the per-second collector. It returns false
// when a client did not stop in time; its histograms are then not read.
func (m *measurement) teardown() bool {
	if m.torn {
		return m.allDone
	}
	m.torn = true
	if !m.sending {
		m.closeProducers()
	}
	allDone := m.stopConsumers()
	for _, pw := range m.producers {
		select {
		case <-pw.done:
		default:
			allDone = false
		}
	}
	if allDone {
		close(m.col.in)
		<-m.col.finished
		if m.warmCol != nil {
			close(m.warmCol.in)
			<-m.warmCol.finished
		}
	} else {
		m.col = newCollector(m.nsec) // never read the one a stuck goroutine may still write
	}
	m.allDone = allDone
	return allDone
}

// record fills the result's metrics, availability and interval log once every client stopped.
func (m *measurement) record(samples []sample, allDone bool) {
	if !allDone {
		m.note("a client did not shut down in time; per-second latency percentiles left out")
	}
	m.fillMetrics(samples, m.dur)
	m.fillAvailability()
	if allDone && m.s.opts.IntervalLogs != nil && !m.s.warming {
		if err := writeHlog(m.s.opts.IntervalLogs, m.res, m.col, time.Unix(0, m.clock.Measure)); err != nil {
			m.note("interval log not written: %v", err)
		}
	}
}

func (m *measurement) setClock(start time.Time, warmup, dur time.Duration) {
	m.clock = phaseClock{Start: start.UnixNano(), Measure: start.Add(warmup).UnixNano(), End: start.Add(warmup + dur).UnixNano(),
		idBase: m.idBase, producers: uint64(len(m.producers))}
	if r := m.p.Workload.Rate; r > 0 {
		m.clock.rate = uint64(r)
	}
	if m.adaptive() {
		m.clock.live = &liveBounds{}
		m.clock.live.measure.Store(m.clock.Measure)
		m.clock.live.end.Store(m.clock.End)
		m.warmStep = m.warmupStep()
		m.warmCol = newCollector(int(math.Ceil(float64(warmup)/float64(m.warmStep))) + 1)
		go m.warmCol.run()
	}
	for _, pw := range m.producers {
		pw.clock = m.clock
		pw.win = newWindow(kindProduce, m.clock, m.col)
		pw.delayWin = newWindow(kindSendDelay, m.clock, m.col)
		if m.warmCol != nil {
			pw.warmWin = newWarmWindow(m.clock, m.warmCol, m.warmStep)
		}
		pw.tl = newProducerTimelines(m.clock, m.s.opts.drainTimeout())
		if pw.txn != nil {
			pw.txn.win = newWindow(kindProduce, m.clock, m.col)
			if m.warmCol != nil {
				pw.txn.warmWin = newWarmWindow(m.clock, m.warmCol, m.warmStep)
			}
		}
	}
	for _, c := range m.consumers {
		c.clock = m.clock
		c.win = newWindow(kindEndToEnd, m.clock, m.col)
	}
}

// newConsumers creates the point's in-process measuring consumers, subscribed to its topic.
func (m *measurement) newConsumers() error {
	for i := 0; i < m.p.Workload.Consumers; i++ {
		c, err := m.clients.consumer.NewConsumer(consumerConfig(m.s.conn, m.p, m.group, fmt.Sprintf("kbench-consumer-%d", i)))
		if err != nil {
			return fmt.Errorf("create consumer: %w", err)
		}
		if err := c.Subscribe(m.consumerTopic()); err != nil {
			_ = c.Close()
			return fmt.Errorf("subscribe to %s: %w", m.consumerTopic(), err)
		}
		m.consumers = append(m.consumers, &consumerWorker{cons: c, commit: m.commit, backlog: m.backlogMode, read: m.read,
			e2e: stats.NewHistogram(), errs: map[string]int64{}, done: make(chan struct{})})
	}
	return nil
}

// readBacklog runs consume.mode backlog once the producers have finished: a fresh group reads the
// topic from the earliest offset until it has every acknowledged record (or limit runs out).
// The rate is over first record to last, so the group join is left out as ConsumerPerformance
// leaves it out; the process CPU over the same span is the consumers' cost, the producers being
// idle and this goroutine asleep until the consumers signal the first and the last record.
func (m *measurement) readBacklog(ctx context.Context, limit time.Duration) error {
	target := sampleAll(m.producers, nil).ackedAll
	m.read.arm(target) // before the consumers exist: every record they read counts
	if err := m.newConsumers(); err != nil {
		return err
	}
	subscribed := time.Now()
	for _, c := range m.consumers {
		go c.poll(ctx, m.stop)
	}
	bound := time.NewTimer(limit)
	defer bound.Stop()
	cpu0, cpu := m.awaitBacklog(ctx, target, bound.C)
	close(m.stop) // the consumers are closed with the live ones' path (stopConsumers) later
	for _, c := range m.consumers {
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			return errors.New("backlog read: a consumer did not stop within 5s")
		}
	}
	all := sampleAll(nil, m.consumers)
	b := &stats.BacklogRead{Records: all.cons, Bytes: all.cB, Complete: all.consumedAll >= target}
	var first, last int64
	for _, c := range m.consumers {
		if c.firstNs != 0 && (first == 0 || c.firstNs < first) {
			first = c.firstNs
		}
		last = max(last, c.lastNs)
	}
	if first != 0 {
		b.JoinSeconds = time.Unix(0, first).Sub(subscribed).Seconds()
		b.ReadSeconds = float64(last-first) / 1e9
		b.CPUSeconds = (cpu - cpu0).Seconds()
	}
	if !b.Complete {
		m.note("backlog read: the consumers read %d of %d acknowledged records within %s", all.consumedAll, target, limit)
	}
	m.backlog = b
	return nil
}

// awaitBacklog sleeps until the consumers read their first record (the CPU clock starts) and
// then the target (or the bound or ctx ends it); it returns the process CPU at both moments.
func (m *measurement) awaitBacklog(ctx context.Context, target int64, bound <-chan time.Time) (cpu0, cpu1 time.Duration) {
	if target > 0 {
		select {
		case <-m.read.first:
			cpu0 = processCPU()
		case <-bound:
			return 0, 0
		case <-ctx.Done():
			return 0, 0
		}
	}
	if target <= 0 || len(m.read.moved) > 0 || sampleAll(nil, m.consumers).consumedAll >= target {
		return cpu0, processCPU()
	}
	select {
	case <-m.read.moved:
	case <-bound:
	case <-ctx.Done():
	}
	return cpu0, processCPU()
}

// processCPU is the process's user+system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitAssigned waits until the consumers together hold every partition.
func (m *measurement) waitAssigned(ctx context.Context, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		n := 0
		for _, c := range m.consumers {
			if c.slot != nil {
				continue
			}
			if a, err := c.cons.Assignment(); err == nil {
				n += len(a)
			}
		}
		if m.fx.pool != nil {
			n += m.fx.pool.assigned()
		}
		if n >= m.partitions {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// sampleMeasured takes one counter sample at the start of the measured phase and one per second
// after it, reporting progress each time, until the phase ends or ctx is done.
func (m *measurement) sampleMeasured(ctx context.Context, nsec int) []sample {
	var samples []sample
	measure := time.Unix(0, m.clock.Measure)
	for i := 0; i <= nsec; i++ {
		at := measure.Add(time.Duration(i) * time.Second)
		if end := time.Unix(0, m.clock.End); at.After(end) {
			at = end
		}
		t := time.NewTimer(time.Until(at))
		select {
		case <-ctx.Done():
			t.Stop()
			samples = append(samples, measuredSample(m.producers, m.consumers))
			return samples
		case <-t.C:
		}
		s := measuredSample(m.producers, m.consumers)
		samples = append(samples, s)
		if m.progress != nil && i > 0 {
			prev := samples[len(samples)-2]
			dt := s.at.Sub(prev.at).Seconds()
			m.progress(pointProgress{
				Elapsed: s.at.Sub(measure), Duration: time.Duration(m.clock.End - m.clock.Measure),
				AckedPerSecond: float64(s.acked-prev.acked) / math.Max(dt, 1e-9),
				ProduceP99Ms:   float64(m.col.lastP99.Load()) / 1000,
				Errors:         s.failed, Lag: s.lag(),
			})
		}
	}
	return samples
}

// stopConsumers stops the poll loops and closes the consumers; false if one did not stop in time.
func (m *measurement) stopConsumers() bool {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	ok := true
	if m.cp.pool != nil {
		m.cp.pool.stopAll(10 * time.Second)
	}
	if m.fx.pool != nil {
		m.fx.pool.stopAll(10 * time.Second)
	}
	for _, c := range m.consumers {
		if !m.polling { // set up but never polled (an error before warmup): nothing to wait for
			if c.cons != nil {
				closeBounded(func() { _ = c.cons.Close() }, 10*time.Second)
			}
			continue
		}
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			ok = false
			continue
		}
		if c.cons == nil {
			continue
		}
		if !closeBounded(func() { _ = c.cons.Close() }, 10*time.Second) {
			m.note("a consumer took more than 10s to close")
		}
	}
	return ok
}

// closeProducers closes producers created before a setup error.
func (m *measurement) closeProducers() {
	for _, pw := range m.producers {
		closeBounded(pw.p.Close, 10*time.Second)
	}
	m.producers = nil
}

// fillMetrics merges the workers' histograms and counters into the result.
func (m *measurement) fillMetrics(samples []sample, dur time.Duration) {
	r := m.res
	mt := &r.Metrics
	end := sampleAll(m.producers, m.consumers)
	measured := dur.Seconds()
	if len(samples) > 0 {
		if last := samples[len(samples)-1]; last.at.UnixNano() < m.clock.End {
			measured = last.at.Sub(time.Unix(0, m.clock.Measure)).Seconds()
		}
	}
	if measured <= 0 {
		measured = 1e-9
	}
	mt.MeasuredSeconds = measured
	mt.TargetRate = float64(m.p.Workload.Rate)
	if len(samples) > 1 {
		mt.HostCPU = hostCPUBetween(samples[0].host, samples[len(samples)-1].host)
	}
	mt.Sent = throughput(end.sent, end.sentBytes, measured)
	mt.Acked = throughput(end.acked, end.ackedBytes, measured)
	m.capAckedRate(samples)
	mt.Consumed = throughput(end.cons, end.cB, measured)

	produce, raw, e2e, delay := m.mergeWorkers()
	mt.ProduceLatency = produce.Summary()
	mt.ProduceLatencyRaw = raw.Summary()
	mt.ProduceLatencyKind = stats.LatencySendToAck
	if m.p.Transactional() {
		mt.ProduceLatencyKind = stats.LatencySendToCommit
	}
	if profiles.EnqueueToSocket(r.Effective.ProducerConfig) {
		mt.ProduceLatencyKind = stats.LatencyEnqueueToSocket
	}
	mt.EndToEndLatency = e2e.Summary()
	r.Histograms = map[string]string{}
	for name, h := range map[string]*stats.Histogram{stats.HistProduce: produce, stats.HistProduceRaw: raw, stats.HistEndToEnd: e2e,
		stats.HistSendDelay: delay} {
		if h.Count() == 0 {
			continue
		}
		if enc, err := h.Encode(); err == nil {
			r.Histograms[name] = enc
		} else {
			m.note("histogram %s not saved: %v", name, err)
		}
	}
	m.fillTxnMetrics()
	if b := m.backlog; b != nil {
		mt.Backlog = b
		mt.Consumed = throughput(b.Records, b.Bytes, math.Max(b.ReadSeconds, 1e-9))
	}
	hasConsumers := len(m.consumers) > 0 && mt.Backlog == nil
	r.Series = m.col.rows(samples, hasConsumers)
	if hasConsumers && len(samples) > 0 && !m.fleetShare {
		// Lag when the measured phase ended: the consumers are "behind" when it is more than one
		// second of acknowledged traffic (e2e latency then measures their backlog, not Kafka).
		lagEnd := samples[len(samples)-1].lag()
		mt.ConsumerLagEnd = lagEnd
		mt.ConsumerLag = stats.CheckConsumerLag(measuredLags(samples), mt.Acked.RecordsPerSecond)
		mt.ConsumerBehind = (lagEnd > 0 && float64(lagEnd) > mt.Acked.RecordsPerSecond) || !mt.ConsumerLag.WithinBound
		if mt.ConsumerBehind {
			m.note("consumers fell behind (lag up to %d records in the measured phase, bound %d, %d at its end): end-to-end latency measures their backlog and is not reported",
				mt.ConsumerLag.MaxLagRecords, mt.ConsumerLag.BoundRecords, lagEnd)
		}
	}
}

// capAckedRate keeps the acked rate truthful when the producers fell behind a target rate the
// cluster could not take: the window's records are counted by scheduled time and acknowledged
// whenever they are (a backlog can drain minutes after the window), so records/window would
// claim the target. When acknowledgements arrived in the window more than 10 % slower than that,
// the arrival rate is the acked rate and the scheduled count's rate is kept beside it, named.
func (m *measurement) capAckedRate(samples []sample) {
	mt := &m.res.Metrics
	arrived, ok := arrivalRate(samples)
	if !ok || mt.Acked.RecordsPerSecond <= 0 || arrived >= 0.9*mt.Acked.RecordsPerSecond {
		return
	}
	scheduled := mt.Acked.RecordsPerSecond
	mt.ScheduledAckedPerSecond = scheduled
	mt.Acked.MBPerSecond *= arrived / scheduled
	mt.Acked.RecordsPerSecond = arrived
	m.note("the producers fell behind: acknowledgements arrived at %.0f/s in the measured window, while its %d records (%.0f/s by scheduled time) were acknowledged after it; acked/s is the arrival rate",
		arrived, mt.Acked.Records, scheduled)
}

// arrivalRate is the rate acknowledgements (of any phase's records, a transaction's at its commit)
// arrived between the measured phase's first and last counter samples.
func arrivalRate(samples []sample) (float64, bool) {
	if len(samples) < 2 {
		return 0, false
	}
	first, last := samples[0], samples[len(samples)-1]
	dt := last.at.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0, false
	}
	return float64(last.ackedAll-first.ackedAll) / dt, true
}

// measuredLags are the consumer lags sampled through the measured phase (the first sample, at
// its start, included: a backlog left by the warmup is a backlog too).
func measuredLags(samples []sample) []int64 {
	lags := make([]int64, len(samples))
	for i, s := range samples {
		lags[i] = s.lag()
	}
	return lags
}

// mergeWorkers merges the stopped workers' histograms (produce, produce raw, end-to-end, send
// delay) and failure counts; a worker still running is left out (its data is not ours to read).
func (m *measurement) mergeWorkers() (produce, raw, e2e, delay *stats.Histogram) {
	produce, raw, e2e, delay = stats.NewHistogram(), stats.NewHistogram(), stats.NewHistogram(), stats.NewHistogram()
	mt := &m.res.Metrics
	mt.FailedByError = map[string]int64{}
	for _, pw := range m.producers {
		select {
		case <-pw.done:
		default:
			continue // still running: its histograms are not ours to read
		}
		produce.Merge(pw.produce)
		raw.Merge(pw.produceRaw)
		delay.Merge(pw.sendDelay)
		for k, v := range pw.failedByName {
			mt.FailedByError[k] += v
		}
		for k, v := range pw.sendFailed {
			mt.FailedByError[k] += v
		}
		for k, v := range pw.clientErrs {
			m.note("producer %d: client error %s (%d times)", pw.id, k, v)
		}
	}
	for _, c := range m.consumers {
		select {
		case <-c.done:
		default:
			continue
		}
		e2e.Merge(c.e2e)
		if c.foreign > 0 {
			m.note("consumer read %d records without the kbench header", c.foreign)
		}
	}
	return produce, raw, e2e, delay
}

func throughput(records, bytes int64, seconds float64) stats.Throughput {
	return stats.Throughput{
		Records: records, Bytes: bytes,
		RecordsPerSecond: float64(records) / seconds,
		MBPerSecond:      float64(bytes) / stats.BytesPerMB / seconds,
	}
}

// testHookBeforeVerify, when set by a test, runs just before the verification read.
var testHookBeforeVerify func(topic string)

// audit reads the topic back and reconciles it with the producers' ledgers. The send-side counts
// are kept whatever happens to the read; when the read does not complete (interrupted, bound ran
// out, failed) the lost count is unknown, never the records not yet read. The returned error is
// the read's failure, the audit being filled all the same.
func (m *measurement) audit(ctx context.Context) error {
	if testHookBeforeVerify != nil {
		testHookBeforeVerify(m.topic)
	}
	v := audit.NewVerifier()
	t0 := time.Now()
	var from []int64
	var own func(uint32) bool // on an existing topic only the point's producer ids count
	if m.lease != nil && m.lease.existing {
		from, own = m.lease.start, func(id uint32) bool { return id-m.idBase < uint32(len(m.producers)) }
	}
	conn := m.s.conn
	if m.p.Transactional() || m.p.Copy() {
		conn.verifyIsolation = string(profiles.ReadCommitted) // aborted records must not be seen
	}
	cpu0 := processCPU()
	// With the copy pipeline the audit reads the output: every acknowledged input record must be
	// there exactly once, by identity.
	read, timedOut, err := verifyReadTap(ctx, m.clients.verify, conn, m.consumerTopic(), m.partitions, from, own, v, m.s.opts.drainTimeout(), m.copyTap())
	readCPU := processCPU() - cpu0
	if !read.Complete && read.Attempts > 0 && ctx.Err() == nil && conn.verifyIsolation == string(profiles.ReadCommitted) {
		m.checkOpenTransactions(ctx, m.consumerTopic(), m.ownTransactionalIDs(), &read)
	}
	ledgers := m.finishedLedgers()
	a := audit.ReconcileRead(ledgers, v, read)
	a.DrainTimedOut = timedOut
	a.DrainSeconds = time.Since(t0).Seconds()
	a.ReadCPUSeconds = readCPU.Seconds()
	m.res.Audit = a
	m.auditFaults(ledgers, v)
	m.auditCopy()
	if !read.Complete {
		m.note("verification read %s; lost is unknown (at most %d acknowledged records were not read back)", a.ReadSummary(), a.VerificationRead.AckedNotReadBack)
	}
	if err != nil {
		return fmt.Errorf("verification read: %w", err)
	}
	return nil
}

// skipAudit fills the audit from the ledgers alone when the verification read cannot run
// (interrupted before it): what was sent, acknowledged and failed stays known, the loss does not.
func (m *measurement) skipAudit(why string) {
	m.res.Audit = audit.ReconcileRead(m.finishedLedgers(), nil, stats.VerificationRead{Stopped: why})
	m.note("verification read skipped (%s): lost is unknown", why)
}

// finishedLedgers returns the ledgers of the producers that have stopped; a producer still
// running is left out of the audit (its ledger is not ours to read), with a note.
func (m *measurement) finishedLedgers() []*audit.Ledger {
	ledgers := make([]*audit.Ledger, 0, len(m.producers))
	for _, pw := range m.producers {
		select {
		case <-pw.done:
			ledgers = append(ledgers, pw.ledger)
		default:
			m.note("producer %d still running: left out of the audit", pw.id)
		}
	}
	return ledgers
}

// writeHlog writes the per-second histograms as an HdrHistogram interval log into the store the
// run's owner gave (next to the result, for kbench's commands).
func writeHlog(logs events.IntervalLogs, res *stats.Result, col *collector, measure time.Time) error {
	l, err := logs.Create(res.Point.ID, measure, "kbench point "+strings.ReplaceAll(res.Point.Label, "\n", " "))
	if err != nil {
		return err
	}
	for i := 0; i < col.nsec; i++ {
		from := measure.Add(time.Duration(i) * time.Second)
		to := from.Add(time.Second)
		if h := col.hist(kindProduce, i); h != nil {
			_ = l.Write(stats.HistProduce, from, to, h)
		}
		if h := col.hist(kindEndToEnd, i); h != nil {
			_ = l.Write(stats.HistEndToEnd, from, to, h)
		}
		if h := col.hist(kindSendDelay, i); h != nil {
			_ = l.Write(stats.HistSendDelay, from, to, h)
		}
	}
	return l.Close()
}
