package statstest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// The fixture runs. The plots and analysis tests read (from plots/testdata):
//
//	ladder          6-point durability ladder, closed loop, no faults
//	ladder-partial  the same ladder with the idempotence point failed and the flush.messages=1
//	                point interrupted 12 s in (incomplete)
//	linger-sweep    acks=all at 10000 msgs/s, linger.ms 0, 1, 5, 10, 20, 50, 100
//
// The stats tests read (from stats/testdata) run-ok and run-partial: a 3-point durability ladder
// (acks=1, acks=all, acks=all + idempotence) on a local 3-broker cluster with a leader killed
// 15 s into each point, with some loss at the kill; in run-partial the third point failed.

func ptr[T any](v T) *T { return &v }

// sweepShape draws the plots fixtures: 2000 latencies a second, 3 % rate noise.
func sweepShape(profile string) Shape {
	return Shape{Seed: uint64(len(profile)), SamplesPerSecond: 2000, Jitter: 0.03, E2ETail: 4, DelayDivisor: 20,
		Consumer: func(rng *rand.Rand, _, acked float64) (float64, int64) {
			consumed := acked - float64(rng.IntN(30))
			return consumed, int64(100 + rng.IntN(200))
		}}
}

var sweepEnvironment = stats.Environment{
	KbenchVersion: "0.1.0", KbenchCommit: "fixture", LibrdkafkaVersion: "2.11.1", KafkaVersion: "4.1.0",
	Brokers: 3, Bootstrap: "127.0.0.1:19092,127.0.0.2:19092,127.0.0.3:19092", LocalCluster: true,
	HostCores: 8, HostMemoryBytes: 32 << 30, HostOS: "linux/amd64",
}

// Acks0Note is the note profiles gives an acks=0 point.
const Acks0Note = "acks=0: nothing is acknowledged; produce latency is enqueue-to-socket time, and a record reported delivered may never have been written"

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

// Ladder is the 6-point durability ladder (ladder, or ladder-partial when partial).
func Ladder(partial bool) Run {
	all := profiles.AcksAll
	idem := profiles.Settings{Acks: &all, Idempotence: ptr(true)}
	isr := idem
	isr.MinInsyncReplicas, isr.UncleanLeaderElection = ptr(2), ptr(false)
	flush := isr
	flush.FlushMessages = ptr(int64(1))
	ps := []Point{
		{ID: "acks-0", Label: "acks=0", Level: "acks=0", Settings: profiles.Settings{Acks: ptr(profiles.AcksNone)},
			Notes: []string{Acks0Note}, MBps: 182.4, P50: 0.08, P99: 0.41, E2EExtra: 2.2},
		{ID: "acks-1", Label: "acks=1", Level: "acks=1", Settings: profiles.Settings{Acks: ptr(profiles.AcksLeader)},
			MBps: 141.2, P50: 1.7, P99: 5.1, E2EExtra: 1.1},
		{ID: "acks-all", Label: "acks=all", Level: "acks=all", Settings: profiles.Settings{Acks: &all},
			MBps: 97.3, P50: 3.9, P99: 9.4, E2EExtra: 1.2},
		{ID: "acks-all_idem", Label: "acks=all idem", Level: "acks=all + idempotence", Settings: idem,
			MBps: 95.1, P50: 4.0, P99: 9.9, E2EExtra: 1.2},
		{ID: "acks-all_idem_isr-2_unclean-off", Label: "acks=all idem isr=2 unclean=off", Level: "+ min ISR 2 (RF 3)",
			Settings: isr, MBps: 93.8, P50: 4.1, P99: 10.6, E2EExtra: 1.2},
		{ID: "acks-all_idem_isr-2_unclean-off_flush-1", Label: "acks=all idem isr=2 unclean=off flush=1",
			Level: "+ flush.messages=1", Settings: flush, MBps: 17.6, P50: 21.5, P99: 63, E2EExtra: 2.5,
			Spike: &Spike{At: 17, Seconds: 2, Every: 4, BaseMs: 150, SpreadMs: 350, RateFactor: 0.35}},
	}
	runID, start := "20260302-080000", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if partial {
		ps[3].Failed = "create topic kbench-20260302-090000-acks-all_idem: INVALID_REPLICATION_FACTOR: 2 of 3 brokers registered (broker 3 did not rejoin in 60s)"
		ps[3].FailedAfter = 62 * time.Second
		ps[5].StopAt = 12
		runID, start = "20260302-090000", start.Add(time.Hour)
	}
	return Run{Profile: "durability-ladder", ProfileYAML: ladderYAML, RunID: runID, Start: start, Environment: sweepEnvironment,
		MessageBytes: 1024, Producers: 1, Consumers: 1, Shape: sweepShape("durability-ladder"), Points: ps}
}

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

// LingerSweep is acks=all at 10000 msgs/s with linger.ms 0 to 100.
func LingerSweep() Run {
	var ps []Point
	for _, l := range []int{0, 1, 5, 10, 20, 50, 100} {
		fl := float64(l)
		ps = append(ps, Point{
			ID: fmt.Sprintf("linger-%d", l), Label: fmt.Sprintf("linger=%d", l), Level: fmt.Sprintf("linger=%d", l),
			Settings: profiles.Settings{Acks: ptr(profiles.AcksAll), LingerMs: ptr(l)},
			MBps:     10000 * 512 / float64(stats.BytesPerMB) * (1 - 0.0004*fl),
			P50:      1.3 + 0.52*fl, P99: 4.2 + 1.02*fl, E2EExtra: 1.0,
		})
	}
	return Run{Profile: "linger-sweep", ProfileYAML: lingerYAML, RunID: "20260302-100000", Start: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		Environment: sweepEnvironment, MessageBytes: 512, Rate: 10000, Producers: 1, Consumers: 1, Shape: sweepShape("linger-sweep"), Points: ps}
}

var faultEnvironment = stats.Environment{
	KbenchVersion: "dev", KbenchCommit: "fixture", LibrdkafkaVersion: "2.11.1", KafkaVersion: "4.1.0",
	Brokers: 3, Bootstrap: "127.0.0.1:19092,127.0.0.2:19092,127.0.0.3:19092", LocalCluster: true,
	HostCores: 2, HostMemoryBytes: 24 << 30, HostOS: "linux/amd64",
}

const faultYAML = `name: durability-ladder
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

// faultShape draws the stats fixtures: every record of a 10000 msgs/s run, a steady rate, the
// sender's delay and per-second interval logs.
var faultShape = Shape{Seed: 7, E2ETail: 3, DelayDivisor: 10, SendDelay: true, FailedBare: true,
	Consumer: func(rng *rand.Rand, sent, _ float64) (float64, int64) {
		lag := int64(150 + rng.IntN(100))
		return sent - float64(rng.IntN(40)), lag
	}}

// FaultLadder is the 3-point ladder with a leader killed 15 s into each point (run-ok, or
// run-partial when partial).
func FaultLadder(partial bool) Run {
	runID, start := "20260301-100000-ok", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if partial {
		runID, start = "20260301-110000-partial", start.Add(time.Hour)
	}
	type step struct {
		id, label, level string
		acks             profiles.Acks
		idem             bool
		p50, p99         float64
		audit            stats.Audit
		failedBy         map[string]int64
	}
	steps := []step{
		{"acks-1", "acks=1", "acks=1", profiles.AcksLeader, false, 0.95, 3.1,
			stats.Audit{Sent: 300000, Acked: 299940, Indeterminate: 60, Consumed: 299748, Lost: ptr(int64(214)),
				UnackedConsumed: 22, DrainSeconds: 1.8, VerificationRead: CompleteRead(299748)},
			map[string]int64{"_MSG_TIMED_OUT": 60}},
		{"acks-all", "acks=all", "acks=all", profiles.AcksAll, false, 1.8, 5.2,
			stats.Audit{Sent: 300000, Acked: 299981, Indeterminate: 19, Consumed: 299988, Duplicates: 96,
				OutOfOrder: 2, UnackedConsumed: 7, DrainSeconds: 2.1, Lost: ptr(int64(0)), VerificationRead: CompleteRead(299988 + 96)},
			map[string]int64{"_MSG_TIMED_OUT": 19}},
		{"acks-all-idem", "acks=all idem", "acks=all + idempotence", profiles.AcksAll, true, 1.9, 5.6,
			stats.Audit{Sent: 300000, Acked: 300000, Consumed: 300000, DrainSeconds: 1.9, Lost: ptr(int64(0)), VerificationRead: CompleteRead(300000)},
			nil},
	}
	var ps []Point
	for _, s := range steps {
		settings := profiles.Settings{Acks: ptr(s.acks)}
		if s.acks == profiles.AcksAll {
			settings.MinInsyncReplicas = ptr(2)
		}
		if s.idem {
			settings.Idempotence = ptr(true)
		}
		audit := s.audit
		ps = append(ps, Point{ID: s.id, Label: s.label, Level: s.level, Settings: settings,
			ResultNotes: []string{"fixture: synthetic numbers shaped like a local 3-broker run; leader of partition 0 killed at 15 s"},
			P50:         s.p50, P99: s.p99, E2EExtra: 1.2, Audit: &audit, FailedBy: s.failedBy,
			Spike: &Spike{At: 15, Seconds: 1, Every: 50, BaseMs: 200, SpreadMs: 600, Errors: s.audit.Indeterminate, Lag: 4200},
			Effective: stats.EffectiveSettings{
				Topic:             "kbench-" + runID + "-" + s.id,
				TopicConfig:       map[string]string{"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
				ReplicationFactor: 3, Partitions: 6, BrokerConfig: map[string]map[string]string{},
				ProducerConfig: map[string]string{"acks": string(s.acks), "enable.idempotence": fmt.Sprint(s.idem),
					"linger.ms": "5", "compression.type": "none"},
				ConsumerConfig: map[string]string{"auto.offset.reset": "earliest", "enable.auto.commit": "true"},
			}})
	}
	ps[0].E2EExtra = 1.1
	if partial {
		ps[2].Failed = "create topic kbench-" + runID + "-" + ps[2].ID + ": NOT_ENOUGH_REPLICAS: 2 of 3 brokers up (broker 3 did not come back after the kill)"
		ps[2].FailedAfter = 31 * time.Second
	}
	return Run{Profile: "durability-ladder", ProfileYAML: faultYAML, RunID: runID, Start: start, Environment: faultEnvironment,
		MessageBytes: 1024, Rate: 10000, Producers: 2, Consumers: 2, Shape: faultShape, Points: ps}
}

const repeatedYAML = `name: ladder-repeated
description: four levels, three repetitions each
repeat: 3
workload:
  message.size: 1024
  partitions: 6
  replication.factor: 3
  producers: 1
  consumers: 1
  rate: max
  duration: 30s
  warmup: 5s
sweep:
  points:
    - {level: "acks=1", acks: 1}
    - {level: "acks=all", acks: all}
    - {level: "acks=all + idempotence", acks: all, enable.idempotence: true}
    - {level: "+ flush.messages=1", acks: all, enable.idempotence: true, min.insync.replicas: 2, unclean.leader.election.enable: false, flush.messages: 1}
`

// RepeatedLadder is a four-level ladder measured three times per level with 5 % noise between
// repetitions: acks=all and acks=all + idempotence differ by 2 % (inside the noise, so not
// distinguishable), acks=1 and forced flushing by far more.
func RepeatedLadder() Run {
	all := profiles.AcksAll
	idem := profiles.Settings{Acks: &all, Idempotence: ptr(true)}
	flush := idem
	flush.MinInsyncReplicas, flush.UncleanLeaderElection, flush.FlushMessages = ptr(2), ptr(false), ptr(int64(1))
	ps := []Point{
		{ID: "acks-1", Label: "acks=1", Level: "acks=1", Settings: profiles.Settings{Acks: ptr(profiles.AcksLeader)},
			MBps: 141.2, P50: 1.7, P99: 5.1, E2EExtra: 1.1},
		{ID: "acks-all", Label: "acks=all", Level: "acks=all", Settings: profiles.Settings{Acks: &all},
			MBps: 97.3, P50: 3.9, P99: 9.4, E2EExtra: 1.2},
		{ID: "acks-all_idem", Label: "acks=all idem", Level: "acks=all + idempotence", Settings: idem,
			MBps: 95.1, P50: 4.0, P99: 9.6, E2EExtra: 1.2},
		{ID: "acks-all_idem_isr-2_unclean-off_flush-1", Label: "acks=all idem isr=2 unclean=off flush=1",
			Level: "+ flush.messages=1", Settings: flush, MBps: 17.6, P50: 21.5, P99: 63, E2EExtra: 2.5},
	}
	shape := sweepShape("ladder-repeated")
	shape.SamplesPerSecond, shape.SendDelay = 100, true
	return Run{Profile: "ladder-repeated", ProfileYAML: repeatedYAML, RunID: "20260303-080000",
		Start: time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC), Environment: sweepEnvironment,
		MessageBytes: 1024, Producers: 1, Consumers: 1, Shape: shape, Points: ps, Repeat: 3, RepeatCV: 0.05}
}
