package runner

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// BenchmarkRecordEncode is kbench's own per-record work on the send side: size, header, key.
// It must report 0 allocs/op.
func BenchmarkRecordEncode(b *testing.B) {
	s := newSizeCycle(100, 1000)
	value := make([]byte, s.max())
	key := make([]byte, record.KeyLen)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seq := uint64(i)
		n := s.at(seq)
		record.EncodeHeader(value[:n], record.Header{Producer: 1, Seq: seq, SendNs: int64(i)})
		record.EncodeKey(key, seq, int64(i))
	}
}

// BenchmarkOnDelivery is kbench's own per-record work on the delivery side (decode the key,
// ledger, histograms, per-second window), given the Message the client already allocated. It
// must stay at 0 allocs/op apart from the ledger's occasional bitmap growth.
func BenchmarkOnDelivery(b *testing.B) {
	col := newCollector(3600)
	go func() {
		for sh := range col.in {
			sh.h.Reset()
			select {
			case col.free <- sh.h:
			default:
			}
		}
	}()
	now := time.Now().UnixNano()
	clock := phaseClock{Start: now - int64(time.Hour), Measure: now - int64(time.Hour), End: now + int64(time.Hour)}
	w := &producerWorker{
		sizes: newSizeCycle(100, 100), clock: clock, room: make(chan struct{}, 1),
		ledger: audit.NewLedger(0), produce: stats.NewHistogram(), produceRaw: stats.NewHistogram(),
		failedByName: map[string]int64{}, win: newWindow(kindProduce, clock, col),
	}
	m := &driver.Delivery{Key: make([]byte, record.KeyLen)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		record.EncodeKey(m.Key, uint64(i), time.Now().UnixNano())
		w.onDelivery(m)
	}
}

// TestInterruptKfake: Ctrl-C mid-point returns promptly with the point incomplete, and the topic
// this run created is gone.
func TestInterruptKfake(t *testing.T) {
	bootstrap := startKfake(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(2*time.Second, cancel)
	out := t.TempDir()
	p := testPoint("long", 500, time.Minute, 1)
	t0 := time.Now()
	// No cluster warm-up: the interruption is meant for the point.
	res, err := RunPoint(ctx, p, recordIn(out, Options{Bootstrap: bootstrap, NoClusterWarmup: true}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if d := time.Since(t0); d > 20*time.Second {
		t.Errorf("interrupted point took %s to return", d)
	}
	if res == nil || res.Status != stats.StatusIncomplete {
		t.Fatalf("result %+v, want incomplete", res)
	}
	a, err := clientDriver.NewAdmin(adminConfig(plainConnection(bootstrap)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	md, err := a.Metadata(nil, true, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := md.Topics[res.Effective.Topic]; ok {
		t.Errorf("topic %s still exists after the interrupt", res.Effective.Topic)
	}
}
