package statstest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// The fixture generator: synthetic runs shaped like real local runs (log-normal latencies, a few
// per cent of per-second noise, a latency spike at an fsync stall or a broker kill), with fixed
// seeds, dates and versions so that the folders under stats/testdata and plots/testdata come out
// byte for byte the same each time. The stats, plots and analysis tests write or read them.

// Run is a fixture run: its profile, clock, workload and points, and how its numbers are drawn.
type Run struct {
	Profile, ProfileYAML, RunID string
	Start                       time.Time
	Environment                 stats.Environment
	MessageBytes, Rate          int // Rate 0: closed loop (the points' MBps decide)
	Producers, Consumers        int
	Shape                       Shape
	Points                      []Point
	// Repeat measures every point this many times (0, 1: once), each repetition's rate and
	// latencies scaled by 1 + RepeatCV x a standard normal draw (seeded by point and repetition).
	Repeat   int
	RepeatCV float64
}

// Shape is how a run's per-second numbers are drawn.
type Shape struct {
	Seed             uint64  // second seed of each point's PCG (the first is its position + 1)
	SamplesPerSecond int     // latencies drawn per measured second (0: the run's rate)
	Jitter           float64 // relative sd of the acknowledged rate per second (0: steady, nothing drawn)
	E2ETail          float64 // end-to-end extra latency: p99 = E2ETail x its median
	DelayDivisor     int64   // the sender's delay is produce latency / DelayDivisor (raw = produce - delay)
	SendDelay        bool    // keep the send-delay histogram and write per-second interval logs
	// Consumer draws a second's consumed rate and consumer lag from the sent and acked rates.
	Consumer func(rng *rand.Rand, sent, acked float64) (consumed float64, lag int64)
	// FailedBare: a failed point's result names the point only (no workload or settings).
	FailedBare bool
}

// Point is one fixture point.
type Point struct {
	ID, Label, Level string
	Settings         profiles.Settings
	Notes            []string // the point's own notes (in the plan and the result)
	ResultNotes      []string // notes only the runner adds
	MBps             float64  // acknowledged MB/s (0: the run's rate)
	P50, P99         float64  // produce latency, ms
	E2EExtra         float64  // ms the consumer side adds at the median
	Spike            *Spike   // a latency spike (nil: none)
	Audit            *stats.Audit
	FailedBy         map[string]int64
	Effective        stats.EffectiveSettings
	Failed           string        // error of a failed point
	FailedAfter      time.Duration // how long a failed point took
	StopAt           int           // seconds measured before an interruption (0: ran to the end)
}

// Spike is a stretch of seconds in which some records wait much longer (an fsync stall, a
// leader election after a kill).
type Spike struct {
	At, Seconds      int     // first second and number of seconds
	Every            int     // every n-th record waits
	BaseMs, SpreadMs int     // it waits BaseMs plus up to SpreadMs more
	RateFactor       float64 // acknowledged rate factor in those seconds (0: unchanged)
	Errors           int64   // failed sends in the spike's first second
	Lag              int64   // consumer lag in the spike's first second (0: as drawn)
}

func (s *Spike) covers(sec int) bool { return s != nil && sec >= s.At && sec < s.At+s.Seconds }

// Seconds is the measured phase of every fixture point.
const Seconds = 30

// lognormal draws a latency with median m ms whose 99th percentile is p99 ms.
func lognormal(rng *rand.Rand, m, p99 float64) time.Duration {
	sigma := math.Log(p99/m) / 2.326
	return time.Duration(m * math.Exp(rng.NormFloat64()*sigma) * float64(time.Millisecond))
}

// Write writes the whole run (index, result files, interval logs) into dir.
func (run Run) Write(dir string) error {
	idx := &stats.Index{RunID: run.RunID, Profile: run.Profile, ProfileYAML: run.ProfileYAML, Environment: run.Environment, Start: run.Start}
	if run.Repeat > 1 {
		return run.writeRepeated(dir, idx)
	}
	at := run.Start
	for i, f := range run.Points {
		r, err := run.result(dir, i, f, at)
		if err != nil {
			return err
		}
		if err := stats.WriteResult(dir, r); err != nil {
			return err
		}
		idx.Points = append(idx.Points, stats.IndexPoint{ID: f.ID, Label: f.Label, Level: profiles.ReliabilityLevel{Rank: i + 1, Name: f.Level},
			Status: r.Status, File: stats.PointFile(f.ID)})
		at = r.End.Add(10 * time.Second)
	}
	idx.End = at
	return stats.WriteIndex(dir, idx)
}

// result builds point i's result, starting at at; a measured point's interval log goes to dir.
func (run Run) result(dir string, i int, f Point, at time.Time) (*stats.Result, error) {
	pt := profiles.Point{ID: f.ID, Label: f.Label, Level: profiles.ReliabilityLevel{Rank: i + 1, Name: f.Level},
		Workload: profiles.Workload{MessageSizeMin: run.MessageBytes, MessageSizeMax: run.MessageBytes, KeyDistribution: "none",
			Partitions: 6, ReplicationFactor: 3, Producers: run.Producers, Consumers: run.Consumers, Rate: run.Rate,
			Duration: Seconds * time.Second, Warmup: 5 * time.Second, Compression: "none"},
		Settings: f.Settings, Notes: f.Notes}
	r := &stats.Result{RunID: run.RunID, Profile: run.Profile, Point: pt, Status: stats.StatusOK,
		Notes: append(f.Notes, f.ResultNotes...), Start: at, Environment: run.Environment, Effective: f.Effective}
	if f.Failed != "" {
		r.Status, r.Error, r.End = stats.StatusFailed, f.Failed, at.Add(f.FailedAfter)
		if run.Shape.FailedBare {
			r.Point, r.Notes, r.Effective = profiles.Point{ID: pt.ID, Label: pt.Label, Level: pt.Level}, nil, stats.EffectiveSettings{}
		}
		return r, nil
	}
	rng := rand.New(rand.NewPCG(uint64(i+1), run.Shape.Seed))
	if err := run.measure(dir, r, f, rng); err != nil {
		return nil, err
	}
	r.End = at.Add(time.Duration(5+len(r.Series)+3) * time.Second)
	return r, nil
}

// histograms are a point's full-phase and per-second histograms.
type histograms struct {
	produce, raw, e2e, delay *stats.Histogram
	secP, secE, secD         *stats.Histogram
}

// measure draws a point's measured phase: histograms, per-second series, metrics and audit.
func (run Run) measure(dir string, r *stats.Result, f Point, rng *rand.Rand) error {
	seconds := Seconds
	if f.StopAt > 0 {
		seconds = f.StopAt
		r.Status = stats.StatusIncomplete
		r.Notes = append(r.Notes, fmt.Sprintf("interrupted (Ctrl-C) %d s into the measured phase", f.StopAt))
	}
	measuredStart := r.Start.Add(5 * time.Second) // after the warmup
	var log *stats.IntervalLog
	if run.Shape.SendDelay {
		var err error
		log, err = stats.CreateIntervalLog(filepath.Join(dir, filepath.FromSlash(stats.PointLogFile(f.ID))), measuredStart,
			"kbench fixture point "+f.ID)
		if err != nil {
			return err
		}
		defer log.Close()
	}
	h := histograms{stats.NewHistogram(), stats.NewHistogram(), stats.NewHistogram(), stats.NewHistogram(),
		stats.NewHistogram(), stats.NewHistogram(), stats.NewHistogram()}
	var acked, sent float64
	for sec := range seconds {
		s := run.second(rng, f, sec, h)
		acked += s.AckedPerSecond
		sent += s.SentPerSecond
		r.Series = append(r.Series, s)
		if log != nil {
			from := measuredStart.Add(time.Duration(sec) * time.Second)
			for _, w := range []struct {
				tag string
				h   *stats.Histogram
			}{{stats.HistProduce, h.secP}, {stats.HistEndToEnd, h.secE}, {stats.HistSendDelay, h.secD}} {
				if err := log.Write(w.tag, from, from.Add(time.Second), w.h); err != nil {
					return err
				}
			}
		}
	}
	if log != nil {
		if err := log.Close(); err != nil {
			return err
		}
	}
	run.summarise(r, f, h, seconds, sent, acked)
	return nil
}

// second draws one measured second of a point.
func (run Run) second(rng *rand.Rand, f Point, sec int, h histograms) stats.Second {
	sh := run.Shape
	h.secP.Reset()
	h.secE.Reset()
	h.secD.Reset()
	spike := f.Spike.covers(sec)
	factor := 1.0
	if sh.Jitter > 0 {
		factor = 1 + sh.Jitter*rng.NormFloat64()
	}
	if spike && f.Spike.RateFactor > 0 {
		factor = f.Spike.RateFactor
	}
	n := sh.SamplesPerSecond
	if n == 0 {
		n = run.Rate
	}
	for i := range n {
		p := lognormal(rng, f.P50, f.P99)
		if spike && i%f.Spike.Every == 0 {
			p += time.Duration(f.Spike.BaseMs+rng.IntN(f.Spike.SpreadMs)) * time.Millisecond
		}
		e := p + lognormal(rng, f.E2EExtra, sh.E2ETail*f.E2EExtra)
		d := p / time.Duration(sh.DelayDivisor)
		h.produce.Record(p)
		h.raw.Record(p - d)
		h.e2e.Record(e)
		h.secP.Record(p)
		h.secE.Record(e)
		if sh.SendDelay {
			h.delay.Record(d)
			h.secD.Record(d)
		}
	}
	var errs int64
	if spike && sec == f.Spike.At {
		errs = f.Spike.Errors
	}
	ack := math.Round(run.ackedRate(f)*factor) - float64(errs)
	snt := ack
	if run.Rate > 0 {
		snt = float64(run.Rate)
	}
	consumed, lag := sh.Consumer(rng, snt, ack)
	if spike && sec == f.Spike.At && f.Spike.Lag > 0 {
		lag = f.Spike.Lag
	}
	return stats.Second{Offset: float64(sec), SentPerSecond: snt, AckedPerSecond: ack, ConsumedPerSecond: consumed,
		ProduceP99Ms: h.secP.ValueAt(99), EndToEndP99Ms: h.secE.ValueAt(99), ConsumerLag: lag, Errors: errs}
}

// ackedRate is a point's acknowledged records per second before noise.
func (run Run) ackedRate(f Point) float64 {
	if f.MBps > 0 {
		return f.MBps * stats.BytesPerMB / float64(run.MessageBytes)
	}
	return float64(run.Rate)
}

// summarise fills a measured point's metrics, audit and histograms.
func (run Run) summarise(r *stats.Result, f Point, h histograms, seconds int, sent, acked float64) {
	a := stats.Audit{Sent: int64(sent), Acked: int64(acked), Consumed: int64(acked), DrainSeconds: 1.4, Lost: new(int64),
		VerificationRead: CompleteRead(int64(acked))}
	if f.Audit != nil {
		a = *f.Audit
	}
	tp := func(records int64) stats.Throughput {
		b := records * int64(run.MessageBytes)
		return stats.Throughput{Records: records, Bytes: b, RecordsPerSecond: float64(records) / float64(seconds),
			MBPerSecond: float64(b) / stats.BytesPerMB / float64(seconds)}
	}
	m := &r.Metrics
	m.MeasuredSeconds = float64(seconds)
	m.TargetRate = float64(run.Rate)
	m.Sent, m.Acked, m.Consumed = tp(a.Sent), tp(a.Acked), tp(a.Consumed+a.Duplicates)
	m.ProduceLatency, m.ProduceLatencyRaw, m.EndToEndLatency = h.produce.Summary(), h.raw.Summary(), h.e2e.Summary()
	m.ProduceLatencyKind = stats.LatencySendToAck
	if profiles.EnqueueToSocket(r.Point.ProducerConfig()) {
		m.ProduceLatencyKind = stats.LatencyEnqueueToSocket
	}
	m.FailedByError = f.FailedBy
	if f.StopAt > 0 { // Ctrl-C in the measured phase: the verification read was skipped, loss unknown
		a.Consumed, a.Lost, a.DrainSeconds = 0, nil, 0
		a.VerificationRead = &stats.VerificationRead{Stopped: "interrupted before the read began", AckedNotReadBack: int64(acked)}
	}
	r.Audit = a
	r.Histograms = map[string]string{}
	hs := map[string]*stats.Histogram{stats.HistProduce: h.produce, stats.HistProduceRaw: h.raw, stats.HistEndToEnd: h.e2e}
	if run.Shape.SendDelay {
		hs[stats.HistSendDelay] = h.delay
	}
	for k, hist := range hs {
		if enc, err := hist.Encode(); err == nil {
			r.Histograms[k] = enc
		}
	}
}

// CompleteRead is a verification read that reached every high watermark after reading n records.
func CompleteRead(n int64) *stats.VerificationRead {
	return &stats.VerificationRead{Complete: true, Attempts: 1, RecordsRead: n, OffsetsRead: n, OffsetsToRead: n}
}

// writeRepeated writes a run whose points were each measured run.Repeat times, in rounds of a
// fixed order (the points reversed in every other round), with the seed recorded as 1.
func (run Run) writeRepeated(dir string, idx *stats.Index) error {
	seed := uint64(1)
	idx.Repeat, idx.OrderSeed = run.Repeat, &seed
	at := run.Start
	for i, f := range run.Points {
		idx.Points = append(idx.Points, stats.IndexPoint{ID: f.ID, Label: f.Label, Level: profiles.ReliabilityLevel{Rank: i + 1, Name: f.Level}, Status: stats.StatusOK})
	}
	for round := 1; round <= run.Repeat; round++ {
		ir := stats.IndexRound{Round: round}
		for k := range run.Points {
			i := k
			if round%2 == 0 {
				i = len(run.Points) - 1 - k
			}
			f := run.Points[i]
			ir.Points = append(ir.Points, f.ID)
			rng := rand.New(rand.NewPCG(uint64(i+1)<<32|uint64(round), run.Shape.Seed^0x9e3779b97f4a7c15))
			scale := 1 + run.RepeatCV*rng.NormFloat64()
			g := f
			g.ID = stats.RepetitionID(f.ID, round)
			g.MBps, g.P50, g.P99 = f.MBps*scale, f.P50/scale, f.P99/scale
			r, err := run.result(dir, i, g, at)
			if err != nil {
				return err
			}
			r.Point.ID = f.ID
			r.Repetition = &stats.Repetition{Number: round, Of: run.Repeat, Round: round, PositionInRound: k + 1}
			r.Metrics.HostCPU = &stats.HostCPU{Cores: 2, User: 0.6, Kernel: 0.38, Idle: 0.02}
			if err := stats.WriteResult(dir, r); err != nil {
				return err
			}
			e := &idx.Points[i]
			e.Repetitions = append(e.Repetitions, stats.IndexRepetition{Number: round, Round: round, Status: r.Status, File: stats.ResultFile(r)})
			e.File = e.Repetitions[0].File
			at = r.End.Add(10 * time.Second)
		}
		idx.Rounds = append(idx.Rounds, ir)
	}
	idx.End = at
	return stats.WriteIndex(dir, idx)
}
