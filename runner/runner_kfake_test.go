package runner

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// startKfake starts an in-process fake Kafka on 127.0.0.1 for client-side tests (never evidence
// of broker behaviour).
func startKfake(t testing.TB) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	addr := strings.Join(c.ListenAddrs(), ",")
	// An in-process fake has nothing to warm: sweeps on it skip the cluster warm-up as if this
	// process had just warmed it (TestClusterWarmupKfake forgets this to test the warm-up).
	warmedAt.Lock()
	warmedAt.at[addr] = time.Now()
	warmedAt.Unlock()
	return addr
}

func testPoint(id string, rate int, dur time.Duration, consumers int) profiles.Point {
	return profiles.Point{
		ID: id, Label: "kfake " + id, Level: profiles.ReliabilityLevel{Rank: 1, Name: "test"},
		Workload: profiles.Workload{
			MessageSizeMin: 100, MessageSizeMax: 100, Partitions: 2, ReplicationFactor: 1,
			Producers: 1, Consumers: consumers, Rate: rate, Duration: dur, Warmup: 500 * time.Millisecond,
		},
	}
}

// TestRunPointKfake runs one short point end to end: every acknowledged record is consumed and
// read back by the audit, nothing is lost, and the result file re-reads.
func TestRunPointKfake(t *testing.T) {
	bootstrap := startKfake(t)
	out := t.TempDir()
	p := testPoint("rate-1k", 1000, 2*time.Second, 1)
	res, err := RunPoint(context.Background(), p, recordIn(out, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, Version: "test"}))
	if err != nil {
		t.Fatalf("RunPoint: %v", err)
	}
	if res.Status != stats.StatusOK {
		t.Fatalf("status %s (%s), notes %v", res.Status, res.Error, res.Notes)
	}
	m := res.Metrics
	if m.Acked.Records < 1500 || m.Acked.Records > 2500 {
		t.Errorf("acked %d records in 2 s at 1000/s, want about 2000", m.Acked.Records)
	}
	if m.Consumed.Records != m.Acked.Records {
		t.Errorf("consumed %d != acked %d", m.Consumed.Records, m.Acked.Records)
	}
	a := res.Audit
	if !a.NoneLost() || a.Duplicates != 0 || a.DrainTimedOut {
		t.Errorf("audit %+v: want nothing lost or duplicated", a)
	}
	if a.ReadCPUSeconds <= 0 {
		t.Errorf("audit read CPU %.3f s: want the read's cost recorded", a.ReadCPUSeconds)
	}
	if a.Acked != a.Sent || a.Consumed != a.Acked {
		t.Errorf("audit sent %d acked %d consumed %d: want all equal (warmup included)", a.Sent, a.Acked, a.Consumed)
	}
	if m.ProduceLatency.Count != m.Acked.Records || m.EndToEndLatency.Count != m.Consumed.Records {
		t.Errorf("latency counts %d/%d, want %d/%d", m.ProduceLatency.Count, m.EndToEndLatency.Count, m.Acked.Records, m.Consumed.Records)
	}
	if len(res.Series) != 2 {
		t.Errorf("series has %d rows, want 2", len(res.Series))
	}
	if res.Effective.ProducerConfig["go.delivery.report.fields"] != "key" || res.Effective.Partitions != 2 || res.Effective.ReplicationFactor != 1 {
		t.Errorf("effective settings %+v", res.Effective)
	}
	back, err := stats.ReadResult(filepath.Join(out, filepath.FromSlash(stats.PointFile(p.ID))))
	if err != nil {
		t.Fatalf("re-read result: %v", err)
	}
	if back.Metrics.Acked.Records != m.Acked.Records || !reflect.DeepEqual(back.Audit, res.Audit) {
		t.Errorf("re-read result differs: %+v vs %+v", back.Audit, res.Audit)
	}
	idx, err := stats.ReadIndex(out)
	if err != nil || len(idx.Points) != 1 {
		t.Fatalf("index: %v %+v", err, idx)
	}
}

// TestRunPointKfakeMaxRate runs closed loop, producer only: it must not wait for consumers.
func TestRunPointKfakeMaxRate(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("max", 0, time.Second, 0)
	// A fixed warmup: at kfake's million records a second on a busy 2-core host an adaptive
	// warmup may run its full 15 s, and the audit would then read 15 M records back.
	res, err := RunPoint(context.Background(), p, recordIn(t.TempDir(), Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, FixedWarmup: true}))
	if err != nil {
		t.Fatalf("RunPoint: %v (notes %v)", err, res)
	}
	if !res.Audit.NoneLost() || res.Audit.Acked == 0 || res.Audit.Consumed != res.Audit.Acked {
		t.Errorf("audit %+v", res.Audit)
	}
	// The machine's cores over the measured phase: a max-rate point keeps them busy.
	if h := res.Metrics.HostCPU; h == nil || h.User+h.Kernel <= 0 || h.Idle >= 1 {
		t.Errorf("host CPU %+v: want the measured phase's split of the cores", h)
	}
	t.Logf("max rate against kfake, 1 producer, 100 B: %.0f records/s acked, produce p99 %.2f ms",
		res.Metrics.Acked.RecordsPerSecond, res.Metrics.ProduceLatency.P99Ms)
}

// TestUnreachableBootstrap fails fast with one clear error.
func TestUnreachableBootstrap(t *testing.T) {
	t0 := time.Now()
	_, err := RunPoint(context.Background(), testPoint("x", 0, time.Second, 0), Options{Bootstrap: "127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("err = %v, want unreachable", err)
	}
	if d := time.Since(t0); d > 2*metadataTimeout {
		t.Errorf("took %s", d)
	}
}

// TestRunPointKfakeBacklog: with consume.mode backlog the consumers start after the producers and
// read every acknowledged record, warmup included; the read's rate, not the measured phase's,
// is the consumed rate, and no end-to-end latency is recorded (records waited by design).
func TestRunPointKfakeBacklog(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("backlog", 2000, 2*time.Second, 2)
	p.Workload.ConsumeMode = profiles.ConsumeBacklog
	// A fixed warmup (0.5 s, 1,000 records the read must include): the read is under test.
	res, err := RunPoint(context.Background(), p, recordIn(t.TempDir(), Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, FixedWarmup: true}))
	if err != nil {
		t.Fatalf("RunPoint: %v", err)
	}
	m := res.Metrics
	b := m.Backlog
	if b == nil {
		t.Fatalf("no backlog read in the result; notes %v", res.Notes)
	}
	if !b.Complete || b.Records != res.Audit.Acked || b.Records <= m.Acked.Records {
		t.Errorf("backlog read %d records (complete %v), audit acked %d, measured-phase acked %d: want every acked record, warmup included",
			b.Records, b.Complete, res.Audit.Acked, m.Acked.Records)
	}
	if b.ReadSeconds <= 0 || b.JoinSeconds <= 0 || b.CPUSeconds <= 0 {
		t.Errorf("backlog read times %+v: want join, read and CPU all positive", b)
	}
	if want := float64(b.Records) / b.ReadSeconds; m.Consumed.Records != b.Records || m.Consumed.RecordsPerSecond != want {
		t.Errorf("consumed %+v, want %d records at %.0f/s (the read's rate)", m.Consumed, b.Records, want)
	}
	if m.EndToEndLatency.Count != 0 || m.ConsumerBehind {
		t.Errorf("end-to-end latency %d values, behind %v: want none in backlog mode", m.EndToEndLatency.Count, m.ConsumerBehind)
	}
	for _, s := range res.Series {
		if s.ConsumedPerSecond != 0 {
			t.Fatalf("series row %+v has consumer figures: no consumer runs during the measured phase", s)
		}
	}
	if !res.Audit.NoneLost() || res.Audit.Consumed != res.Audit.Acked {
		t.Errorf("audit %+v", res.Audit)
	}
}

// TestRunPointKfakeClients runs the same short point under each client choice: the point's
// producers, consumers and verification read run on the client the point chose (franz-go reads
// back by default), every record is accounted for, and the result records which library ran
// what and, for franz-go, the options it ran with instead of librdkafka's runner settings.
func TestRunPointKfakeClients(t *testing.T) {
	franz, lib := profiles.ClientFranzGo, profiles.ClientLibrdkafka
	tests := []struct {
		name                    string
		client, consumerClient  *profiles.Client
		backlog                 bool
		producer, consumer, rdr string
	}{
		{"franz-go point", &franz, nil, false, "franz-go", "franz-go", "franz-go"},
		{"librdkafka point, default reader", &lib, nil, false, "librdkafka", "librdkafka", "franz-go"},
		{"librdkafka backlog read", nil, &lib, true, "librdkafka", "librdkafka", "librdkafka"},
		{"franz-go producers, default backlog read", &franz, nil, true, "franz-go", "franz-go", "franz-go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bootstrap := startKfake(t)
			p := testPoint("clients", 1000, time.Second, 1)
			p.Settings.Client, p.Settings.ConsumerClient = tt.client, tt.consumerClient
			if tt.backlog {
				p.Workload.ConsumeMode = profiles.ConsumeBacklog
			}
			// Fixed warmup: the clients are under test, not the warmup (TestAdaptiveWarmupKfake).
			res, err := RunPoint(context.Background(), p, recordIn(t.TempDir(), Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, FixedWarmup: true}))
			if err != nil {
				t.Fatalf("RunPoint: %v (notes %v)", err, res.Notes)
			}
			e := res.Effective
			if got := [3]string{e.ProducerClient.Name, e.ConsumerClient.Name, e.VerifyClient.Name}; got != [3]string{tt.producer, tt.consumer, tt.rdr} {
				t.Errorf("clients recorded %v, want %s %s %s", got, tt.producer, tt.consumer, tt.rdr)
			}
			if e.ProducerClient.Version == "" || e.VerifyClient.Version == "" {
				t.Errorf("client versions not recorded: %+v %+v", e.ProducerClient, e.VerifyClient)
			}
			_, librdkafkaOwned := e.ProducerConfig["go.delivery.report.fields"]
			if franzProducer := tt.producer == "franz-go"; librdkafkaOwned == franzProducer || (len(e.ProducerClientOptions) > 0) != franzProducer {
				t.Errorf("producer config %v, options %v: librdkafka's runner settings go to librdkafka only, kgo options are recorded for franz-go", e.ProducerConfig, e.ProducerClientOptions)
			}
			a := res.Audit
			if res.Status != stats.StatusOK || !a.NoneLost() || a.Duplicates != 0 || a.Acked == 0 || a.Consumed != a.Acked {
				t.Errorf("status %s, audit sent %d acked %d read back %d lost %s duplicates %d", res.Status, a.Sent, a.Acked, a.Consumed, a.LostText(), a.Duplicates)
			}
			if c := res.Metrics.Consumed.Records; c < a.Acked && tt.backlog || c == 0 {
				t.Errorf("the consumers read %d records of %d acknowledged", c, a.Acked)
			}
		})
	}
}
