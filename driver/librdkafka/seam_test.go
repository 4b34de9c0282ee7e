package librdkafka

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// chunk is how many records are written at a time: librdkafka's mock cluster keeps only about
// 5 MiB per partition, so a benchmark writes a chunk, reads it, and writes the next.
const chunk = 20000

// filler writes records into a one-partition topic of a fresh mock cluster.
type filler struct {
	p        *Producer
	h        *countingHandler
	topic    string
	value    []byte
	acked    chan struct{}
	finished chan struct{}
}

func newFiller(tb testing.TB) (f *filler, bootstrap string) {
	mc, err := kafka.NewMockCluster(1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(mc.Close)
	f = &filler{topic: "seam", value: make([]byte, 100), acked: make(chan struct{}, 1), finished: make(chan struct{})}
	if err := mc.CreateTopic(f.topic, 1, 1); err != nil {
		tb.Fatal(err)
	}
	if f.p, err = NewProducer(map[string]string{"bootstrap.servers": mc.BootstrapServers(), "linger.ms": "5"}); err != nil {
		tb.Fatal(err)
	}
	f.h = &countingHandler{acked: f.acked}
	go func() { f.p.Deliveries(f.h); close(f.finished) }()
	tb.Cleanup(func() { f.p.Close(); <-f.finished })
	return f, mc.BootstrapServers()
}

// fill writes n records and waits until all are acknowledged.
func (f *filler) fill(tb testing.TB, n int) {
	f.h.want.Store(f.h.n.Load() + int64(n))
	for i := 0; i < n; {
		err := f.p.Produce(&driver.Record{Topic: f.topic, Value: f.value})
		if err == driver.QueueFull {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		i++
	}
	select {
	case <-f.acked:
	case <-time.After(30 * time.Second):
		tb.Fatalf("%d records acknowledged, want %d", f.h.n.Load(), f.h.want.Load())
	}
	if f.h.failed.Load() > 0 {
		tb.Fatalf("%d records failed", f.h.failed.Load())
	}
}

type countingHandler struct {
	n, want, failed atomicInt
	acked           chan struct{}
}

func (h *countingHandler) Delivered(d *driver.Delivery) {
	if d.Err.Code() != driver.ErrNoError {
		h.failed.Add(1)
	}
	if h.n.Add(1) == h.want.Load() {
		h.acked <- struct{}{}
	}
}
func (h *countingHandler) ClientError(driver.Error) {}

// BenchmarkPoll reads records through the seam and, for comparison, through the client itself:
// the seam must add no allocation per record.
func BenchmarkPoll(b *testing.B) {
	cfg := func(bootstrap, group string) map[string]string {
		return map[string]string{"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": "false"}
	}
	b.Run("driver", func(b *testing.B) {
		f, bootstrap := newFiller(b)
		c, err := NewConsumer(cfg(bootstrap, "driver"))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if err := c.Assign([]driver.TopicPartition{{Topic: f.topic, Offset: driver.OffsetBeginning}}); err != nil {
			b.Fatal(err)
		}
		batch := make([]driver.Message, 64)
		b.ReportAllocs()
		readChunks(b, f, func() int {
			n, err := c.Poll(100*time.Millisecond, batch)
			if err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
	b.Run("client", func(b *testing.B) {
		f, bootstrap := newFiller(b)
		c, err := kafka.NewConsumer(ConfigMap(cfg(bootstrap, "client")))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if err := c.Assign([]kafka.TopicPartition{{Topic: &f.topic, Offset: kafka.OffsetBeginning}}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		readChunks(b, f, func() int {
			if _, ok := c.Poll(100).(*kafka.Message); ok {
				return 1
			}
			return 0
		})
	})
}

// readChunks fills and reads b.N records a chunk at a time, timing only the reads.
func readChunks(b *testing.B, f *filler, poll func() int) {
	b.ResetTimer()
	for read := 0; read < b.N; {
		n := min(chunk, b.N-read)
		b.StopTimer()
		f.fill(b, n)
		b.StartTimer()
		for end := read + n; read < end; {
			read += poll()
		}
	}
}

type atomicInt = atomic.Int64
