package franzgo

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/driver"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// TestIntegrationFranzGoIdempotentReadBack: on the real cluster (RF 3, min ISR 2), franz-go
// produces with acks=all and idempotence, every record is acknowledged, and reading the topic
// back returns every acknowledged record exactly once at the offset its delivery reported.
func TestIntegrationFranzGoIdempotentReadBack(t *testing.T) {
	cl := clustertest.Shared(t)
	const n, parts = 20000, 3
	topic := "kbench-franzgo-it-" + time.Now().Format("150405.000")
	a, err := NewAdmin(map[string]string{"bootstrap.servers": cl.Bootstrap()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := a.CreateTopics(ctx, []driver.TopicSpec{{Topic: topic, NumPartitions: parts, ReplicationFactor: 3,
		Config: map[string]string{"min.insync.replicas": "2"}}}, driver.AdminOptions{})
	if err != nil || res[0].Error.Code() != driver.ErrNoError {
		t.Fatalf("create %s: %v %v", topic, res, err)
	}
	defer func() { _, _ = a.DeleteTopics(context.Background(), []string{topic}, driver.AdminOptions{}) }()

	h := newCollector(n)
	p := startProducer(t, map[string]string{"bootstrap.servers": cl.Bootstrap(), "acks": "all", "enable.idempotence": "true",
		"linger.ms": "5", "batch.size": "16384"}, h)
	key, value := make([]byte, 8), make([]byte, 200)
	start := time.Now()
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
		i++
	}
	acked := map[[2]int64]uint64{}
	for _, d := range h.wait(t) {
		if d.Err.Code() != driver.ErrNoError {
			t.Fatalf("record %x: %v (%s)", d.Key, d.Err, d.Err.Name())
		}
		acked[[2]int64{int64(d.Partition), d.Offset}] = binary.BigEndian.Uint64(d.Key)
	}
	t.Logf("%d records acknowledged in %s", n, time.Since(start).Round(time.Millisecond))
	if len(acked) != n {
		t.Fatalf("%d distinct partition/offset pairs acknowledged, want %d", len(acked), n)
	}

	c := newAssigned(t, cl.Bootstrap(), topic, parts)
	seen := make([]bool, n)
	for _, m := range pollAll(t, c, n, 500) {
		seq := binary.BigEndian.Uint64(m.Key)
		if seq >= n || seen[seq] {
			t.Fatalf("record %d read twice or unknown", seq)
		}
		seen[seq] = true
		if want, ok := acked[[2]int64{int64(m.Partition), m.Offset}]; !ok || want != seq {
			t.Fatalf("record %d at %d/%d: its delivery reported another place", seq, m.Partition, m.Offset)
		}
		if binary.BigEndian.Uint64(m.Value) != seq {
			t.Fatalf("record %d: value does not carry its sequence", seq)
		}
	}
	for p := int32(0); p < parts; p++ {
		lo, hi, err := c.QueryWatermarks(topic, p, 10*time.Second)
		if err != nil || hi-lo != n/parts+boolInt(int(p) < n%parts) {
			t.Errorf("partition %d: watermarks %d..%d (%v)", p, lo, hi, err)
		}
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
