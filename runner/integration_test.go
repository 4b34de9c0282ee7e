package runner

// Real-cluster tests: they run only with KBENCH_INTEGRATION=1 (make integration), so
// `go test ./...` stays fast, on one local cluster that the test binary starts and stops.

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// localForTest returns the test binary's shared real cluster (started on first use, stopped by
// TestMain), or skips without KBENCH_INTEGRATION=1.
func localForTest(t *testing.T) *cluster.Cluster {
	t.Helper()
	return clustertest.Shared(t)
}

func TestMain(m *testing.M) { clustertest.Main(m) }

// highWatermarks sums the end offsets of a topic's partitions, read from the brokers.
func highWatermarks(t *testing.T, bootstrap, topic string, partitions int) int64 {
	c, err := clientDriver.NewConsumer(verifyConsumerConfig(plainConnection(bootstrap), clientDriver.Name(), "kbench-test-hw"))
	if err != nil {
		t.Errorf("consumer: %v", err)
		return -1
	}
	defer c.Close()
	var sum int64
	for p := 0; p < partitions; p++ {
		_, hi, err := c.QueryWatermarks(topic, int32(p), 10*time.Second)
		if err != nil {
			t.Errorf("watermark %s/%d: %v", topic, p, err)
			return -1
		}
		sum += hi
	}
	return sum
}

// TestIntegrationQuickProfile runs the shipped quick profile: on a healthy cluster every acked
// record is in the topic (end offsets) and read back, and nothing is lost.
func TestIntegrationQuickProfile(t *testing.T) {
	cl := localForTest(t)
	prof, err := profiles.Load("quick")
	if err != nil {
		t.Fatal(err)
	}
	points, err := prof.Points()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ends := map[string]int64{}
	testHookBeforeDelete = func(topic string, partitions int) {
		hw := highWatermarks(t, cl.Bootstrap(), topic, partitions)
		mu.Lock()
		ends[topic] = hw
		mu.Unlock()
	}
	defer func() { testHookBeforeDelete = nil }()
	out := t.TempDir()
	serr := Sweep(context.Background(), points, recordIn(out, Options{Cluster: cl, Profile: "quick"}))
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		for _, r := range run.Results() {
			t.Logf("point %s: %s %s %v", r.Point.ID, r.Status, r.Error, r.Notes)
		}
		t.Fatalf("sweep: %v", serr)
	}
	for _, r := range run.Results() {
		a := r.Audit
		if r.Status != stats.StatusOK || !a.NoneLost() || a.Consumed != a.Acked || a.Acked != a.Sent {
			t.Errorf("point %s: status %s, audit %+v", r.Point.ID, r.Status, a)
		}
		if hw := ends[r.Effective.Topic]; hw != a.Consumed+a.Duplicates {
			t.Errorf("point %s: end offsets sum to %d, audit read %d records (+%d duplicates)", r.Point.ID, hw, a.Consumed, a.Duplicates)
		}
		if r.Point.Workload.Consumers > 0 && r.Metrics.Consumed.Records != r.Metrics.Acked.Records {
			t.Errorf("point %s: consumed %d, acked %d", r.Point.ID, r.Metrics.Consumed.Records, r.Metrics.Acked.Records)
		}
		// The machine's cores over the measured phase, read back from the result file: the
		// brokers and the client ran here, so some of it was user and kernel time.
		if h := r.Metrics.HostCPU; h == nil || math.Abs(h.User+h.Kernel+h.IOWait+h.Steal+h.Idle-1) > 1e-6 || h.User <= 0 || h.Kernel <= 0 || h.Cores != runtime.NumCPU() {
			t.Errorf("point %s: host CPU %+v", r.Point.ID, h)
		}
	}
}

// clusterDefault returns the per-broker dynamic values of key on every broker, joined ("" when
// no broker has one).
func clusterDefault(t *testing.T, bootstrap, key string) string {
	a, err := clientDriver.NewAdmin(adminConfig(plainConnection(bootstrap)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := a.Metadata(nil, false, 10*time.Second)
	if err != nil || len(md.Brokers) == 0 {
		t.Fatalf("metadata: %v", err)
	}
	values := map[string]bool{}
	for _, b := range md.Brokers {
		res, err := a.DescribeConfigs(ctx, []driver.ConfigResource{{Type: driver.ResourceBroker, Name: strconv.Itoa(int(b.ID))}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if e, ok := r.Config[key]; ok && (e.Source == driver.ConfigSourceDynamicBroker || e.Source == driver.ConfigSourceDynamicDefaultBroker) {
				values[e.Value] = true
			}
		}
	}
	return strings.Join(sortedKeys(values), ",")
}

func flushPoint(id string, rf int, dur time.Duration) profiles.Point {
	p := testPoint(id, 1000, dur, 1)
	n := int64(1000)
	p.Settings.BrokerFlushIntervalMessages = &n
	p.Workload.ReplicationFactor = rf
	return p
}

// TestIntegrationBrokerSettingRestored: a dynamic broker setting is in force during the point and
// gone afterwards, after success, after an error (topic refused) and after an interrupt.
func TestIntegrationBrokerSettingRestored(t *testing.T) {
	cl := localForTest(t)
	const key = "log.flush.interval.messages"
	if v := clusterDefault(t, cl.Bootstrap(), key); v != "" {
		t.Fatalf("cluster already has %s=%s cluster-wide; clear it first", key, v)
	}
	if got := flushPoint("x", 1, time.Second).BrokerDynamicConfig()[key]; got != "1000" {
		t.Fatalf("BrokerDynamicConfig()[%s] = %q: the profiles package does not map the setting yet", key, got)
	}
	tests := []struct {
		name      string
		p         profiles.Point
		interrupt time.Duration
		wantErr   error
	}{
		{"success", flushPoint("ok", 1, 2*time.Second), 0, nil},
		{"topic refused", flushPoint("refused", 99, 2*time.Second), 0, errAny},
		{"interrupt", flushPoint("int", 1, time.Minute), 4 * time.Second, ErrInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			seen := ""
			testHookBeforeDelete = func(string, int) { seen = clusterDefault(t, cl.Bootstrap(), key) }
			defer func() { testHookBeforeDelete = nil }()
			if tt.interrupt > 0 {
				time.AfterFunc(tt.interrupt, cancel)
			}
			_, err := RunPoint(ctx, tt.p, Options{Cluster: cl, DrainTimeout: 20 * time.Second})
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr == errAny && err == nil:
				t.Fatal("no error")
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != errAny && seen != "1000" {
				t.Errorf("during the point %s = %q, want 1000", key, seen)
			}
			if v := clusterDefault(t, cl.Bootstrap(), key); v != "" {
				t.Errorf("after the point %s = %q cluster-wide, want it removed", key, v)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestIntegrationSweepInterrupt: Ctrl-C during the second point keeps the first point's result,
// marks the second incomplete and deletes its topic.
func TestIntegrationSweepInterrupt(t *testing.T) {
	cl := localForTest(t)
	out := t.TempDir()
	points := []profiles.Point{testPoint("first", 1000, 2*time.Second, 1), testPoint("second", 1000, time.Minute, 1)}
	for i := range points {
		points[i].Workload.ReplicationFactor = 3
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var topics []string
	testHookBeforeDelete = func(topic string, _ int) {
		topics = append(topics, topic)
	}
	defer func() { testHookBeforeDelete = nil }()
	go func() {
		// Interrupt once the second point's topic exists and a few seconds have passed.
		for i := 0; i < 600; i++ {
			time.Sleep(100 * time.Millisecond)
			if idx, err := stats.ReadIndex(out); err == nil && len(idx.Points) == 1 {
				time.Sleep(5 * time.Second)
				cancel()
				return
			}
		}
	}()
	err := Sweep(ctx, points, recordIn(out, Options{Cluster: cl}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Points) != 2 || run.Points[0].Entry.Status != stats.StatusOK || run.Points[1].Entry.Status != stats.StatusIncomplete {
		t.Fatalf("index points %+v", run.Index.Points)
	}
	a, err := clientDriver.NewAdmin(adminConfig(plainConnection(cl.Bootstrap())))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	md, err := a.Metadata(nil, true, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range topics {
		if _, ok := md.Topics[topic]; ok {
			t.Errorf("topic %s left behind", topic)
		}
	}
}

// TestIntegrationCoordinatedOmission: at a fixed target rate, pausing the partition leader for
// 2 s must show as latency of at least 2 s (measured from the scheduled send time) and as a
// stall in the per-second series, not as a silently lower send rate.
func TestIntegrationCoordinatedOmission(t *testing.T) {
	cl := localForTest(t)
	p := testPoint("co", 1000, 8*time.Second, 0)
	p.Workload.Partitions = 1
	p.Workload.ReplicationFactor = 1
	p.Workload.Warmup = time.Second
	runID := "co" + time.Now().Format("150405")
	topic := topicName(runID, p.ID)
	go func() {
		var leader int
		for i := 0; i < 300; i++ {
			l, err := cl.LeaderOf(topic, 0)
			if err == nil && l >= 0 {
				leader = l
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(4 * time.Second) // into the measured phase
		if err := cl.Pause(leader); err != nil {
			t.Errorf("pause %d: %v", leader, err)
			return
		}
		time.Sleep(2 * time.Second)
		if err := cl.Resume(leader); err != nil {
			t.Errorf("resume %d: %v", leader, err)
		}
	}()
	// A fixed warmup: the pause must fall in the measured phase, which an adaptive warmup
	// (ending anywhere from about 3 s to 6 s) would move.
	res, err := RunPoint(context.Background(), p, Options{Cluster: cl, RunID: runID, FixedWarmup: true})
	if err != nil {
		t.Fatalf("RunPoint: %v", err)
	}
	m := res.Metrics
	if m.ProduceLatency.MaxMs < 2000 {
		t.Errorf("corrected max latency %.0f ms, want >= 2000 (the pause)", m.ProduceLatency.MaxMs)
	}
	stalled := false
	for _, s := range res.Series {
		if s.ProduceP99Ms >= 1000 || s.AckedPerSecond < 500 {
			stalled = true
		}
	}
	if !stalled {
		t.Errorf("per-second series shows no stall: %+v", res.Series)
	}
	if m.Sent.RecordsPerSecond < 900 {
		t.Errorf("sent %.0f/s at a 1000/s target: the pause lowered the send rate", m.Sent.RecordsPerSecond)
	}
	// The window scheduled exactly 8,000 records (8 s at 1000/s); each belongs to it by its
	// scheduled time, also those a lagging sender sent after it ended.
	if m.Sent.Records != 8000 || m.Acked.Records != 8000 || m.ProduceLatency.Count != 8000 {
		t.Errorf("sent %d, acked %d, latencies %d: want the 8000 records the measured phase scheduled", m.Sent.Records, m.Acked.Records, m.ProduceLatency.Count)
	}
	if !res.Audit.NoneLost() {
		t.Errorf("lost %s", res.Audit.LostText())
	}
	t.Logf("corrected max %.0f ms, raw max %.0f ms, p99 %.0f ms", m.ProduceLatency.MaxMs, m.ProduceLatencyRaw.MaxMs, m.ProduceLatency.P99Ms)
}

// TestIntegrationBacklog: on a real cluster, consume.mode backlog reads every acknowledged record
// after the producer finished (the consumers are created only then, so the whole topic is a
// backlog), over a finite read, with no end-to-end latency recorded.
func TestIntegrationBacklog(t *testing.T) {
	cl := localForTest(t)
	p := testPoint("backlog", 0, 2*time.Second, 2)
	p.Workload.ConsumeMode = profiles.ConsumeBacklog
	p.Workload.Partitions = 4
	p.Workload.ReplicationFactor = 1
	res, err := RunPoint(context.Background(), p, Options{Cluster: cl, RunID: "bl" + time.Now().Format("150405")})
	if err != nil {
		t.Fatalf("RunPoint: %v", err)
	}
	b := res.Metrics.Backlog
	if b == nil || !b.Complete || b.Records != res.Audit.Acked || !res.Audit.NoneLost() {
		t.Fatalf("backlog %+v, audit %+v: want every acked record read", b, res.Audit)
	}
	if b.ReadSeconds <= 0 || b.ReadSeconds >= 30 || res.Metrics.EndToEndLatency.Count != 0 {
		t.Errorf("read %.2f s, %d end-to-end latencies: want a finite read and no latency", b.ReadSeconds, res.Metrics.EndToEndLatency.Count)
	}
	t.Logf("backlog of %d records read at %.0f records/s by 2 consumers (join %.2f s, CPU %.2f s)",
		b.Records, res.Metrics.Consumed.RecordsPerSecond, b.JoinSeconds, b.CPUSeconds)
}
