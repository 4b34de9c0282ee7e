package runner

import (
	"sync/atomic"
	"time"

	"github.com/kbench/kbench/stats"
)

// The per-second series is built without locks on the hot path. Each measuring goroutine keeps a
// window: one histogram for the current second of the measured phase. When a record falls into a
// later second, the goroutine hands the finished second's histogram to the collector over a
// channel and takes a recycled one. Counts come from the workers' atomic counters, sampled by the
// collector once a second.

// latencyKind says which latency a per-second histogram holds.
type latencyKind uint8

const (
	kindProduce latencyKind = iota
	kindEndToEnd
)

// secHist is one goroutine's histogram of one second.
type secHist struct {
	kind latencyKind
	sec  int
	h    *stats.Histogram
}

// window is one goroutine's current-second histogram.
type window struct {
	kind    latencyKind
	measure int64 // start of the measured phase, unix ns
	nsec    int   // seconds in the measured phase
	sec     int
	h       *stats.Histogram
	out     chan<- secHist
	free    chan *stats.Histogram
}

func newWindow(kind latencyKind, clock phaseClock, col *collector) window {
	return window{kind: kind, measure: clock.Measure, nsec: col.nsec, sec: -1, out: col.in, free: col.free}
}

// record adds one latency observed at now (unix ns).
func (w *window) record(now int64, lat time.Duration) {
	sec := int((now - w.measure) / int64(time.Second))
	if sec < 0 {
		sec = 0
	} else if sec >= w.nsec {
		sec = w.nsec - 1
	}
	if sec != w.sec {
		w.flush()
		w.sec = sec
		select {
		case w.h = <-w.free:
		default:
			w.h = stats.NewHistogram() // once per second at most, not per record
		}
	}
	w.h.Record(lat)
}

// flush hands the current second's histogram to the collector.
func (w *window) flush() {
	if w.h != nil && w.sec >= 0 {
		w.out <- secHist{kind: w.kind, sec: w.sec, h: w.h}
	}
	w.h = nil
}

// collector merges the windows' histograms by second and samples the counters once a second.
type collector struct {
	nsec     int
	in       chan secHist
	free     chan *stats.Histogram
	produce  []*stats.Histogram // per second, merged
	e2e      []*stats.Histogram
	samples  []sample // one per tick of the measured phase
	lastP99  atomic.Uint64
	finished chan struct{}
}

// sample is the counters summed over all workers at one instant.
type sample struct {
	at                        time.Time
	sent, acked, failed, cons int64
	ackedAll, consumedAll     int64
	sentBytes, ackedBytes, cB int64
}

func newCollector(nsec int) *collector {
	if nsec < 1 {
		nsec = 1
	}
	return &collector{
		nsec: nsec, in: make(chan secHist, 1024), free: make(chan *stats.Histogram, 64),
		produce: make([]*stats.Histogram, nsec), e2e: make([]*stats.Histogram, nsec),
		finished: make(chan struct{}),
	}
}

// run merges incoming windows until in is closed.
func (c *collector) run() {
	defer close(c.finished)
	for sh := range c.in {
		dst := c.produce
		if sh.kind == kindEndToEnd {
			dst = c.e2e
		}
		if dst[sh.sec] == nil {
			dst[sh.sec] = stats.NewHistogram()
		}
		dst[sh.sec].Merge(sh.h)
		if sh.kind == kindProduce {
			c.lastP99.Store(uint64(dst[sh.sec].ValueAt(99) * 1000)) // µs
		}
		sh.h.Reset()
		select {
		case c.free <- sh.h:
		default:
		}
	}
}

// sampleAll sums the counters of all workers.
func sampleAll(ps []*producerWorker, cs []*consumerWorker) sample {
	s := sample{at: time.Now()}
	for _, p := range ps {
		s.sent += p.c.sent.Load()
		s.sentBytes += p.c.sentBytes.Load()
		s.acked += p.c.acked.Load()
		s.ackedBytes += p.c.ackedBytes.Load()
		s.failed += p.c.failed.Load()
		s.ackedAll += p.c.ackedAll.Load()
	}
	for _, c := range cs {
		s.cons += c.c.consumed.Load()
		s.cB += c.c.consBytes.Load()
		s.consumedAll += c.c.consumedAll.Load()
	}
	return s
}

// lag is records acknowledged but not yet read by the measuring consumers (all phases), the
// consumer group's lag as the brokers would report it, without asking them every second.
func (s sample) lag() int64 {
	if l := s.ackedAll - s.consumedAll; l > 0 {
		return l
	}
	return 0
}

// rows turns the samples taken at each second of the measured phase (samples[0] at its start)
// and the merged histograms into the per-second series.
func (c *collector) rows(samples []sample, hasConsumers bool) []stats.Second {
	var out []stats.Second
	for i := 1; i < len(samples) && i-1 < c.nsec; i++ {
		a, b := samples[i-1], samples[i]
		dt := b.at.Sub(a.at).Seconds()
		if dt <= 0 {
			continue
		}
		row := stats.Second{
			Offset:         float64(i - 1),
			SentPerSecond:  float64(b.sent-a.sent) / dt,
			AckedPerSecond: float64(b.acked-a.acked) / dt,
			Errors:         b.failed - a.failed,
		}
		if h := c.produce[i-1]; h != nil {
			row.ProduceP99Ms = h.ValueAt(99)
		}
		if hasConsumers {
			row.ConsumedPerSecond = float64(b.cons-a.cons) / dt
			row.ConsumerLag = b.lag()
			if h := c.e2e[i-1]; h != nil {
				row.EndToEndP99Ms = h.ValueAt(99)
			}
		}
		out = append(out, row)
	}
	return out
}
