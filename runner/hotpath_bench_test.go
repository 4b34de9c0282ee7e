package runner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/driver/librdkafka"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// The benchmarks here cover kbench's own per-record costs on every hot path (BenchmarkRecordEncode
// and BenchmarkOnDelivery in bench_test.go cover the send-side encoding and the delivery-report
// accounting). The *Mock benchmarks run the real producer and consumer loops through librdkafka
// against its in-process mock cluster: their ns/op is kbench plus the client per record, the
// ceiling of one producer or consumer instance on this machine without a network or a broker.
// Run them with `go test -run '^$' -bench . -benchmem ./runner/`.

// BenchmarkNowNs is the hot paths' clock (one monotonic read) against time.Now (two reads).
func BenchmarkNowNs(b *testing.B) {
	b.Run("nowNs", func(b *testing.B) {
		var s int64
		for b.Loop() {
			s += nowNs()
		}
		_ = s
	})
	b.Run("time.Now", func(b *testing.B) {
		var s int64
		for b.Loop() {
			s += time.Now().UnixNano()
		}
		_ = s
	})
}

// BenchmarkWindowRecord is the latency recording of one record: the point's histogram and the
// per-second window (which hands a finished second to the collector).
func BenchmarkWindowRecord(b *testing.B) {
	col := newCollector(3600)
	go col.run()
	now := time.Now().UnixNano()
	clock := phaseClock{Start: now, Measure: now, End: now + int64(time.Hour)}
	w := newWindow(kindProduce, clock, col)
	h := stats.NewHistogram()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		lat := time.Duration(i%5000) * time.Microsecond
		h.Record(lat)
		w.record(now+int64(i)*1000, lat) // a new second every million records
	}
	w.flush()
	close(col.in)
	<-col.finished
}

// TestCollectorClosedSecondsKeepTheirNumbers: a second the collector has encoded to keep memory
// flat gives the same p99 and the same histogram as when it was open, and a late window for it
// is still counted.
func TestCollectorClosedSecondsKeepTheirNumbers(t *testing.T) {
	const nsec = 20
	col := newCollector(nsec)
	go col.run()
	want := make([]*stats.Histogram, nsec)
	for s := 0; s < nsec; s++ {
		h, w := stats.NewHistogram(), stats.NewHistogram()
		for i := 0; i < 1000; i++ {
			d := time.Duration(s*1000+i) * time.Microsecond
			h.Record(d)
			w.Record(d)
		}
		want[s] = w
		col.in <- secHist{kind: kindProduce, sec: s, h: h}
	}
	late := stats.NewHistogram()
	late.Record(time.Second)
	want[2].Record(time.Second)
	col.in <- secHist{kind: kindProduce, sec: 2, h: late}
	close(col.in)
	<-col.finished

	closed := 0
	for s := 0; s < nsec; s++ {
		if col.produce[s].h == nil {
			closed++
		}
		got := col.hist(kindProduce, s)
		if got == nil || got.Count() != want[s].Count() {
			t.Fatalf("second %d: histogram %v, want %d records", s, got, want[s].Count())
		}
		if p, w := col.produce[s].p99(), want[s].ValueAt(99); p != w {
			t.Errorf("second %d: p99 %.3f ms, want %.3f", s, p, w)
		}
	}
	if closed < nsec-openSeconds {
		t.Errorf("%d of %d seconds closed, want at least %d (memory would grow with the run's length)", closed, nsec, nsec-openSeconds)
	}
	if col.hist(kindEndToEnd, 0) != nil {
		t.Error("end-to-end second 0 has a histogram although nothing was recorded")
	}
}

// mockTopic starts librdkafka's mock cluster with one topic.
func mockTopic(b testing.TB, partitions int) (bootstrap, topic string) {
	mc, err := kafka.NewMockCluster(1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(mc.Close)
	topic = "bench"
	if err := mc.CreateTopic(topic, partitions, 1); err != nil {
		b.Fatal(err)
	}
	return mc.BootstrapServers(), topic
}

// benchProducer builds a producer worker as the runner does (same config function).
func benchProducer(b testing.TB, bootstrap, topic string, size, partitions int) *producerWorker {
	acks := profiles.AcksLeader
	linger, batch := 5, 16384
	p := profiles.Point{
		Workload: profiles.Workload{MessageSizeMin: size, MessageSizeMax: size, BatchSize: batch,
			ProducerProps: map[string]string{"queue.buffering.max.kbytes": "32768", "queue.buffering.max.messages": "2147483647"}},
		Settings: profiles.Settings{Acks: &acks, LingerMs: &linger},
	}
	pr, err := librdkafka.NewProducer(producerConfig(plainConnection(bootstrap), p, "bench"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UnixNano()
	clock := phaseClock{Start: now, Measure: now, End: now + int64(time.Hour)}
	col := newCollector(3600)
	go col.run()
	return &producerWorker{
		id: 1, p: pr, topic: topic, nparts: int32(partitions), keyDist: "none", sizes: newSizeCycle(size, size),
		maxIn: 1 << 30, clock: clock, room: make(chan struct{}, 1), sendFailed: map[string]int64{},
		ledger: audit.NewLedger(1), produce: stats.NewHistogram(), produceRaw: stats.NewHistogram(),
		clientErrs: map[string]int64{}, failedByName: map[string]int64{}, done: make(chan struct{}),
		win: newWindow(kindProduce, clock, col),
	}
}

// BenchmarkProducerMock is one producer instance's full path per record (send loop, Produce,
// delivery report, audit ledger, histograms) against librdkafka's mock cluster.
func BenchmarkProducerMock(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			bootstrap, topic := mockTopic(b, 6)
			w := benchProducer(b, bootstrap, topic, size, 6)
			go w.deliveries()
			ctx, cancel := context.WithCancel(context.Background())
			n := int64(b.N)
			b.SetBytes(int64(size))
			b.ResetTimer()
			sent := make(chan struct{})
			go func() { defer close(sent); w.send(ctx) }()
			for w.c.acked.Load() < n {
				if w.c.sent.Load() >= n {
					cancel()
				}
				time.Sleep(200 * time.Microsecond)
			}
			b.StopTimer()
			cancel()
			<-sent
			w.drain(10 * time.Second)
		})
	}
}

// BenchmarkConsumerMock is one measuring consumer's poll loop per record (Poll, header decode,
// end-to-end histogram, per-second window). The mock cluster keeps only about 5 MiB per
// partition, so the topic is filled in chunks with the timer stopped, each read before the next.
func BenchmarkConsumerMock(b *testing.B) {
	const size, chunk = 100, 50000
	bootstrap, topic := mockTopic(b, 6)
	w := benchProducer(b, bootstrap, topic, size, 6)
	go w.deliveries()
	defer w.drain(10 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fill := func(n int64) { // n more records, all acknowledged
		target := w.c.ackedAll.Load() + n
		sendCtx, stopSend := context.WithCancel(ctx)
		sent := make(chan struct{})
		go func() { defer close(sent); w.send(sendCtx) }()
		for w.c.ackedAll.Load() < target {
			time.Sleep(200 * time.Microsecond)
		}
		stopSend()
		<-sent
		for w.inflight.Load() > 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}

	acks := profiles.AcksLeader
	p := profiles.Point{Settings: profiles.Settings{Acks: &acks}}
	c, err := librdkafka.NewConsumer(consumerConfig(plainConnection(bootstrap), p, "bench-group", "bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// Assign, not Subscribe: the group join would be timed as consuming.
	var tps []driver.TopicPartition
	for i := int32(0); i < 6; i++ {
		tps = append(tps, driver.TopicPartition{Topic: topic, Partition: i, Offset: driver.OffsetBeginning})
	}
	if err := c.Assign(tps); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UnixNano()
	clock := phaseClock{Start: 0, Measure: 0, End: now + int64(time.Hour)}
	col := newCollector(3600)
	go col.run()
	cw := &consumerWorker{cons: c, clock: clock, e2e: stats.NewHistogram(), errs: map[string]int64{}, done: make(chan struct{}), win: newWindow(kindEndToEnd, clock, col)}
	stop := make(chan struct{})
	go cw.poll(ctx, stop)
	defer func() { close(stop); <-cw.done }()
	b.SetBytes(size)
	b.ResetTimer()
	for read := int64(0); read < int64(b.N); {
		n := min(int64(chunk), int64(b.N)-read)
		b.StopTimer()
		fill(n)
		b.StartTimer()
		read += n
		for cw.c.consumedAll.Load() < read {
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.StopTimer()
}
