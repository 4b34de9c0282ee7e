package runner

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
)

// fullProducer is a producer whose queue stays full: every Produce says driver.QueueFull.
type fullProducer struct {
	driver.Producer
	calls atomic.Int64
}

func (f *fullProducer) Produce(*driver.Record) error { f.calls.Add(1); return driver.QueueFull }

// TestQueueFullDoesNotSpin guards against a sender that wakes itself: undoing its own in-flight
// count after a queue-full Produce used release(), which signals room to a waiter, and once a
// wait had ended by its timer the waiting flag was still set, so the sender signalled itself and
// retried Produce in a tight loop (seen as 3x the CPU per record at 10 KiB, where each delivery
// frees room for exactly one record). Without deliveries it must retry about every 100 ms.
func TestQueueFullDoesNotSpin(t *testing.T) {
	fp := &fullProducer{}
	now := time.Now().UnixNano()
	w := &producerWorker{p: fp, topic: "t", nparts: 1, keyDist: "sequential", sizes: newSizeCycle(100, 100),
		maxIn: 1 << 30, clock: phaseClock{Start: now, Measure: now, End: now + int64(time.Hour)},
		room: make(chan struct{}, 1), sendFailed: map[string]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), 450*time.Millisecond)
	defer cancel()
	w.send(ctx)
	if n := fp.calls.Load(); n > 20 {
		t.Fatalf("%d Produce calls in 450 ms with the queue full and no delivery, want about 5", n)
	}
}
