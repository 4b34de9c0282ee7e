// Package drivertest is the conformance suite of the client seam: the behaviour the runner
// relies on, run against every driver (driver/librdkafka and driver/franzgo each call Run from
// their tests), so a second client cannot drift from the first in what kbench measures.
package drivertest

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
)

// Cluster starts a fake (or real) cluster with topic (partitions, replication factor 1) for
// one test and returns its bootstrap servers.
type Cluster func(t *testing.T, topic string, partitions int) string

// Run runs the suite against d.
func Run(t *testing.T, d driver.Driver, cluster Cluster) {
	t.Run("ProduceThenReadBack", func(t *testing.T) { produceThenReadBack(t, d, cluster) })
	t.Run("QueueFull", func(t *testing.T) { queueFull(t, d, cluster) })
	t.Run("CommitAfterProcessing", func(t *testing.T) { commitAfterProcessing(t, d, cluster) })
	t.Run("Admin", func(t *testing.T) { admin(t, d, cluster) })
	t.Run("EndOffsets", func(t *testing.T) { endOffsets(t, d, cluster) }) // endoffsets.go
}

// results collects delivery results (copied: the Delivery is reused).
type results struct {
	mu   sync.Mutex
	got  []driver.Delivery
	errs int
}

func (r *results) Delivered(d *driver.Delivery) {
	r.mu.Lock()
	cp := *d
	cp.Key = append([]byte(nil), d.Key...)
	r.got = append(r.got, cp)
	r.mu.Unlock()
}

func (r *results) ClientError(driver.Error) {
	r.mu.Lock()
	r.errs++
	r.mu.Unlock()
}

func (r *results) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func producer(t *testing.T, d driver.Driver, cfg map[string]string, h driver.DeliveryHandler) driver.Producer {
	t.Helper()
	p, err := d.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.Deliveries(h); close(done) }()
	t.Cleanup(func() { p.Close(); <-done })
	return p
}

// produce sends n records with 8-byte sequence keys over parts partitions, retrying on queue
// full, and waits for every result.
func produce(t *testing.T, p driver.Producer, r *results, topic string, parts, n int) {
	t.Helper()
	key, value := make([]byte, 8), make([]byte, 64)
	for i := 0; i < n; {
		binary.BigEndian.PutUint64(key, uint64(i))
		copy(value, key)
		err := p.Produce(&driver.Record{Topic: topic, Partition: int32(i % parts), Key: key, Value: value})
		if err == driver.QueueFull {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint64(key, ^uint64(0)) // the caller reuses its buffers
		i++
	}
	waitFor(t, "every delivery result", func() bool { return r.count() >= n })
}

// produceThenReadBack: every record is acknowledged once with its own key at a distinct offset,
// and reading the partitions from the beginning in batches returns each once, in offset order,
// with positions and watermarks that agree.
func produceThenReadBack(t *testing.T, d driver.Driver, cluster Cluster) {
	const n, parts = 3000, 3
	boot := cluster(t, "conf", parts)
	r := &results{}
	p := producer(t, d, map[string]string{"bootstrap.servers": boot, "linger.ms": "2", "acks": "all"}, r)
	produce(t, p, r, "conf", parts, n)
	at := map[[2]int64]uint64{}
	for _, dl := range r.got {
		if dl.Err.Code() != driver.ErrNoError {
			t.Fatalf("delivery: %v", dl.Err)
		}
		seq := binary.BigEndian.Uint64(dl.Key)
		if seq >= n || int(dl.Partition) != int(seq%parts) {
			t.Fatalf("delivery key %d on partition %d", seq, dl.Partition)
		}
		at[[2]int64{int64(dl.Partition), dl.Offset}] = seq
	}
	if len(at) != n {
		t.Fatalf("%d distinct places acknowledged, want %d", len(at), n)
	}
	c, err := d.NewConsumer(map[string]string{"bootstrap.servers": boot, "group.id": "conf-read", "enable.auto.commit": "false",
		"fetch.queue.backoff.ms": "10", "fetch.wait.max.ms": "10"}) // short waits: a fake cluster answers fetches slowly
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	var tps []driver.TopicPartition
	for i := 0; i < parts; i++ {
		tps = append(tps, driver.TopicPartition{Topic: "conf", Partition: int32(i), Offset: driver.OffsetBeginning})
	}
	if err := c.Assign(tps); err != nil {
		t.Fatal(err)
	}
	batch := make([]driver.Message, 64)
	next := map[int32]int64{}
	read := 0
	waitFor(t, "reading every record", func() bool {
		for k := 1; k > 0 && read < n; read += k { // poll while records come (librdkafka: one a call)
			k, _ = c.Poll(100*time.Millisecond, batch)
			for _, m := range batch[:k] {
				if m.Offset != next[m.Partition] || at[[2]int64{int64(m.Partition), m.Offset}] != binary.BigEndian.Uint64(m.Value) {
					t.Fatalf("%d/%d: out of order or not the acknowledged record", m.Partition, m.Offset)
				}
				next[m.Partition]++
			}
		}
		return read >= n
	})
	pos, err := c.Position(tps)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range pos {
		_, hi, err := c.QueryWatermarks("conf", tp.Partition, 5*time.Second)
		if err != nil || tp.Offset != next[tp.Partition] || hi != next[tp.Partition] {
			t.Errorf("partition %d: position %d, high watermark %d (%v), want %d", tp.Partition, tp.Offset, hi, err, next[tp.Partition])
		}
	}
}

// queueFull: at the configured bound of buffered records Produce returns the driver.QueueFull
// sentinel, and every record accepted still gets its result.
func queueFull(t *testing.T, d driver.Driver, cluster Cluster) {
	boot := cluster(t, "full", 1)
	r := &results{}
	p := producer(t, d, map[string]string{"bootstrap.servers": boot, "queue.buffering.max.messages": "5", "linger.ms": "200"}, r)
	accepted, full := 0, false
	for i := 0; i < 50 && !full; i++ {
		switch err := p.Produce(&driver.Record{Topic: "full", Value: []byte("v"), Key: []byte{byte(i)}}); err {
		case nil:
			accepted++
		case driver.QueueFull:
			full = true
		default:
			t.Fatal(err)
		}
	}
	if !full || accepted > 6 {
		t.Fatalf("%d records accepted with a bound of 5, queue full seen: %v", accepted, full)
	}
	waitFor(t, "results of the accepted records", func() bool { return r.count() == accepted })
}

// commitAfterProcessing: with auto commit and auto store off, the group's next member starts at
// the stored offset: unprocessed records come again, none is skipped.
func commitAfterProcessing(t *testing.T, d driver.Driver, cluster Cluster) {
	const n, processed = 200, 77
	boot := cluster(t, "cap", 1)
	r := &results{}
	produce(t, producer(t, d, map[string]string{"bootstrap.servers": boot, "linger.ms": "1"}, r), r, "cap", 1, n)
	cfg := map[string]string{"bootstrap.servers": boot, "group.id": "cap", "auto.offset.reset": "earliest",
		"enable.auto.commit": "false", "enable.auto.offset.store": "false"}
	first := func() int64 {
		c, err := d.NewConsumer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		if err := c.Subscribe("cap"); err != nil {
			t.Fatal(err)
		}
		batch := make([]driver.Message, 16)
		var got int64 = -1
		waitFor(t, "a record", func() bool {
			k, _ := c.Poll(100*time.Millisecond, batch[:1])
			if k == 1 {
				got = batch[0].Offset
			}
			return k == 1
		})
		return got
	}
	if o := first(); o != 0 {
		t.Fatalf("first member starts at %d, want 0", o)
	}
	c, err := d.NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe("cap"); err != nil {
		t.Fatal(err)
	}
	batch := make([]driver.Message, 16)
	read := 0
	waitFor(t, "processing", func() bool {
		for k := 1; k > 0 && read < processed; read += k {
			k, _ = c.Poll(100*time.Millisecond, batch[:min(len(batch), processed-read)])
		}
		return read >= processed
	})
	if err := c.StoreOffsets([]driver.TopicPartition{{Topic: "cap", Partition: 0, Offset: processed}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	com, err := c.Committed([]driver.TopicPartition{{Topic: "cap", Partition: 0}}, 10*time.Second)
	if err != nil || com[0].Offset != processed {
		t.Fatalf("committed %v (%v), want %d", com, err, processed)
	}
	_ = c.Close()
	if o := first(); o != processed {
		t.Fatalf("next member starts at %d, want %d", o, processed)
	}
}

// admin: create (validate-only first), describe and alter a topic's config, commit a group's
// offsets, delete.
func admin(t *testing.T, d driver.Driver, cluster Cluster) {
	boot := cluster(t, "seed", 1)
	a, err := d.NewAdmin(map[string]string{"bootstrap.servers": boot})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec := []driver.TopicSpec{{Topic: "made", NumPartitions: 2, ReplicationFactor: 1, Config: map[string]string{"retention.ms": "60000"}}}
	if res, err := a.CreateTopics(ctx, spec, driver.AdminOptions{ValidateOnly: true}); err != nil || res[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("validate-only create: %v %v", res, err)
	}
	if res, err := a.CreateTopics(ctx, spec, driver.AdminOptions{OperationTimeout: 10 * time.Second}); err != nil || res[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("create: %v %v", res, err)
	}
	topic := "made"
	waitFor(t, "the topic's metadata", func() bool {
		md, err := a.Metadata(&topic, false, 5*time.Second)
		return err == nil && len(md.Topics["made"].Partitions) == 2
	})
	res := []driver.ConfigResource{{Type: driver.ResourceTopic, Name: "made"}}
	desc, err := a.DescribeConfigs(ctx, res)
	if err != nil || desc[0].Config["retention.ms"].Value != "60000" {
		t.Fatalf("describe: %v %v", desc, err)
	}
	alter := []driver.ConfigResource{{Type: driver.ResourceTopic, Name: "made", Config: []driver.ConfigEntry{{Name: "retention.ms", Value: "90000"}}}}
	if r, err := a.IncrementalAlterConfigs(ctx, alter, driver.AdminOptions{}); err != nil || r[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("alter: %v %v", r, err)
	}
	if desc, _ = a.DescribeConfigs(ctx, res); desc[0].Config["retention.ms"].Value != "90000" {
		t.Fatalf("after alter: %v", desc[0].Config["retention.ms"])
	}
	if err := a.AlterGroupOffsets(ctx, "idle", []driver.TopicPartition{{Topic: "made", Partition: 1, Offset: 0}}); err != nil {
		t.Fatal(err)
	}
	if r, err := a.DeleteTopics(ctx, []string{"made"}, driver.AdminOptions{}); err != nil || r[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("delete: %v %v", r, err)
	}
}
