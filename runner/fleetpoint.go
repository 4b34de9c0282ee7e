package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
	"github.com/kbench/kbench/stats"
)

// FleetOptions make a sweep the coordinator of Workers `kbench worker` processes that measure
// every point between them, talking only through the run's control topic.
type FleetOptions struct {
	Workers int
	// Spawn starts the workers here as child processes (this executable, `worker` subcommand);
	// false: they run elsewhere (a Kubernetes Indexed Job) and join with --run.
	Spawn bool
	// ClientConfigFile and ClientOverrides are handed to spawned workers as --client-config
	// and -X.
	ClientConfigFile string
	ClientOverrides  []string
	// WorkerCommand overrides the executable spawned workers run (tests); zero: this one.
	WorkerCommand []string
	Timing        fleet.Timing
}

// testHookFleetPlanned, when set by a test, gets the spawned workers' pids and the plan's
// common start (coordinator clock, unix ns) as soon as a point's plan is published.
var testHookFleetPlanned func(pids []int, startNs int64)

// testHookFleetMerged, when set by a test, sees every point's merge of the workers' results.
var testHookFleetMerged func(*fleet.Merge)

// fleetState is the coordinator side of a sweep with workers.
type fleetState struct {
	opts  FleetOptions
	topic string
	bus   *controlBus
	coord *fleet.Coordinator
	procs []*exec.Cmd
	exits []chan struct{}
}

// startFleet creates the control topic (kbench's own: prefix and run id), starts serving it
// and, when asked, the worker processes. The returned stop ends the run for the workers, waits
// for spawned ones (bounded, then SIGKILL by pid) and deletes the control topic.
func (s *session) startFleet(ctx context.Context, o FleetOptions, points []profiles.Point) (stop func(), err error) {
	if o.Workers < 1 {
		return nil, ErrBadInputf("--workers %d: at least 1", o.Workers)
	}
	if len(s.opts.Faults) > 0 || s.opts.ConsumerProcesses || s.opts.ExistingTopic != "" {
		return nil, ErrBadInputf("--workers does not run faults, consumer processes or --existing-topic yet: drop --workers or those")
	}
	for _, p := range points {
		if p.Workload.Search != nil {
			return nil, ErrBadInputf("point %s: rate: search does not run with --workers yet; give a fixed rate", p.ID)
		}
		if p.Workload.Consumers > 0 && p.Workload.Backlog() {
			return nil, ErrBadInputf("point %s: consume.mode backlog does not run with --workers yet: the workers' consumers read live", p.ID)
		}
	}
	f := &fleetState{opts: o, topic: fleet.ControlTopic(s.opts.topicPrefix(), s.runID)}
	rf := min(3, max(1, len(s.brokers)))
	if err := safety.CreateTopic(ctx, s.admin, f.topic, 1, rf, map[string]string{"max.message.bytes": strconv.Itoa(controlMaxBytes + 1<<16)}); err != nil {
		return nil, fmt.Errorf("create control topic %s: %w", f.topic, err)
	}
	if s.created == nil {
		s.created = map[string]bool{}
	}
	s.created[f.topic] = true
	if f.bus, err = openControlBus(ctx, s.conn, f.topic, "kbench-coordinator", time.Minute, func(err error) { s.warn("%v", err) }); err != nil {
		s.deleteControl(f.topic)
		return nil, err
	}
	f.coord = fleet.NewCoordinator(f.bus, s.runID, o.Workers, o.Timing, nowNs)
	s.fleet = f
	if o.Spawn {
		if err := s.spawnWorkers(f); err != nil {
			f.close(s)
			return nil, err
		}
	}
	return func() { f.close(s) }, nil
}

func (f *fleetState) close(s *session) {
	f.coord.Close()
	for i, done := range f.exits {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = f.procs[i].Process.Kill()
			s.warn("worker %d did not exit within 30s of the run's end: killed (pid %d)", i, f.procs[i].Process.Pid)
			<-done
		}
	}
	f.bus.Close()
	s.deleteControl(f.topic)
	s.fleet = nil
}

func (s *session) deleteControl(topic string) {
	if !s.created[topic] {
		return
	}
	if err := safety.DeleteTopic(s.admin, topic); err != nil {
		s.warn("control topic %s left behind: %v (kbench clean --run %s)", topic, err, s.runID)
		return
	}
	delete(s.created, topic)
}

// spawnWorkers starts o.Workers `kbench worker` processes; their output goes to
// OUT/workers/worker-N.log.
func (s *session) spawnWorkers(f *fleetState) error {
	cmd0 := f.opts.WorkerCommand
	if len(cmd0) == 0 {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this executable to start workers: %w", err)
		}
		cmd0 = []string{self}
	}
	logDir := filepath.Join(s.opts.OutDir, "workers")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("worker log folder: %w", err)
	}
	for i := range f.opts.Workers {
		args := append(append([]string(nil), cmd0[1:]...), "worker", "--run", s.runID, "--bootstrap", s.opts.Bootstrap,
			"--index", strconv.Itoa(i), "--topic-prefix", s.opts.topicPrefix())
		if f.opts.ClientConfigFile != "" {
			args = append(args, "--client-config", f.opts.ClientConfigFile)
		}
		for _, x := range f.opts.ClientOverrides {
			args = append(args, "-X", x)
		}
		log, err := os.Create(filepath.Join(logDir, fmt.Sprintf("worker-%d.log", i)))
		if err != nil {
			return fmt.Errorf("worker %d log: %w", i, err)
		}
		c := exec.Command(cmd0[0], args...)
		c.Stdout, c.Stderr = log, log
		if err := c.Start(); err != nil {
			_ = log.Close()
			return fmt.Errorf("start worker %d (%s): %w", i, cmd0[0], err)
		}
		done := make(chan struct{})
		go func() { _ = c.Wait(); _ = log.Close(); close(done) }()
		f.procs, f.exits = append(f.procs, c), append(f.exits, done)
	}
	return nil
}

// runFleetPoint is runPoint with the workers measuring: the coordinator creates the topic,
// hands out the plan, merges the results exactly and runs the verification read itself.
func (s *session) runFleetPoint(ctx context.Context, p profiles.Point, progress progressFunc) (res *stats.Result, err error) {
	res = s.newPointResult(p)
	defer endPointResult(ctx, res, &err)
	if err := s.fleet.coord.Join(ctx); err != nil {
		return res, err
	}
	lease, err := s.acquireTopic(ctx, p)
	if err != nil {
		return res, err
	}
	defer func() {
		if derr := s.release(lease); derr != nil {
			res.Notes = append(res.Notes, "topic left behind: "+derr.Error())
		}
	}()
	eff := &res.Effective
	eff.Topic, eff.Partitions = lease.name, lease.partitions
	if eff.TopicConfig, eff.ReplicationFactor, eff.Partitions, err = describeTopic(ctx, s.admin, lease.name, p.TopicConfig()); err != nil {
		eff.Partitions = lease.partitions
		res.Notes = append(res.Notes, "settings of the topic not read back: "+err.Error())
	}
	eff.ProducerConfig = profiles.Redact(producerConfig(s.conn, p, "kbench-producer"))
	if p.Workload.Consumers > 0 {
		eff.ConsumerConfig = profiles.Redact(consumerConfig(s.conn, p, s.groupFor(p), "kbench-consumer"))
	}
	idBase := s.producerIDBase()
	dur := p.Workload.Duration
	if dur <= 0 {
		dur = 10 * time.Second
	}
	p.Workload.Duration = dur
	plan := fleet.Plan{Point: p, Topic: lease.name, Partitions: eff.Partitions, IDBase: idBase}
	if testHookFleetPlanned != nil {
		testHookFleetPlanned(s.fleet.pids(), nowNs()+int64(s.fleet.coord.Lead()))
	}
	stopProgress := s.fleet.reportProgress(progress, nowNs()+int64(s.fleet.coord.Lead()+p.Workload.Warmup), dur)
	mg, lost, err := s.fleet.coord.RunPoint(ctx, plan, p.Workload.Warmup+dur)
	stopProgress()
	if mg == nil {
		return res, err
	}
	if testHookFleetMerged != nil {
		testHookFleetMerged(mg)
	}
	ledgers, lerr := mg.Ledgers()
	reads, rerr := mg.Reads()
	s.fillFleet(res, p, mg, lost, idBase)
	if err != nil || lerr != nil || rerr != nil {
		return res, errors.Join(err, lerr, rerr)
	}
	return res, s.fleetAudit(ctx, res, lease, ledgers, reads)
}

// reportProgress gives progress one line a second of the measured phase (from measureNs, the
// coordinator's clock, for dur) from the workers' heartbeats: their summed rates and counters,
// the largest last-second p99, and how many workers are alive. The returned stop ends it.
func (f *fleetState) reportProgress(progress progressFunc, measureNs int64, dur time.Duration) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		measure := time.Unix(0, measureNs)
		for i := 1; time.Duration(i)*time.Second <= dur; i++ {
			t := time.NewTimer(time.Until(measure.Add(time.Duration(i) * time.Second)))
			select {
			case <-done:
				t.Stop()
				return
			case <-t.C:
			}
			l := f.coord.Live()
			pp := pointProgress{Elapsed: time.Duration(i) * time.Second, Duration: dur, AckedPerSecond: l.AckedPerSecond,
				ProduceP99Ms: l.ProduceP99Ms, Errors: l.Errors, Workers: l.Workers, WorkersAlive: l.Alive}
			if l.HasConsumers {
				pp.Lag = max(l.AckedAll-l.ConsumedAll, 0)
			}
			progress(pp)
		}
	}()
	return func() { close(done); <-finished }
}

func (f *fleetState) pids() []int {
	out := make([]int, len(f.procs))
	for i, c := range f.procs {
		out[i] = c.Process.Pid
	}
	return out
}

// fillFleet puts the merged results into res: summed counters over the longest worker window,
// histograms merged exactly, series summed, each worker's share and clock offset, the lost ones.
func (s *session) fillFleet(res *stats.Result, p profiles.Point, mg *fleet.Merge, lost []fleet.Lost, idBase uint32) {
	mt := &res.Metrics
	tot := mg.Totals()
	secs := math.Max(tot.Seconds, 1e-9)
	mt.MeasuredSeconds = tot.Seconds
	mt.TargetRate = float64(p.Workload.Rate)
	mt.Sent = throughput(tot.Sent, tot.SentBytes, secs)
	mt.Acked = throughput(tot.Acked, tot.AckedBytes, secs)
	mt.FailedByError = tot.FailedByError
	mt.ProduceLatencyKind = stats.LatencySendToAck
	res.Histograms = map[string]string{}
	var sameWorker stats.LatencySummary
	for _, name := range []string{stats.HistProduce, stats.HistProduceRaw, stats.HistSendDelay, stats.HistEndToEnd, fleet.HistEndToEndSameWorker} {
		h, err := mg.Histogram(name)
		if err != nil {
			res.Notes = append(res.Notes, err.Error())
			continue
		}
		switch name {
		case stats.HistProduce:
			mt.ProduceLatency = h.Summary()
		case stats.HistProduceRaw:
			mt.ProduceLatencyRaw = h.Summary()
		case stats.HistEndToEnd:
			mt.EndToEndLatency = h.Summary()
		case fleet.HistEndToEndSameWorker:
			sameWorker = h.Summary()
			continue // in the result as EndToEndClock.SameWorker
		}
		if h.Count() > 0 {
			if enc, err := h.Encode(); err == nil {
				res.Histograms[name] = enc
			}
		}
	}
	res.Series = mg.Series()
	rep := &stats.FleetReport{EndToEnd: "not measured: the point has no consumers"}
	if p.Workload.Consumers > 0 {
		mt.Consumed = throughput(tot.Consumed, tot.ConsumedBytes, secs)
		rep.EndToEnd = s.fleetGroup(res, mg, tot, sameWorker)
	}
	if p.Workload.Producers < s.fleet.opts.Workers {
		res.Notes = append(res.Notes, fmt.Sprintf("%d producers asked for, %d run: one per worker", p.Workload.Producers, s.fleet.opts.Workers))
	}
	res.Notes = append(res.Notes, "per-second p99 with workers: the largest of the workers' (an upper bound); whole-point percentiles are exact (merged histograms)")
	byWorker := map[int]*fleet.Result{}
	for _, r := range mg.Results() {
		byWorker[r.Worker] = r
		res.Notes = append(res.Notes, prefixNotes(r.Worker, r.Notes)...)
	}
	for i := range s.fleet.opts.Workers {
		sh, _ := fleet.ShareOf(p.Workload.Rate, p.Workload.Producers, s.fleet.opts.Workers, i, idBase)
		sh = sh.WithConsumers(p.Workload.Consumers)
		fw := stats.FleetWorker{Index: i, Producers: sh.Producers, FirstID: sh.IDBase, Rate: sh.Rate, Consumers: sh.Consumers, Status: "lost"}
		if r := byWorker[i]; r != nil {
			fw.Acked, fw.Consumed, fw.Status, fw.Error = r.Acked, r.Consumed, r.Status, r.Error
			fw.ClockOffsetMs, fw.UncertaintyMs = float64(r.Offset.OffsetNs)/1e6, float64(r.Offset.UncertaintyNs)/1e6
		}
		rep.Workers = append(rep.Workers, fw)
	}
	for _, l := range lost {
		rep.Lost = append(rep.Lost, l.Worker)
		w := rep.Workers[l.Worker]
		w.Error = l.Why
		rep.Workers[l.Worker] = w
		res.Notes = append(res.Notes, fmt.Sprintf("worker %d lost (%s): its share (%d producers, ids %d.., %d/s of the %d/s target) is missing; the measured rates count only the other workers",
			l.Worker, l.Why, w.Producers, w.FirstID, w.Rate, p.Workload.Rate))
	}
	res.Fleet = rep
}

// fleetGroup fills what the point's consumer group, spread over the workers, measured: the
// group's lag (the workers' acknowledged-minus-read counts summed each second), whether it fell
// behind, and end-to-end latency with its clock label. It returns the fleet report's sentence on
// end-to-end latency.
func (s *session) fleetGroup(res *stats.Result, mg *fleet.Merge, tot fleet.Totals, sameWorker stats.LatencySummary) string {
	mt := &res.Metrics
	if lags := mg.LagBalance(); len(lags) > 0 {
		mt.ConsumerLagEnd = lags[len(lags)-1]
		mt.ConsumerLag = stats.CheckConsumerLag(lags, mt.Acked.RecordsPerSecond)
		mt.ConsumerBehind = (mt.ConsumerLagEnd > 0 && float64(mt.ConsumerLagEnd) > mt.Acked.RecordsPerSecond) || !mt.ConsumerLag.WithinBound
		if mt.ConsumerBehind {
			res.Notes = append(res.Notes, fmt.Sprintf("consumers fell behind (group lag up to %d records in the measured phase, bound %d, %d at its end): end-to-end latency measures their backlog and is not reported",
				mt.ConsumerLag.MaxLagRecords, mt.ConsumerLag.BoundRecords, mt.ConsumerLagEnd))
		}
	}
	if mt.EndToEndLatency.Count == 0 {
		return "not measured: the consumers read no record of the measured phase"
	}
	c := &stats.EndToEndClock{Method: stats.EndToEndClockCorrected, UncertaintyMs: float64(tot.EndToEndUncertaintyNs) / 1e6, SameWorker: sameWorker}
	mt.EndToEndClock = c
	line := fmt.Sprintf("%s; offsets estimated when each worker joined (lowest of 10 round trips), drift since not included; p50 %.2f ms, p99 %.2f ms %s over %d records",
		c.Method, mt.EndToEndLatency.P50Ms, mt.EndToEndLatency.P99Ms, c.Label(), mt.EndToEndLatency.Count)
	if sameWorker.Count > 0 {
		line += fmt.Sprintf("; the %d records (%.1f %%) a worker both produced and consumed, one clock: p50 %.2f ms, p99 %.2f ms",
			sameWorker.Count, 100*float64(sameWorker.Count)/float64(mt.EndToEndLatency.Count), sameWorker.P50Ms, sameWorker.P99Ms)
	}
	line += "; another worker's record counts in the measured phase by its corrected send time (a worker's own by its schedule), so consumed may differ slightly from acked"
	res.Notes = append(res.Notes, "end-to-end latency across workers: "+line)
	return line
}

func prefixNotes(worker int, notes []string) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = fmt.Sprintf("worker %d: %s", worker, n)
	}
	return out
}

// fleetAudit reads the topic back and reconciles it with every reported worker's ledgers (only
// their producer ids count: a lost worker's records are not in any ledger). Lost workers, a
// worker's own incomplete share or an incomplete read make the point incomplete.
func (s *session) fleetAudit(ctx context.Context, res *stats.Result, lease *topicLease, ledgers []*audit.Ledger, reads []*audit.Verifier) error {
	ids := map[uint32]bool{}
	for _, l := range ledgers {
		ids[l.Producer()] = true
	}
	var from []int64
	if lease.existing {
		from = lease.start
	}
	clients, err := s.clientsFor(res.Point)
	if err != nil {
		return fmt.Errorf("verification read: %w", err)
	}
	v := audit.NewVerifier()
	t0 := time.Now()
	read, timedOut, err := verifyRead(ctx, clients.verify, s.conn, lease.name, res.Effective.Partitions, from, func(id uint32) bool { return ids[id] }, v, s.opts.drainTimeout())
	a := audit.ReconcileRead(ledgers, v, read)
	a.DrainTimedOut, a.DrainSeconds = timedOut, time.Since(t0).Seconds()
	res.Audit = a
	if err != nil {
		return fmt.Errorf("verification read: %w", err)
	}
	if res.Point.Workload.Consumers > 0 {
		res.ConsumerAudit = fleetGroupAudit(res, v, reads)
	}
	res.Status = stats.StatusOK
	for _, w := range res.Fleet.Workers {
		if w.Status != stats.StatusOK {
			res.Status = stats.StatusIncomplete
		}
	}
	if !a.ReadComplete() {
		res.Status = stats.StatusIncomplete
	}
	if len(res.Fleet.Lost) > 0 {
		res.Error = fmt.Sprintf("incomplete: %s lost mid-point", workerNames(res.Fleet.Lost))
	}
	return nil
}

// fleetGroupAudit accounts the consumer group spread over the workers by record identity
// against the verification read: what every member on every worker read, merged.
func fleetGroupAudit(res *stats.Result, verified *audit.Verifier, reads []*audit.Verifier) *stats.ConsumerAudit {
	ca := audit.ConsumerGroup(verified, reads)
	ca.CommitMode = "auto"
	if res.Effective.ConsumerConfig["enable.auto.commit"] == "false" {
		ca.CommitMode = "after-processing"
	}
	ca.Workers = res.Point.Workload.Consumers
	for _, r := range reads {
		ca.Processed += r.Observed()
	}
	res.Notes = append(res.Notes, fmt.Sprintf("consumer group over %d workers: %d records read (%d distinct), %d read more than once, %d in the topic read by no member (committed offsets not checked: caught_up false means not measured here)",
		len(res.Fleet.Workers), ca.Processed, ca.ProcessedUnique, ca.Redelivered, ca.Skipped))
	return &ca
}

func workerNames(ws []int) string {
	s := ""
	for i, w := range ws {
		if i > 0 {
			s += ", "
		}
		s += "worker " + strconv.Itoa(w)
	}
	return s
}
