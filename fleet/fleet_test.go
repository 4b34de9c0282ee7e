package fleet

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// memBus is an in-memory control topic: every message goes to every subscriber.
type memBus struct {
	mu   sync.Mutex
	subs []chan Message
}

type memEnd struct {
	bus *memBus
	ch  chan Message
}

func (b *memBus) end() *memEnd {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := &memEnd{bus: b, ch: make(chan Message, 1024)}
	b.subs = append(b.subs, e.ch)
	return e
}

func (e *memEnd) Send(m Message) error {
	raw, err := Encode(m)
	if err != nil {
		return err
	}
	e.bus.mu.Lock()
	defer e.bus.mu.Unlock()
	for _, s := range e.bus.subs {
		d, _ := Decode(raw)
		select {
		case s <- d:
		default:
		}
	}
	return nil
}
func (e *memEnd) Recv() <-chan Message { return e.ch }

func now() int64 { return time.Now().UnixNano() }

var fast = Timing{Heartbeat: 20 * time.Millisecond, DeadAfter: 300 * time.Millisecond, JoinTimeout: 2 * time.Second,
	Lead: 50 * time.Millisecond, ResultGrace: 2 * time.Second}

func histOf(ms ...int) string {
	h := stats.NewHistogram()
	for _, v := range ms {
		h.Record(time.Duration(v) * time.Millisecond)
	}
	enc, _ := h.Encode()
	return enc
}

func ledgerOf(t testing.TB, id uint32, n uint64) []byte {
	l := audit.NewLedger(id)
	for s := range n {
		l.Sent(s)
		l.Acked(s)
	}
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShareOfSplitsRateAndIDsExactly(t *testing.T) {
	for _, c := range []struct{ rate, producers, workers int }{{1000, 4, 3}, {999, 7, 7}, {10, 1, 3}, {0, 8, 3}} {
		total, next := 0, uint32(100)
		for i := range c.workers {
			s, err := ShareOf(c.rate, c.producers, c.workers, i, 100)
			if err != nil {
				t.Fatal(err)
			}
			if s.IDBase != next || s.Producers < 1 {
				t.Fatalf("%+v: worker %d ids start %d, want %d (contiguous, disjoint)", c, i, s.IDBase, next)
			}
			next += uint32(s.Producers)
			total += s.Rate
		}
		if total != c.rate {
			t.Fatalf("%+v: shares sum to %d/s, want %d", c, total, c.rate)
		}
	}
	if _, err := ShareOf(2, 1, 3, 0, 0); err == nil {
		t.Fatal("a rate too small to split must be refused, not give a worker 0/s silently")
	}
}

func TestDecodeRefusesOtherWireVersion(t *testing.T) {
	if _, err := Decode([]byte(`{"v":2,"kind":"plan"}`)); err == nil || !strings.Contains(err.Error(), "wire version 2") {
		t.Fatalf("err = %v", err)
	}
}

func TestOffsetEstimatorKeepsLowestRTT(t *testing.T) {
	var e OffsetEstimator
	e.Add(0, 1_000_500, 1000)     // rtt 1000, offset 1_000_000
	e.Add(2000, 1_002_100, 2200)  // rtt 200, offset 1_000_000
	e.Add(3000, 1_009_000, 13000) // rtt 10000: worse, not kept
	got := e.Estimate()
	if got.OffsetNs != 1_000_000 || got.UncertaintyNs != 100 || got.Samples != 3 {
		t.Fatalf("%+v", got)
	}
}

func TestMergeIsIdempotentAndExact(t *testing.T) {
	m := NewMerge("p1", 2)
	a := &Result{Worker: 0, Point: "p1", Acked: 3, Histograms: map[string]string{stats.HistProduce: histOf(1, 2, 3)}, Ledgers: [][]byte{ledgerOf(t, 0, 3)}}
	b := &Result{Worker: 1, Point: "p1", Acked: 1, Histograms: map[string]string{stats.HistProduce: histOf(100)}, Ledgers: [][]byte{ledgerOf(t, 1, 1)}}
	if !m.Add(a) || m.Add(a) {
		t.Fatal("a duplicated result must be dropped")
	}
	if m.Add(&Result{Worker: 1, Point: "p0", Acked: 50}) {
		t.Fatal("a late result of an earlier point must be refused")
	}
	if !m.Add(b) || len(m.Missing()) != 0 {
		t.Fatal("b not taken")
	}
	if got := m.Totals().Acked; got != 4 {
		t.Fatalf("acked %d, want 4", got)
	}
	h, err := m.Histogram(stats.HistProduce)
	if err != nil || h.Count() != 4 || h.ValueAt(100) < 99 {
		t.Fatalf("merged histogram count %d max %v err %v: want 4 records, max 100ms", h.Count(), h.ValueAt(100), err)
	}
	ls, err := m.Ledgers()
	if err != nil || len(ls) != 2 {
		t.Fatalf("ledgers %d err %v", len(ls), err)
	}
	if a := audit.Reconcile(ls, audit.NewVerifier()); a.Acked != 4 {
		t.Fatalf("audit acked %d, want 4", a.Acked)
	}
	m2 := NewMerge("p1", 2)
	m2.Add(a)
	m2.Add(&Result{Worker: 1, Point: "p1", Ledgers: [][]byte{ledgerOf(t, 0, 1)}})
	if _, err := m2.Ledgers(); err == nil {
		t.Fatal("two workers claiming producer id 0 must be an error")
	}
}

func fakeShare(ctx context.Context, p Plan, s Share, _ Offset) *Result {
	return &Result{Status: stats.StatusOK, Acked: int64(s.Rate), Histograms: map[string]string{stats.HistProduce: histOf(5)}}
}

func startWorkers(t *testing.T, bus *memBus, run string, idx []int, share ShareFunc) (context.CancelFunc, map[int]chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	errs := map[int]chan error{}
	for _, i := range idx {
		w := &Worker{Bus: bus.end(), RunID: run, Index: i, Timing: fast, Now: now, Share: share, Pings: 3}
		ch := make(chan error, 1)
		errs[i] = ch
		go func() { ch <- w.Run(ctx) }()
	}
	t.Cleanup(cancel)
	return cancel, errs
}

func plan(id string) Plan {
	return Plan{Point: profiles.Point{ID: id, Workload: profiles.Workload{Rate: 300, Producers: 3, Duration: 100 * time.Millisecond}}}
}

func TestHealthyPointMergesEveryWorker(t *testing.T) {
	bus := &memBus{}
	c := NewCoordinator(bus.end(), "r1", 3, fast, now)
	_, errs := startWorkers(t, bus, "r1", []int{0, 1, 2}, fakeShare)
	if err := c.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	mg, lost, err := c.RunPoint(context.Background(), plan("p1"), 100*time.Millisecond)
	if err != nil || len(lost) != 0 || mg.Totals().Acked != 300 {
		t.Fatalf("lost %v err %v acked %d", lost, err, mg.Totals().Acked)
	}
	c.Close()
	for i, ch := range errs {
		if err := <-ch; err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
}

func TestWorkerThatNeverJoinsFailsNamingIt(t *testing.T) {
	bus := &memBus{}
	c := NewCoordinator(bus.end(), "r1", 3, fast, now)
	defer c.Close()
	startWorkers(t, bus, "r1", []int{0, 2}, fakeShare)
	t0 := time.Now()
	err := c.Join(context.Background())
	if !errors.Is(err, ErrNotJoined) || !strings.Contains(err.Error(), "worker 1") || strings.Contains(err.Error(), "worker 0") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(t0); d > 4*fast.JoinTimeout {
		t.Fatalf("join waited %s, bound %s", d, fast.JoinTimeout)
	}
}

func TestWorkerDyingMidPointIsNamed(t *testing.T) {
	bus := &memBus{}
	c := NewCoordinator(bus.end(), "r1", 2, fast, now)
	defer c.Close()
	started1 := make(chan struct{})
	hang := func(ctx context.Context, p Plan, s Share, o Offset) *Result {
		if s.Worker == 1 {
			close(started1)
			<-ctx.Done() // dies mid-point: its heartbeats stop and its result is never sent
			return &Result{}
		}
		return fakeShare(ctx, p, s, o)
	}
	cancel1 := func() {}
	ctx, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	for i := range 2 {
		wctx, wc := context.WithCancel(ctx)
		defer wc()
		if i == 1 {
			cancel1 = wc
		}
		w := &Worker{Bus: bus.end(), RunID: "r1", Index: i, Timing: fast, Now: now, Share: hang, Pings: 3}
		go func() { _ = w.Run(wctx) }()
	}
	if err := c.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	go func() { <-started1; cancel1() }() // worker 1's process ends mid-point
	mg, lost, err := c.RunPoint(context.Background(), plan("p1"), 100*time.Millisecond)
	if err != nil || len(lost) != 1 || lost[0].Worker != 1 || !strings.Contains(lost[0].Why, "silent") {
		t.Fatalf("lost %+v err %v", lost, err)
	}
	if got := mg.Workers(); len(got) != 1 || got[0] != 0 {
		t.Fatalf("merged workers %v", got)
	}
}

func TestWorkerStopsWhenCoordinatorDies(t *testing.T) {
	bus := &memBus{}
	c := NewCoordinator(bus.end(), "r1", 1, fast, now)
	started := make(chan struct{})
	stopped := make(chan struct{})
	slow := func(ctx context.Context, p Plan, s Share, o Offset) *Result {
		close(started)
		<-ctx.Done()
		close(stopped)
		return &Result{Status: stats.StatusIncomplete}
	}
	_, errs := startWorkers(t, bus, "r1", []int{0}, slow)
	if err := c.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := plan("p1")
	p.Point.Workload.Duration = time.Hour
	go func() { _, _, _ = c.RunPoint(context.Background(), p, time.Hour) }()
	<-started
	close(c.stop) // the coordinator dies: no more heartbeats, no done message
	select {
	case err := <-errs[0]:
		if !errors.Is(err, ErrCoordinatorGone) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(20 * fast.DeadAfter):
		t.Fatal("worker still running long after the heartbeat deadline")
	}
	<-stopped
}

func TestWorkerIgnoresOtherRuns(t *testing.T) {
	bus := &memBus{}
	c := NewCoordinator(bus.end(), "other", 1, fast, now)
	defer c.Close()
	w := &Worker{Bus: bus.end(), RunID: "r1", Index: 0, Timing: Timing{JoinTimeout: 200 * time.Millisecond}, Now: now, Share: fakeShare}
	if err := w.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("a worker of run r1 must not join run other: %v", err)
	}
}

func BenchmarkMerge100Workers(b *testing.B) {
	results := make([]*Result, 100)
	for i := range results {
		h := stats.NewHistogram()
		for v := range 10000 {
			h.Record(time.Duration(v%5000) * time.Microsecond * time.Duration(1+i%3))
		}
		enc, _ := h.Encode()
		results[i] = &Result{Worker: i, Point: "p", Histograms: map[string]string{stats.HistProduce: enc},
			Ledgers: [][]byte{ledgerOf(b, uint32(2*i), 1_000_000), ledgerOf(b, uint32(2*i+1), 1_000_000)}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := NewMerge("p", 100)
		for _, r := range results {
			m.Add(r)
		}
		if _, err := m.Histogram(stats.HistProduce); err != nil {
			b.Fatal(err)
		}
		if ls, err := m.Ledgers(); err != nil || len(ls) != 200 {
			b.Fatal(err)
		}
	}
}

// lossyLedgerOf is a ledger of n records whose every other record failed: the largest form an
// audit ledger takes (both sets are bitmaps, about n/8 bytes each).
func lossyLedgerOf(t testing.TB, id uint32, n uint64) []byte {
	l := audit.NewLedger(id)
	for s := range n {
		l.Sent(s)
		if s%2 == 0 {
			l.Acked(s)
		} else {
			l.Failed(s, 1, "broker down", false)
		}
	}
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkPointResults100Workers is the coordinator's whole per-point cost of 100 workers'
// results as they arrive: decoding each control message (JSON, ledgers in base64), the exact
// histogram merge and the ledger decode, with healthy ledgers (runs) and with the largest ones
// (every other record failed). It reports the control bytes a point's results take.
func BenchmarkPointResults100Workers(b *testing.B) {
	for _, tc := range []struct {
		name   string
		ledger func(testing.TB, uint32, uint64) []byte
	}{{"healthy", ledgerOf}, {"lossy", lossyLedgerOf}} {
		b.Run(tc.name, func(b *testing.B) {
			var wire [][]byte
			total := 0
			for i := range 100 {
				h := stats.NewHistogram()
				for v := range 10000 {
					h.Record(time.Duration(v%5000) * time.Microsecond * time.Duration(1+i%3))
				}
				enc, _ := h.Encode()
				r := &Result{Worker: i, Point: "p", Histograms: map[string]string{stats.HistProduce: enc},
					Ledgers: [][]byte{tc.ledger(b, uint32(2*i), 1_000_000), tc.ledger(b, uint32(2*i+1), 1_000_000)}}
				raw, err := Encode(Message{Kind: KindResult, Run: "r", From: i, Point: "p", Result: r})
				if err != nil {
					b.Fatal(err)
				}
				wire, total = append(wire, raw), total+len(raw)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m := NewMerge("p", 100)
				for _, raw := range wire {
					msg, err := Decode(raw)
					if err != nil {
						b.Fatal(err)
					}
					msg.Result.Worker = msg.From
					m.Add(msg.Result)
				}
				if _, err := m.Histogram(stats.HistProduce); err != nil {
					b.Fatal(err)
				}
				if ls, err := m.Ledgers(); err != nil || len(ls) != 200 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total)/1e6, "MB/point")
		})
	}
}
