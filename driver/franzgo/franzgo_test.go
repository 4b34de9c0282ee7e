package franzgo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kbench/kbench/driver"
)

// fakeCluster starts a kfake cluster with topic (parts partitions) and returns its bootstrap.
func fakeCluster(tb testing.TB, topic string, parts int32) string {
	tb.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(parts, topic))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// collector is a DeliveryHandler that keeps every result (the Delivery is copied: it is reused).
type collector struct {
	mu      sync.Mutex
	got     []driver.Delivery
	errs    []driver.Error
	counted chan struct{}
	want    int
}

func (c *collector) Delivered(d *driver.Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *d
	cp.Key = append([]byte(nil), d.Key...)
	c.got = append(c.got, cp)
	if len(c.got) == c.want {
		close(c.counted)
	}
}

func (c *collector) ClientError(e driver.Error) {
	c.mu.Lock()
	c.errs = append(c.errs, e)
	c.mu.Unlock()
}

func newCollector(want int) *collector { return &collector{want: want, counted: make(chan struct{})} }

// wait waits (bounded) until want results arrived.
func (c *collector) wait(tb testing.TB) []driver.Delivery {
	tb.Helper()
	select {
	case <-c.counted:
	case <-time.After(20 * time.Second):
		c.mu.Lock()
		defer c.mu.Unlock()
		tb.Fatalf("%d of %d delivery results after 20s", len(c.got), c.want)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]driver.Delivery(nil), c.got...)
}

func startProducer(tb testing.TB, cfg map[string]string, h driver.DeliveryHandler) *Producer {
	tb.Helper()
	p, err := NewProducer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	if h != nil {
		go func() { p.Deliveries(h); close(done) }()
	} else {
		close(done)
	}
	tb.Cleanup(func() { p.Close(); <-done })
	return p
}

// TestProduceDeliversEveryRecordOnce: every produced record gets one result with its own key
// and a distinct offset, though the caller reuses its key and value buffers after Produce.
func TestProduceDeliversEveryRecordOnce(t *testing.T) {
	const n = 2000
	boot := fakeCluster(t, "t", 3)
	h := newCollector(n)
	p := startProducer(t, map[string]string{"bootstrap.servers": boot, "acks": "all", "enable.idempotence": "true"}, h)
	key, value := make([]byte, 8), make([]byte, 100)
	for i := 0; i < n; i++ {
		copy(key, fmt.Sprintf("%08d", i))
		copy(value, key)
		if err := p.Produce(&driver.Record{Topic: "t", Partition: int32(i % 3), Key: key, Value: value}); err != nil {
			t.Fatal(err)
		}
		copy(key, "XXXXXXXX") // the caller reuses its buffers at once
	}
	got := h.wait(t)
	seen := map[string]bool{}
	offsets := map[string]bool{}
	for _, d := range got {
		if d.Err.Code() != driver.ErrNoError {
			t.Fatalf("record %s failed: %v", d.Key, d.Err)
		}
		k := string(d.Key)
		i, err := strconv.Atoi(k)
		if err != nil || seen[k] {
			t.Fatalf("delivery key %q: not a produced key or seen twice", k)
		}
		seen[k] = true
		if d.Partition != int32(i%3) {
			t.Errorf("record %d on partition %d, want %d", i, d.Partition, i%3)
		}
		o := fmt.Sprint(d.Partition, "/", d.Offset)
		if d.Offset < 0 || offsets[o] {
			t.Fatalf("record %d offset %s: negative or duplicate", i, o)
		}
		offsets[o] = true
	}
	// Read back: the values are what was produced (copied before the caller changed them).
	c := newAssigned(t, boot, "t", 3)
	msgs := pollAll(t, c, n, 64)
	for _, m := range msgs {
		if string(m.Key) != string(m.Value[:8]) {
			t.Fatalf("record at %d/%d: key %q, value starts %q", m.Partition, m.Offset, m.Key, m.Value[:8])
		}
	}
}

func newAssigned(tb testing.TB, boot, topic string, parts int32) *Consumer {
	tb.Helper()
	c, err := NewConsumer(map[string]string{"bootstrap.servers": boot, "group.id": "reader", "enable.auto.commit": "false"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	var tps []driver.TopicPartition
	for p := int32(0); p < parts; p++ {
		tps = append(tps, driver.TopicPartition{Topic: topic, Partition: p, Offset: driver.OffsetBeginning})
	}
	if err := c.Assign(tps); err != nil {
		tb.Fatal(err)
	}
	return c
}

// pollAll polls with a batch of size until n records arrived (bounded), checking no Poll
// returns more than the batch holds.
func pollAll(tb testing.TB, c driver.Consumer, n, size int) []driver.Message {
	tb.Helper()
	batch := make([]driver.Message, size)
	var out []driver.Message
	deadline := time.Now().Add(20 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		k, err := c.Poll(100*time.Millisecond, batch)
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range batch[:k] {
			m.Key, m.Value = append([]byte(nil), m.Key...), append([]byte(nil), m.Value...)
			out = append(out, m)
		}
	}
	if len(out) != n {
		tb.Fatalf("read %d records, want %d", len(out), n)
	}
	return out
}

// TestProduceQueueFull: Produce says driver.QueueFull (the sentinel) at the record bound and at
// the byte bound, and accepts again once results have been handed over.
func TestProduceQueueFull(t *testing.T) {
	boot := fakeCluster(t, "t", 1)
	p := startProducer(t, map[string]string{"bootstrap.servers": boot, "queue.buffering.max.messages": "10"}, nil)
	for i := 0; i < 10; i++ {
		if err := p.Produce(&driver.Record{Topic: "t", Key: []byte("k"), Value: []byte("v")}); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := p.Produce(&driver.Record{Topic: "t", Value: []byte("v")}); err != driver.QueueFull {
		t.Fatalf("11th record: %v, want driver.QueueFull", err)
	}
	h := newCollector(10)
	go p.Deliveries(h)
	h.wait(t)
	if err := p.Produce(&driver.Record{Topic: "t", Value: []byte("v")}); err != nil {
		t.Fatalf("after the results: %v", err)
	}

	q := startProducer(t, map[string]string{"bootstrap.servers": boot, "queue.buffering.max.kbytes": "1"}, nil)
	big := make([]byte, 600)
	if err := q.Produce(&driver.Record{Topic: "t", Value: big}); err != nil {
		t.Fatal(err)
	}
	if err := q.Produce(&driver.Record{Topic: "t", Value: big}); err != driver.QueueFull {
		t.Fatalf("1200 bytes with a 1 KiB bound: %v, want driver.QueueFull", err)
	}
}

// TestPurge: records that cannot be sent (their topic does not exist) come back as purge
// failures, indeterminate, once Purge is called, and Purge itself returns at once.
func TestPurge(t *testing.T) {
	boot := fakeCluster(t, "t", 1)
	h := newCollector(5)
	p := startProducer(t, map[string]string{"bootstrap.servers": boot, "message.timeout.ms": "0"}, h)
	for i := 0; i < 5; i++ {
		if err := p.Produce(&driver.Record{Topic: "missing", Key: []byte{byte(i)}, Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	p.Purge()
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Purge took %s", d)
	}
	for _, d := range h.wait(t) {
		if d.Err.Code() != driver.ErrPurgeInflight || d.Err.Class() != driver.Indeterminate {
			t.Fatalf("purged record: %v (%s), want _PURGE_INFLIGHT indeterminate", d.Err, d.Err.Name())
		}
	}
}

// TestProduceSync returns the record's offset.
func TestProduceSync(t *testing.T) {
	boot := fakeCluster(t, "t", 1)
	p := startProducer(t, map[string]string{"bootstrap.servers": boot}, nil)
	for want := int64(0); want < 3; want++ {
		off, err := p.ProduceSync(&driver.Record{Topic: "t", Key: []byte("lease"), Value: []byte("x")}, 5*time.Second)
		if err != nil || off != want {
			t.Fatalf("ProduceSync: offset %d, %v; want %d", off, err, want)
		}
	}
}

func fill(tb testing.TB, boot, topic string, parts int32, n int) {
	tb.Helper()
	h := newCollector(n)
	p := startProducer(tb, map[string]string{"bootstrap.servers": boot, "linger.ms": "1"}, h)
	for i := 0; i < n; {
		err := p.Produce(&driver.Record{Topic: topic, Partition: int32(i) % parts, Key: []byte(strconv.Itoa(i)), Value: make([]byte, 100)})
		if err == driver.QueueFull {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		i++
	}
	for _, d := range h.wait(tb) {
		if d.Err.Code() != driver.ErrNoError {
			tb.Fatal(d.Err)
		}
	}
}

// TestConsumeInBatches: Poll fills the caller's batch (never beyond it), every record arrives
// once in offset order per partition, and positions and watermarks follow what was returned.
func TestConsumeInBatches(t *testing.T) {
	const n, parts = 3000, 3
	boot := fakeCluster(t, "t", parts)
	fill(t, boot, "t", parts, n)
	c := newAssigned(t, boot, "t", parts)
	msgs := pollAll(t, c, n, 64)
	next := map[int32]int64{}
	for _, m := range msgs {
		if m.Offset != next[m.Partition] {
			t.Fatalf("partition %d: offset %d, want %d", m.Partition, m.Offset, next[m.Partition])
		}
		next[m.Partition]++
	}
	asg, _ := c.Assignment()
	if len(asg) != parts {
		t.Fatalf("assignment %v, want %d partitions", asg, parts)
	}
	pos, _ := c.Position(asg)
	for _, p := range pos {
		lo, hi, err := c.CachedWatermarks("t", p.Partition)
		if err != nil || p.Offset != next[p.Partition] || hi != next[p.Partition] || lo != 0 {
			t.Errorf("partition %d: position %d, cached watermarks %d..%d (%v); want position and high %d", p.Partition, p.Offset, lo, hi, err, next[p.Partition])
		}
		qlo, qhi, err := c.QueryWatermarks("t", p.Partition, 5*time.Second)
		if err != nil || qlo != 0 || qhi != next[p.Partition] {
			t.Errorf("partition %d: queried watermarks %d..%d (%v), want 0..%d", p.Partition, qlo, qhi, err, next[p.Partition])
		}
	}
	if _, _, err := c.CachedWatermarks("t", 9); err == nil {
		t.Error("CachedWatermarks of a partition never fetched: no error (an unknown must not read as a number)")
	}
}

// TestCommitAfterProcessing: with enable.auto.commit and enable.auto.offset.store off, only
// the stored offsets are committed; the group's next member starts right after them: the
// unprocessed records are delivered again and none is skipped.
func TestCommitAfterProcessing(t *testing.T) {
	const n = 500
	boot := fakeCluster(t, "t", 1)
	fill(t, boot, "t", 1, n)
	cfg := map[string]string{"bootstrap.servers": boot, "group.id": "g", "auto.offset.reset": "earliest",
		"enable.auto.commit": "false", "enable.auto.offset.store": "false"}
	c1, err := NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Subscribe("t"); err != nil {
		t.Fatal(err)
	}
	msgs := pollAll(t, c1, n, 100) // everything polled, ...
	const processed = 123          // ... only the first 123 processed
	if err := c1.StoreOffsets([]driver.TopicPartition{{Topic: "t", Partition: 0, Offset: msgs[processed-1].Offset + 1}}); err != nil {
		t.Fatal(err)
	}
	if err := c1.Commit(); err != nil {
		t.Fatal(err)
	}
	com, err := c1.Committed([]driver.TopicPartition{{Topic: "t", Partition: 0}}, 5*time.Second)
	if err != nil || com[0].Offset != processed {
		t.Fatalf("committed %v (%v), want %d", com, err, processed)
	}
	_ = c1.Close()

	c2, err := NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c2.Close() }()
	if err := c2.Subscribe("t"); err != nil {
		t.Fatal(err)
	}
	again := pollAll(t, c2, n-processed, 100)
	if again[0].Offset != processed {
		t.Fatalf("the next member starts at %d, want %d (the first unprocessed record)", again[0].Offset, processed)
	}
}

// TestAutoCommitStoresWhatPollReturned: with the defaults (auto commit, auto store) Commit
// commits everything Poll returned, as librdkafka does.
func TestAutoCommitStoresWhatPollReturned(t *testing.T) {
	boot := fakeCluster(t, "t", 1)
	fill(t, boot, "t", 1, 50)
	c, err := NewConsumer(map[string]string{"bootstrap.servers": boot, "group.id": "g", "auto.offset.reset": "earliest"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Subscribe("t"); err != nil {
		t.Fatal(err)
	}
	pollAll(t, c, 50, 10)
	if err := c.StoreOffsets([]driver.TopicPartition{{Topic: "t", Offset: 1}}); err == nil {
		t.Error("StoreOffsets with enable.auto.offset.store=true: no error")
	}
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	com, err := c.Committed([]driver.TopicPartition{{Topic: "t", Partition: 0}}, 5*time.Second)
	if err != nil || com[0].Offset != 50 {
		t.Fatalf("committed %v (%v), want 50", com, err)
	}
}

// TestAdmin: the admin calls kbench makes, against kfake.
func TestAdmin(t *testing.T) {
	boot := fakeCluster(t, "seed", 1)
	a, err := NewAdmin(map[string]string{"bootstrap.servers": boot})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	spec := []driver.TopicSpec{{Topic: "made", NumPartitions: 4, ReplicationFactor: 1, Config: map[string]string{"retention.ms": "60000"}}}
	res, err := a.CreateTopics(ctx, spec, driver.AdminOptions{ValidateOnly: true})
	if err != nil || len(res) != 1 || res[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("validate-only create: %v %v", res, err)
	}
	topic := "made"
	if md, _ := a.Metadata(&topic, false, 5*time.Second); md != nil && len(md.Topics["made"].Partitions) > 0 {
		t.Fatal("validate-only create made the topic")
	}
	if res, err = a.CreateTopics(ctx, spec, driver.AdminOptions{}); err != nil || res[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("create: %v %v", res, err)
	}
	res, _ = a.CreateTopics(ctx, spec, driver.AdminOptions{})
	if res[0].Error.Code() != driver.ErrTopicAlreadyExists || res[0].Error.Name() != "TOPIC_ALREADY_EXISTS" {
		t.Fatalf("second create: %v (%s), want TOPIC_ALREADY_EXISTS", res[0].Error, res[0].Error.Name())
	}
	md, err := a.Metadata(&topic, false, 5*time.Second)
	if err != nil || len(md.Topics["made"].Partitions) != 4 || len(md.Brokers) != 1 {
		t.Fatalf("metadata: %+v %v", md, err)
	}
	brokersOnly, err := a.Metadata(nil, false, 5*time.Second)
	if err != nil || len(brokersOnly.Topics) != 0 || len(brokersOnly.Brokers) != 1 {
		t.Fatalf("brokers-only metadata: %+v %v", brokersOnly, err)
	}
	topicRes := []driver.ConfigResource{{Type: driver.ResourceTopic, Name: "made"}}
	desc, err := a.DescribeConfigs(ctx, topicRes)
	if err != nil || desc[0].Config["retention.ms"].Value != "60000" || desc[0].Config["retention.ms"].Source != driver.ConfigSourceDynamicTopic {
		t.Fatalf("describe: %+v %v", desc, err)
	}
	alter := []driver.ConfigResource{{Type: driver.ResourceTopic, Name: "made", Config: []driver.ConfigEntry{{Name: "retention.ms", Value: "120000", Op: driver.AlterSet}}}}
	if r, err := a.IncrementalAlterConfigs(ctx, alter, driver.AdminOptions{}); err != nil || r[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("alter: %v %v", r, err)
	}
	if desc, _ = a.DescribeConfigs(ctx, topicRes); desc[0].Config["retention.ms"].Value != "120000" {
		t.Fatalf("after alter: retention.ms=%s", desc[0].Config["retention.ms"].Value)
	}
	if err := a.AlterGroupOffsets(ctx, "idle", []driver.TopicPartition{{Topic: "made", Partition: 2, Offset: 0}}); err != nil {
		t.Fatal(err)
	}
	if r, err := a.DeleteTopics(ctx, []string{"made"}, driver.AdminOptions{}); err != nil || r[0].Error.Code() != driver.ErrNoError || r[0].Topic != "made" {
		t.Fatalf("delete: %v %v", r, err)
	}
	r, _ := a.DeleteTopics(ctx, []string{"made"}, driver.AdminOptions{})
	if r[0].Error.Code() != driver.ErrUnknownTopicOrPart {
		t.Fatalf("second delete: %v, want UNKNOWN_TOPIC_OR_PARTITION", r[0].Error)
	}
}

// TestUnreachableReportsClientErrors: a producer whose bootstrap refuses connections reports
// client errors (the probe's signal), not silence.
func TestUnreachableReportsClientErrors(t *testing.T) {
	h := newCollector(-1)
	p := startProducer(t, map[string]string{"bootstrap.servers": "127.0.0.1:1"}, h)
	_, err := p.Metadata(nil, false, 500*time.Millisecond)
	if err == nil {
		t.Fatal("metadata from a closed port: no error")
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		n := len(h.errs)
		var first driver.Error
		if n > 0 {
			first = h.errs[0]
		}
		h.mu.Unlock()
		if n > 0 {
			if first.Code() != driver.ErrAllBrokersDown && first.Code() != driver.ErrTransport {
				t.Fatalf("client error %v (%s), want _ALL_BROKERS_DOWN or _TRANSPORT", first, first.Name())
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no client error within 5s")
}

// TestConfigRefused: a producer with a refused or unknown property is not created, and the
// error names the property.
func TestConfigRefused(t *testing.T) {
	for _, prop := range []string{"batch.num.messages", "no.such.property", "ssl.key.password"} {
		_, err := NewProducer(map[string]string{"bootstrap.servers": "127.0.0.1:1", prop: "1"})
		if err == nil || !errorsContain(err, prop) {
			t.Errorf("%s: %v, want an error naming it", prop, err)
		}
	}
	_, err := NewProducer(map[string]string{"bootstrap.servers": "127.0.0.1:1", "acks": "1", "enable.idempotence": "true"})
	if err == nil {
		t.Error("idempotence with acks=1: no error")
	}
}

func errorsContain(err error, s string) bool { return strings.Contains(err.Error(), s) }
