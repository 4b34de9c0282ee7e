package franzgo

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kbench/kbench/driver"
)

// acker counts delivery results and wakes a waiting sender, like the runner's producer.
type acker struct {
	n, failed atomic.Int64
	room      chan struct{}
}

func (a *acker) Delivered(d *driver.Delivery) {
	if d.Err.Code() != driver.ErrNoError {
		a.failed.Add(1)
	}
	a.n.Add(1)
	select {
	case a.room <- struct{}{}:
	default:
	}
}
func (a *acker) ClientError(driver.Error) {}

// BenchmarkProduce sends 100-byte records through the seam and, for comparison, through the
// client itself (TryProduce of records made before the timer starts). kfake runs in this
// process, so allocs/op counts the fake broker's too: the seam must add nothing to the client's
// figure (its records come from the free list, the caller's bytes are copied into their
// buffers).
func BenchmarkProduce(b *testing.B) {
	value := make([]byte, 100)
	key := make([]byte, 16)
	b.Run("driver", func(b *testing.B) {
		boot := fakeCluster(b, "t", 3)
		a := &acker{room: make(chan struct{}, 1)}
		p := startProducer(b, map[string]string{"bootstrap.servers": boot, "linger.ms": "1", "queue.buffering.max.messages": "20000"}, a)
		rec := &driver.Record{Topic: "t", Key: key, Value: value}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; {
			rec.Partition = int32(i % 3)
			if err := p.Produce(rec); err == driver.QueueFull {
				<-a.room
				continue
			} else if err != nil {
				b.Fatal(err)
			}
			i++
		}
		for a.n.Load() < int64(b.N) {
			<-a.room
		}
		if a.failed.Load() > 0 {
			b.Fatalf("%d failed", a.failed.Load())
		}
	})
	// transactional: the same records inside one open transaction (begun before the timer,
	// committed after it): the per-record path of a transactional producer adds a counter, no
	// allocation (begin and commit are per transaction, outside the per-record figure).
	b.Run("driver-transactional", func(b *testing.B) {
		boot := fakeCluster(b, "t", 3)
		a := &acker{room: make(chan struct{}, 1)}
		p := startProducer(b, map[string]string{"bootstrap.servers": boot, "linger.ms": "1", "queue.buffering.max.messages": "20000",
			"transactional.id": "bench"}, a)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := p.InitTransactions(ctx); err != nil {
			b.Fatal(err)
		}
		if err := p.BeginTransaction(); err != nil {
			b.Fatal(err)
		}
		rec := &driver.Record{Topic: "t", Key: key, Value: value}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; {
			rec.Partition = int32(i % 3)
			if err := p.Produce(rec); err == driver.QueueFull {
				<-a.room
				continue
			} else if err != nil {
				b.Fatal(err)
			}
			i++
		}
		for a.n.Load() < int64(b.N) {
			<-a.room
		}
		b.StopTimer()
		if err := p.CommitTransaction(ctx); err != nil || a.failed.Load() > 0 {
			b.Fatalf("commit: %v; %d failed", err, a.failed.Load())
		}
	})
	b.Run("client", func(b *testing.B) {
		boot := fakeCluster(b, "t", 3)
		cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.ProducerLinger(time.Millisecond), kgo.DisableIdempotentWrite(),
			kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.MaxBufferedRecords(20000))
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		recs := make([]kgo.Record, b.N)
		for i := range recs {
			recs[i] = kgo.Record{Topic: "t", Partition: int32(i % 3), Key: key, Value: value}
		}
		var n atomic.Int64
		done := make(chan struct{})
		promise := func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
			if n.Add(1) == int64(b.N) {
				close(done)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range recs {
			cl.Produce(context.Background(), &recs[i], promise)
		}
		<-done
	})
}

// BenchmarkPoll reads 100-byte records through the seam (batches of 500) and through the client
// (PollRecords of 500): the seam adds no allocation per record.
func BenchmarkPoll(b *testing.B) {
	const chunk = 20000
	read := func(b *testing.B, boot string, poll func() int) {
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; {
			n := min(chunk, b.N-done)
			b.StopTimer()
			fill(b, boot, "t", 1, n)
			b.StartTimer()
			for end := done + n; done < end; {
				done += poll()
			}
		}
	}
	b.Run("driver", func(b *testing.B) {
		boot := fakeCluster(b, "t", 1)
		c := newAssigned(b, boot, "t", 1)
		batch := make([]driver.Message, 500)
		read(b, boot, func() int {
			n, err := c.Poll(100*time.Millisecond, batch)
			if err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
	b.Run("client", func(b *testing.B) {
		boot := fakeCluster(b, "t", 1)
		cl, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"t": {0: kgo.NewOffset().AtStart()}}))
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		read(b, boot, func() int {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			return cl.PollRecords(ctx, 500).NumRecords()
		})
	})
}
