package plots

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

var update = flag.Bool("update", false, "rewrite the fixture runs and golden files in testdata")

// The fixture runs in testdata/ are synthetic but shaped like real local runs (log-normal
// latencies, a few per cent of per-second noise, an fsync stall), with fixed dates and versions
// so golden files stay stable:
//
//	testdata/ladder          6-point durability ladder, closed loop, no faults
//	testdata/ladder-partial  the same ladder with the idempotence point failed and the
//	                         flush.messages=1 point interrupted 12 s in (incomplete)
//	testdata/linger-sweep    acks=all at 10000 msgs/s, linger.ms 0, 1, 5, 10, 20, 50, 100
//
// Regenerate with: go test ./plots -run TestFixtures -update

type fixture struct {
	id, label, level string
	settings         profiles.Settings
	notes            []string
	mbps             float64 // acknowledged MB/s
	p50, p99         float64 // produce latency, ms
	e2eExtra         float64 // ms the consumer side adds at the median
	enqueue          bool    // acks=0
	stallAt          int     // second of an fsync stall (0: none)
	failed           string  // error of a failed point
	stopAt           int     // seconds measured before an interruption (0: ran to the end)
}

func ptr[T any](v T) *T { return &v }

var fixtureEnvironment = stats.Environment{
	KbenchVersion: "0.1.0", KbenchCommit: "fixture", LibrdkafkaVersion: "2.11.1", KafkaVersion: "4.1.0",
	Brokers: 3, Bootstrap: "127.0.0.1:19092,127.0.0.2:19092,127.0.0.3:19092", LocalCluster: true,
	HostCores: 8, HostMemoryBytes: 32 << 30, HostOS: "linux/amd64",
}

const acks0Note = "acks=0: nothing is acknowledged; produce latency is enqueue-to-socket time, and a record reported delivered may never have been written"

func ladderFixtures(partial bool) []fixture {
	all := profiles.AcksAll
	idem := profiles.Settings{Acks: &all, Idempotence: ptr(true)}
	isr := idem
	isr.MinInsyncReplicas, isr.UncleanLeaderElection = ptr(2), ptr(false)
	flush := isr
	flush.FlushMessages = ptr(int64(1))
	fs := []fixture{
		{id: "acks-0", label: "acks=0", level: "acks=0", settings: profiles.Settings{Acks: ptr(profiles.AcksNone)},
			notes: []string{acks0Note}, mbps: 182.4, p50: 0.08, p99: 0.41, e2eExtra: 2.2, enqueue: true},
		{id: "acks-1", label: "acks=1", level: "acks=1", settings: profiles.Settings{Acks: ptr(profiles.AcksLeader)},
			mbps: 141.2, p50: 1.7, p99: 5.1, e2eExtra: 1.1},
		{id: "acks-all", label: "acks=all", level: "acks=all", settings: profiles.Settings{Acks: &all},
			mbps: 97.3, p50: 3.9, p99: 9.4, e2eExtra: 1.2},
		{id: "acks-all_idem", label: "acks=all idem", level: "acks=all + idempotence", settings: idem,
			mbps: 95.1, p50: 4.0, p99: 9.9, e2eExtra: 1.2},
		{id: "acks-all_idem_isr-2_unclean-off", label: "acks=all idem isr=2 unclean=off", level: "+ min ISR 2 (RF 3)",
			settings: isr, mbps: 93.8, p50: 4.1, p99: 10.6, e2eExtra: 1.2},
		{id: "acks-all_idem_isr-2_unclean-off_flush-1", label: "acks=all idem isr=2 unclean=off flush=1",
			level: "+ flush.messages=1", settings: flush, mbps: 17.6, p50: 21.5, p99: 63, e2eExtra: 2.5, stallAt: 17},
	}
	if partial {
		fs[3].failed = "create topic kbench-20260302-090000-acks-all_idem: INVALID_REPLICATION_FACTOR: 2 of 3 brokers registered (broker 3 did not rejoin in 60s)"
		fs[5].stopAt = 12
	}
	return fs
}

func lingerFixtures() []fixture {
	var fs []fixture
	for _, l := range []int{0, 1, 5, 10, 20, 50, 100} {
		fl := float64(l)
		fs = append(fs, fixture{
			id: fmt.Sprintf("linger-%d", l), label: fmt.Sprintf("linger=%d", l), level: fmt.Sprintf("linger=%d", l),
			settings: profiles.Settings{Acks: ptr(profiles.AcksAll), LingerMs: ptr(l)},
			mbps:     10000 * 512 / float64(stats.BytesPerMB) * (1 - 0.0004*fl),
			p50:      1.3 + 0.52*fl, p99: 4.2 + 1.02*fl, e2eExtra: 1.0,
		})
	}
	return fs
}

const ladderYAML = `name: durability-ladder
description: the durability ladder, one step at a time
workload:
  message.size: 1024
  partitions: 6
  replication.factor: 3
  producers: 1
  consumers: 1
  rate: max
  duration: 30s
  warmup: 5s
  linger.ms: 5
sweep:
  points:
    - {level: "acks=0", acks: 0}
    - {level: "acks=1", acks: 1}
    - {level: "acks=all", acks: all}
    - {level: "acks=all + idempotence", acks: all, enable.idempotence: true}
    - {level: "+ min ISR 2 (RF 3)", acks: all, enable.idempotence: true, min.insync.replicas: 2, unclean.leader.election.enable: false}
    - {level: "+ flush.messages=1", acks: all, enable.idempotence: true, min.insync.replicas: 2, unclean.leader.election.enable: false, flush.messages: 1}
`

const lingerYAML = `name: linger-sweep
workload:
  message.size: 512
  partitions: 6
  replication.factor: 3
  producers: 1
  consumers: 1
  rate: 10000
  duration: 30s
  warmup: 5s
  acks: all
sweep:
  matrix:
    linger.ms: [0, 1, 5, 10, 20, 50, 100]
`

// lognormalMs draws a latency with median m ms whose 99th percentile is p99 ms.
func lognormalMs(rng *rand.Rand, m, p99 float64) time.Duration {
	sigma := math.Log(p99/m) / 2.326
	return time.Duration(m * math.Exp(rng.NormFloat64()*sigma) * float64(time.Millisecond))
}

const fixtureSeconds = 30

func writeFixture(dir, profile, yaml, runID string, start time.Time, msgBytes, rate int, fs []fixture) error {
	idx := &stats.Index{RunID: runID, Profile: profile, ProfileYAML: yaml, Environment: fixtureEnvironment, Start: start}
	at := start
	for i, f := range fs {
		rng := rand.New(rand.NewPCG(uint64(i+1), uint64(len(profile))))
		pt := profiles.Point{ID: f.id, Label: f.label, Level: profiles.ReliabilityLevel{Rank: i + 1, Name: f.level},
			Workload: profiles.Workload{MessageSizeMin: msgBytes, MessageSizeMax: msgBytes, KeyDistribution: "none",
				Partitions: 6, ReplicationFactor: 3, Producers: 1, Consumers: 1, Rate: rate,
				Duration: fixtureSeconds * time.Second, Warmup: 5 * time.Second, Compression: "none"},
			Settings: f.settings, Notes: f.notes}
		r := &stats.Result{RunID: runID, Profile: profile, Point: pt, Status: stats.StatusOK, Notes: f.notes,
			Start: at, Environment: fixtureEnvironment}
		switch {
		case f.failed != "":
			r.Status, r.Error = stats.StatusFailed, f.failed
			r.End = at.Add(62 * time.Second)
		default:
			fillMeasurements(r, f, rng, msgBytes)
			r.End = at.Add(time.Duration(5+len(r.Series)+3) * time.Second)
		}
		if err := stats.WriteResult(dir, r); err != nil {
			return err
		}
		idx.Points = append(idx.Points, stats.IndexPoint{ID: f.id, Label: f.label, Level: pt.Level, Status: r.Status,
			File: stats.PointFile(f.id)})
		at = r.End.Add(10 * time.Second)
	}
	idx.End = at
	return stats.WriteIndex(dir, idx)
}

func fillMeasurements(r *stats.Result, f fixture, rng *rand.Rand, msgBytes int) {
	seconds := fixtureSeconds
	if f.stopAt > 0 {
		seconds = f.stopAt
		r.Status = stats.StatusIncomplete
		r.Notes = append(r.Notes, fmt.Sprintf("interrupted (Ctrl-C) %d s into the measured phase", f.stopAt))
	}
	rate := f.mbps * stats.BytesPerMB / float64(msgBytes)
	produce, raw, e2e := stats.NewHistogram(), stats.NewHistogram(), stats.NewHistogram()
	secP, secE := stats.NewHistogram(), stats.NewHistogram()
	var acked, sent float64
	for s := range seconds {
		secP.Reset()
		secE.Reset()
		stall := f.stallAt > 0 && (s == f.stallAt || s == f.stallAt+1)
		factor := 1 + 0.03*rng.NormFloat64()
		if stall {
			factor = 0.35
		}
		n := 2000 // samples per second: enough for a p99.99 per point
		for i := range n {
			p := lognormalMs(rng, f.p50, f.p99)
			if stall && i%4 == 0 {
				p += time.Duration(150+rng.IntN(350)) * time.Millisecond
			}
			e := p + lognormalMs(rng, f.e2eExtra, 4*f.e2eExtra)
			produce.Record(p)
			raw.Record(p - p/20)
			e2e.Record(e)
			secP.Record(p)
			secE.Record(e)
		}
		ack := math.Round(rate * factor)
		snt := ack
		if r.Point.Workload.Rate > 0 {
			snt = float64(r.Point.Workload.Rate)
		}
		acked += ack
		sent += snt
		r.Series = append(r.Series, stats.Second{Offset: float64(s), SentPerSecond: snt, AckedPerSecond: ack,
			ConsumedPerSecond: ack - float64(rng.IntN(30)), ProduceP99Ms: secP.ValueAt(99), EndToEndP99Ms: secE.ValueAt(99),
			ConsumerLag: int64(100 + rng.IntN(200))})
	}
	m := &r.Metrics
	m.MeasuredSeconds = float64(seconds)
	m.TargetRate = float64(r.Point.Workload.Rate)
	tp := func(records float64) stats.Throughput {
		b := int64(records) * int64(msgBytes)
		return stats.Throughput{Records: int64(records), Bytes: b, RecordsPerSecond: records / float64(seconds),
			MBPerSecond: float64(b) / stats.BytesPerMB / float64(seconds)}
	}
	m.Sent, m.Acked, m.Consumed = tp(sent), tp(acked), tp(acked)
	m.ProduceLatency, m.ProduceLatencyRaw, m.EndToEndLatency = produce.Summary(), raw.Summary(), e2e.Summary()
	m.ProduceLatencyKind = stats.LatencySendToAck
	if f.enqueue {
		m.ProduceLatencyKind = stats.LatencyEnqueueToSocket
	}
	r.Audit = stats.Audit{Sent: int64(sent), Acked: int64(acked), Consumed: int64(acked), DrainSeconds: 1.4, Lost: ptr(int64(0)),
		VerificationRead: &stats.VerificationRead{Complete: true, Attempts: 1, RecordsRead: int64(acked), OffsetsRead: int64(acked), OffsetsToRead: int64(acked)}}
	if f.stopAt > 0 { // Ctrl-C in the measured phase: the verification read was skipped, loss unknown
		r.Audit.Consumed, r.Audit.Lost, r.Audit.DrainSeconds = 0, nil, 0
		r.Audit.VerificationRead = &stats.VerificationRead{Stopped: "interrupted before the read began", AckedNotReadBack: int64(acked)}
	}
	r.Histograms = map[string]string{}
	for k, h := range map[string]*stats.Histogram{stats.HistProduce: produce, stats.HistProduceRaw: raw, stats.HistEndToEnd: e2e} {
		enc, err := h.Encode()
		if err == nil {
			r.Histograms[k] = enc
		}
	}
}

// fixtureRuns lists the fixture runs and how to write each.
var fixtureRuns = []struct {
	name  string
	write func(dir string) error
}{
	{"ladder", func(dir string) error {
		return writeFixture(dir, "durability-ladder", ladderYAML, "20260302-080000", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), 1024, 0, ladderFixtures(false))
	}},
	{"ladder-partial", func(dir string) error {
		return writeFixture(dir, "durability-ladder", ladderYAML, "20260302-090000", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 1024, 0, ladderFixtures(true))
	}},
	{"linger-sweep", func(dir string) error {
		return writeFixture(dir, "linger-sweep", lingerYAML, "20260302-100000", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), 512, 10000, lingerFixtures())
	}},
}

// TestFixtures checks the fixture runs are what the generator writes (and rewrites them with
// -update), so a change to the result format shows up here first.
func TestFixtures(t *testing.T) {
	for _, fr := range fixtureRuns {
		t.Run(fr.name, func(t *testing.T) {
			golden := filepath.Join("testdata", fr.name)
			if *update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				if err := fr.write(golden); err != nil {
					t.Fatal(err)
				}
			}
			fresh := t.TempDir()
			if err := fr.write(fresh); err != nil {
				t.Fatal(err)
			}
			// JSON files are compared as decoded results and indexes, so a field stats adds
			// later, zero in both, does not fail the test.
			statstest.SameTree(t, fresh, golden, "go test ./plots -run TestFixtures -update", func(rel string) bool {
				return filepath.Ext(rel) == ".json" && sameJSON(t, filepath.Join(fresh, rel), filepath.Join(golden, rel), rel == stats.IndexFile)
			})
		})
	}
}

// sameJSON decodes two result (or index) files and compares them.
func sameJSON(t *testing.T, a, b string, index bool) bool {
	t.Helper()
	if index {
		x, errX := stats.ReadIndex(filepath.Dir(a))
		y, errY := stats.ReadIndex(filepath.Dir(b))
		return errX == nil && errY == nil && reflect.DeepEqual(x, y)
	}
	x, errX := stats.ReadResult(a)
	y, errY := stats.ReadResult(b)
	return errX == nil && errY == nil && reflect.DeepEqual(x, y)
}
