package stats

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats/statstest"
)

var update = flag.Bool("update", false, "rewrite golden files and fixture runs in testdata")

// The fixture runs in testdata/run-ok and testdata/run-partial are a 3-point durability ladder
// (acks=1, acks=all, acks=all + idempotence) on a local 3-broker cluster with a leader killed 15 s
// into each point. The numbers are synthetic but shaped like real ones (log-normal latencies, a
// latency spike and some loss at the kill); the plots, report and export code read them. In
// run-partial the third point failed. Regenerate with: go test ./stats -run Fixtures -update

type fixturePoint struct {
	id, label, levelName string
	rank                 int
	acks                 profiles.Acks
	idempotence          bool
	produceP50, p99      float64 // ms, before the spike
	e2eExtraP50          float64 // ms added by the consumer side
	audit                Audit
	failedBy             map[string]int64
}

var fixtureLadder = []fixturePoint{
	{
		id: "acks-1", label: "acks=1", levelName: "acks=1", rank: 1, acks: profiles.AcksLeader,
		produceP50: 0.95, p99: 3.1, e2eExtraP50: 1.1,
		audit: Audit{Sent: 300000, Acked: 299940, Indeterminate: 60, Consumed: 299748, Lost: new(int64(214)),
			UnackedConsumed: 22, DrainSeconds: 1.8, VerificationRead: completeRead(299748)},
		failedBy: map[string]int64{"_MSG_TIMED_OUT": 60},
	},
	{
		id: "acks-all", label: "acks=all", levelName: "acks=all", rank: 2, acks: profiles.AcksAll,
		produceP50: 1.8, p99: 5.2, e2eExtraP50: 1.2,
		audit: Audit{Sent: 300000, Acked: 299981, Indeterminate: 19, Consumed: 299988, Duplicates: 96,
			OutOfOrder: 2, UnackedConsumed: 7, DrainSeconds: 2.1, Lost: new(int64(0)), VerificationRead: completeRead(299988 + 96)},
		failedBy: map[string]int64{"_MSG_TIMED_OUT": 19},
	},
	{
		id: "acks-all-idem", label: "acks=all idem", levelName: "acks=all + idempotence", rank: 3,
		acks: profiles.AcksAll, idempotence: true,
		produceP50: 1.9, p99: 5.6, e2eExtraP50: 1.2,
		audit: Audit{Sent: 300000, Acked: 300000, Consumed: 300000, DrainSeconds: 1.9, Lost: new(int64(0)), VerificationRead: completeRead(300000)},
	},
}

// completeRead is a verification read that reached every high watermark after reading n records.
func completeRead(n int64) *VerificationRead {
	return &VerificationRead{Complete: true, Attempts: 1, RecordsRead: n, OffsetsRead: n, OffsetsToRead: n}
}

const (
	fixtureRate     = 10000 // records/s over all producers
	fixtureSeconds  = 30
	fixtureMsgBytes = 1024
	fixtureKillAt   = 15 // second of the measured phase in which the leader is killed
)

var fixtureEnv = Environment{
	KbenchVersion: "dev", KbenchCommit: "fixture", LibrdkafkaVersion: "2.11.1", KafkaVersion: "4.1.0",
	Brokers: 3, Bootstrap: "127.0.0.1:19092,127.0.0.2:19092,127.0.0.3:19092", LocalCluster: true,
	HostCores: 2, HostMemoryBytes: 24 << 30, HostOS: "linux/amd64",
}

const fixtureProfileYAML = `name: durability-ladder
workload:
  message_size: 1024
  partitions: 6
  replication_factor: 3
  producers: 2
  consumers: 2
  rate: 10000
  duration: 30s
  warmup: 5s
fault:
  kill_leader_at: 15s
sweep:
  - {acks: "1"}
  - {acks: all, min_insync_replicas: 2}
  - {acks: all, min_insync_replicas: 2, enable_idempotence: true}
`

// lognormal draws a latency with median m ms whose 99th percentile is p99 ms.
func lognormal(rng *rand.Rand, m, p99 float64) time.Duration {
	sigma := math.Log(p99/m) / 2.326
	return time.Duration(m * math.Exp(rng.NormFloat64()*sigma) * float64(time.Millisecond))
}

// fixtureResult builds one point's result and writes its interval log into dir.
func fixtureResult(dir, runID string, start time.Time, fp fixturePoint, seed uint64) (*Result, error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	measuredStart := start.Add(5 * time.Second) // after the warmup
	acks, idem := fp.acks, fp.idempotence
	minISR := 2
	settings := profiles.Settings{Acks: &acks}
	if acks == profiles.AcksAll {
		settings.MinInsyncReplicas = &minISR
	}
	if idem {
		settings.Idempotence = &idem
	}
	r := &Result{
		RunID:   runID,
		Profile: "durability-ladder",
		Point: profiles.Point{
			ID: fp.id, Label: fp.label, Level: profiles.ReliabilityLevel{Rank: fp.rank, Name: fp.levelName},
			Workload: profiles.Workload{
				MessageSizeMin: fixtureMsgBytes, MessageSizeMax: fixtureMsgBytes, KeyDistribution: "none",
				Partitions: 6, ReplicationFactor: 3, Producers: 2, Consumers: 2, Rate: fixtureRate,
				Duration: fixtureSeconds * time.Second, Warmup: 5 * time.Second, Compression: "none",
			},
			Settings: settings,
		},
		Status:      StatusOK,
		Notes:       []string{"fixture: synthetic numbers shaped like a local 3-broker run; leader of partition 0 killed at 15 s"},
		Start:       start,
		End:         measuredStart.Add((fixtureSeconds + 3) * time.Second),
		Environment: fixtureEnv,
		Effective: EffectiveSettings{
			Topic:             "kbench-" + runID + "-" + fp.id,
			TopicConfig:       map[string]string{"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
			ReplicationFactor: 3,
			Partitions:        6,
			BrokerConfig:      map[string]map[string]string{},
			ProducerConfig: map[string]string{"acks": string(acks), "enable.idempotence": fmt.Sprint(idem),
				"linger.ms": "5", "compression.type": "none"},
			ConsumerConfig: map[string]string{"auto.offset.reset": "earliest", "enable.auto.commit": "true"},
		},
	}

	log, err := CreateIntervalLog(filepath.Join(dir, filepath.FromSlash(PointLogFile(fp.id))), measuredStart,
		"kbench fixture point "+fp.id)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	produce, raw, e2e, delay := NewHistogram(), NewHistogram(), NewHistogram(), NewHistogram()
	secProduce, secE2E, secDelay := NewHistogram(), NewHistogram(), NewHistogram()
	perSecond := fixtureRate
	for sec := range fixtureSeconds {
		secProduce.Reset()
		secE2E.Reset()
		secDelay.Reset()
		for i := range perSecond {
			p := lognormal(rng, fp.produceP50, fp.p99)
			if sec == fixtureKillAt && i%50 == 0 { // 2% wait out the leader election
				p += time.Duration(200+rng.IntN(600)) * time.Millisecond
			}
			e := p + lognormal(rng, fp.e2eExtraP50, 3*fp.e2eExtraP50)
			produce.Record(p)
			raw.Record(p - p/10)
			delay.Record(p / 10) // the sender's lag behind its schedule: produce = delay + raw
			secDelay.Record(p / 10)
			e2e.Record(e)
			secProduce.Record(p)
			secE2E.Record(e)
		}
		from := measuredStart.Add(time.Duration(sec) * time.Second)
		for _, w := range []struct {
			tag string
			h   *Histogram
		}{{HistProduce, secProduce}, {HistEndToEnd, secE2E}, {HistSendDelay, secDelay}} {
			if err := log.Write(w.tag, from, from.Add(time.Second), w.h); err != nil {
				return nil, err
			}
		}
		errs := int64(0)
		lag := int64(150 + rng.IntN(100))
		if sec == fixtureKillAt {
			errs = fp.audit.Indeterminate
			lag = 4200
		}
		r.Series = append(r.Series, Second{
			Offset:            float64(sec),
			SentPerSecond:     float64(perSecond),
			AckedPerSecond:    float64(perSecond) - float64(errs),
			ConsumedPerSecond: float64(perSecond) - float64(rng.IntN(40)),
			ProduceP99Ms:      secProduce.ValueAt(99),
			EndToEndP99Ms:     secE2E.ValueAt(99),
			ConsumerLag:       lag,
			Errors:            errs,
		})
	}
	if err := log.Close(); err != nil {
		return nil, err
	}

	m := &r.Metrics
	m.MeasuredSeconds = fixtureSeconds
	m.TargetRate = fixtureRate
	m.Sent = throughput(fp.audit.Sent, fixtureSeconds)
	m.Acked = throughput(fp.audit.Acked, fixtureSeconds)
	m.Consumed = throughput(fp.audit.Consumed+fp.audit.Duplicates, fixtureSeconds)
	m.ProduceLatency = produce.Summary()
	m.ProduceLatencyRaw = raw.Summary()
	m.ProduceLatencyKind = LatencySendToAck
	m.EndToEndLatency = e2e.Summary()
	m.FailedByError = fp.failedBy
	m.ConsumerLagEnd = 0
	r.Audit = fp.audit
	r.Histograms = map[string]string{}
	for key, h := range map[string]*Histogram{HistProduce: produce, HistProduceRaw: raw, HistEndToEnd: e2e, HistSendDelay: delay} {
		enc, err := h.Encode()
		if err != nil {
			return nil, err
		}
		r.Histograms[key] = enc
	}
	return r, nil
}

func throughput(records int64, seconds float64) Throughput {
	bytes := records * fixtureMsgBytes
	return Throughput{
		Records:          records,
		Bytes:            bytes,
		RecordsPerSecond: float64(records) / seconds,
		MBPerSecond:      float64(bytes) / BytesPerMB / seconds,
	}
}

// writeFixtureRun writes a whole fixture run into dir.
func writeFixtureRun(dir string, partial bool) error {
	runID := "20260301-100000-ok"
	if partial {
		runID = "20260301-110000-partial"
	}
	runStart := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if partial {
		runStart = runStart.Add(time.Hour)
	}
	idx := &Index{RunID: runID, Profile: "durability-ladder", ProfileYAML: fixtureProfileYAML,
		Environment: fixtureEnv, Start: runStart}
	start := runStart
	for i, fp := range fixtureLadder {
		var r *Result
		if partial && i == 2 {
			r = &Result{
				RunID: runID, Profile: "durability-ladder",
				Point: profiles.Point{ID: fp.id, Label: fp.label,
					Level: profiles.ReliabilityLevel{Rank: fp.rank, Name: fp.levelName}},
				Status:      StatusFailed,
				Error:       "create topic kbench-" + runID + "-" + fp.id + ": NOT_ENOUGH_REPLICAS: 2 of 3 brokers up (broker 3 did not come back after the kill)",
				Start:       start,
				End:         start.Add(31 * time.Second),
				Environment: fixtureEnv,
			}
		} else {
			var err error
			if r, err = fixtureResult(dir, runID, start, fp, uint64(i+1)); err != nil {
				return err
			}
		}
		if err := WriteResult(dir, r); err != nil {
			return err
		}
		idx.Points = append(idx.Points, IndexPoint{ID: fp.id, Label: fp.label,
			Level: profiles.ReliabilityLevel{Rank: fp.rank, Name: fp.levelName}, Status: r.Status, File: PointFile(fp.id)})
		start = r.End.Add(10 * time.Second)
	}
	idx.End = start
	return WriteIndex(dir, idx)
}

func TestFixtures(t *testing.T) {
	for _, c := range []struct {
		name    string
		partial bool
	}{{"run-ok", false}, {"run-partial", true}} {
		t.Run(c.name, func(t *testing.T) {
			golden := filepath.Join("testdata", c.name)
			if *update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				if err := writeFixtureRun(golden, c.partial); err != nil {
					t.Fatal(err)
				}
			}
			fresh := t.TempDir()
			if err := writeFixtureRun(fresh, c.partial); err != nil {
				t.Fatal(err)
			}
			statstest.SameTree(t, fresh, golden, "go test ./stats -run Fixtures -update", nil)

			run, err := ReadRun(golden)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range run.Points {
				if p.Err != nil {
					t.Errorf("point %s: %v", p.Entry.ID, p.Err)
					continue
				}
				// Summaries recomputed from the stored histograms match the stored ones.
				r := *p.Result
				before := r.Metrics
				if err := Resummarise(&r); err != nil {
					t.Fatal(err)
				}
				if r.Metrics.ProduceLatency != before.ProduceLatency || r.Metrics.EndToEndLatency != before.EndToEndLatency {
					t.Errorf("point %s: summaries differ from its histograms", p.Entry.ID)
				}
			}
		})
	}
}
