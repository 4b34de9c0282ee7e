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

// fleetEndToEnd is what the result says about end-to-end latency with workers.
const fleetEndToEnd = "not measured: workers only produce, so no record's end-to-end latency mixes two machines' clocks; the clock offsets are recorded for the start barrier"

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
func (s *session) runFleetPoint(ctx context.Context, p profiles.Point) (res *stats.Result, err error) {
	res = &stats.Result{
		FormatVersion: stats.FormatVersion, RunID: s.runID, Profile: s.opts.Profile, Point: p,
		Start: time.Now(), Environment: s.env, Notes: append([]string(nil), p.Notes...),
	}
	defer func() {
		res.End = time.Now()
		switch {
		case ctx.Err() != nil:
			res.Status, res.Error = stats.StatusIncomplete, ErrInterrupted.Error()
			if err == nil {
				err = ErrInterrupted
			}
		case err != nil:
			res.Status, res.Error = stats.StatusFailed, err.Error()
		}
	}()
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
		res.Notes = append(res.Notes, "consumers: not run with --workers (workers produce only); end-to-end latency not measured")
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
	mg, lost, err := s.fleet.coord.RunPoint(ctx, plan, p.Workload.Warmup+dur)
	if mg == nil {
		return res, err
	}
	if testHookFleetMerged != nil {
		testHookFleetMerged(mg)
	}
	ledgers, lerr := mg.Ledgers()
	s.fillFleet(res, p, mg, lost, idBase)
	if err != nil || lerr != nil {
		return res, errors.Join(err, lerr)
	}
	return res, s.fleetAudit(ctx, res, lease, ledgers)
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
	for _, name := range []string{stats.HistProduce, stats.HistProduceRaw, stats.HistSendDelay} {
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
		}
		if h.Count() > 0 {
			if enc, err := h.Encode(); err == nil {
				res.Histograms[name] = enc
			}
		}
	}
	res.Series = mg.Series()
	if p.Workload.Producers < s.fleet.opts.Workers {
		res.Notes = append(res.Notes, fmt.Sprintf("%d producers asked for, %d run: one per worker", p.Workload.Producers, s.fleet.opts.Workers))
	}
	res.Notes = append(res.Notes, "per-second p99 with workers: the largest of the workers' (an upper bound); whole-point percentiles are exact (merged histograms)")
	rep := &stats.FleetReport{EndToEnd: fleetEndToEnd}
	byWorker := map[int]*fleet.Result{}
	for _, r := range mg.Results() {
		byWorker[r.Worker] = r
		res.Notes = append(res.Notes, prefixNotes(r.Worker, r.Notes)...)
	}
	for i := range s.fleet.opts.Workers {
		sh, _ := fleet.ShareOf(p.Workload.Rate, p.Workload.Producers, s.fleet.opts.Workers, i, idBase)
		fw := stats.FleetWorker{Index: i, Producers: sh.Producers, FirstID: sh.IDBase, Rate: sh.Rate, Status: "lost"}
		if r := byWorker[i]; r != nil {
			fw.Acked, fw.Status, fw.Error = r.Acked, r.Status, r.Error
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
func (s *session) fleetAudit(ctx context.Context, res *stats.Result, lease *topicLease, ledgers []*audit.Ledger) error {
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
