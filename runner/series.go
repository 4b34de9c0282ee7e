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
	kindSendDelay // scheduled to actual send, for the export's publish delay
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
	measure int64       // start of the measured phase, unix ns
	live    *liveBounds // non-nil: the start is read from here (an adaptive warmup may move it)
	nsec    int         // seconds in the measured phase (windows, for a warmup window)
	step    int64       // window length, ns: one second, or the warmup's window (warmStep)
	sec     int
	h       *stats.Histogram
	out     chan<- secHist
	free    chan *stats.Histogram
}

func newWindow(kind latencyKind, clock phaseClock, col *collector) window {
	return window{kind: kind, measure: clock.Measure, live: clock.live, nsec: col.nsec, step: int64(time.Second), sec: -1, out: col.in, free: col.free}
}

// newWarmWindow is a producer's window over the warmup: windows of step counted from the clock's
// Start.
func newWarmWindow(clock phaseClock, col *collector, step time.Duration) window {
	return window{kind: kindProduce, measure: clock.Start, nsec: col.nsec, step: int64(step), sec: -1, out: col.in, free: col.free}
}

// record adds one latency observed at now (unix ns).
func (w *window) record(now int64, lat time.Duration) {
	measure := w.measure
	if w.live != nil {
		measure = w.live.measure.Load()
	}
	sec := int((now - measure) / w.step)
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
//
// Memory stays flat over long runs: a full histogram is about 140 KB, so only the last few
// seconds stay open as histograms; an older second is encoded (HdrHistogram's compressed form,
// usually well under a few KB) with its p99 kept beside it, and decoded again only when the
// interval log is written. A window that arrives for a closed second (a worker that was idle for
// a while) is merged into the decoded second, which is then encoded again.
type collector struct {
	nsec     int
	in       chan secHist
	free     chan *stats.Histogram
	produce  []secSlot // per second, merged
	e2e      []secSlot
	delay    []secSlot
	newest   int // latest second any window arrived for
	lastP99  atomic.Uint64
	secP99   []atomic.Uint64 // per second: produce p99 so far in µs, plus 1 (0: nothing recorded)
	finished chan struct{}
}

// openSeconds is how many of the latest seconds stay open as histograms; windows for a second
// arrive when their goroutine moves past it, normally within a second or two.
const openSeconds = 3

// secSlot is one second's merged histogram: open (h) or closed (enc, with its p99 kept).
type secSlot struct {
	h     *stats.Histogram
	enc   string
	p99Ms float64
}

// empty says whether nothing was recorded for the second.
func (s *secSlot) empty() bool { return s.h == nil && s.enc == "" }

// merge adds h to the second, reopening it if it was closed.
func (s *secSlot) merge(h *stats.Histogram) {
	if s.h == nil {
		s.h = stats.NewHistogram()
		if s.enc != "" {
			if d, err := stats.DecodeHistogram(s.enc); err == nil {
				s.h.Merge(d)
			}
			s.enc = ""
		}
	}
	s.h.Merge(h)
}

// close encodes an open second and drops its histogram (kept open if encoding fails).
func (s *secSlot) close() {
	if s.h == nil {
		return
	}
	enc, err := s.h.Encode()
	if err != nil {
		return
	}
	s.p99Ms, s.enc, s.h = s.h.ValueAt(99), enc, nil
}

// p99 is the second's 99th percentile in ms.
func (s *secSlot) p99() float64 {
	if s.h != nil {
		return s.h.ValueAt(99)
	}
	return s.p99Ms
}

// hist returns the second's histogram (decoded when closed); nil when empty.
func (s *secSlot) hist() *stats.Histogram {
	if s.h != nil {
		return s.h
	}
	if s.enc == "" {
		return nil
	}
	h, err := stats.DecodeHistogram(s.enc)
	if err != nil {
		return nil
	}
	return h
}

// hist is the merged histogram of one second of one kind (decoded when closed; nil when empty).
// It is for after the run (the interval log): call it once the collector has finished.
func (c *collector) hist(kind latencyKind, sec int) *stats.Histogram {
	slots := c.slots(kind)
	if sec < 0 || sec >= len(slots) {
		return nil
	}
	return slots[sec].hist()
}

// slots are the per-second histograms of one kind.
func (c *collector) slots(kind latencyKind) []secSlot {
	switch kind {
	case kindEndToEnd:
		return c.e2e
	case kindSendDelay:
		return c.delay
	}
	return c.produce
}

// sample is the counters summed over all workers at one instant.
type sample struct {
	at                        time.Time
	sent, acked, failed, cons int64
	ackedAll, consumedAll     int64
	sentBytes, ackedBytes, cB int64
	host                      hostCPUTimes // hostcpu.go: measured-phase samples only (sampleMeasured)
}

func newCollector(nsec int) *collector {
	if nsec < 1 {
		nsec = 1
	}
	return &collector{
		nsec: nsec, in: make(chan secHist, 1024), free: make(chan *stats.Histogram, 64),
		produce: make([]secSlot, nsec), e2e: make([]secSlot, nsec), delay: make([]secSlot, nsec),
		secP99: make([]atomic.Uint64, nsec), finished: make(chan struct{}),
	}
}

// run merges incoming windows until in is closed.
func (c *collector) run() {
	defer close(c.finished)
	for sh := range c.in {
		slot := &c.slots(sh.kind)[sh.sec]
		slot.merge(sh.h)
		if sh.kind == kindProduce {
			us := uint64(slot.h.ValueAt(99) * 1000)
			c.lastP99.Store(us)
			c.secP99[sh.sec].Store(us + 1)
		}
		if sh.sec > c.newest {
			for i := max(0, c.newest-openSeconds); i <= sh.sec-openSeconds; i++ {
				c.produce[i].close()
				c.e2e[i].close()
				c.delay[i].close()
			}
			c.newest = sh.sec
		} else if sh.sec <= c.newest-openSeconds {
			slot.close() // a late window for a closed second
		}
		sh.h.Reset()
		select {
		case c.free <- sh.h:
		default:
		}
	}
}

// p99s are the produce p99s (ms) of the first n seconds as merged so far, 0 for a second
// without any; safe while the collector runs.
func (c *collector) p99s(n int) []float64 {
	out := make([]float64, min(n, c.nsec))
	for i := range out {
		if v := c.secP99[i].Load(); v > 0 {
			out[i] = float64(v-1) / 1000
		}
	}
	return out
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
		if sl := &c.produce[i-1]; !sl.empty() {
			row.ProduceP99Ms = sl.p99()
		}
		if hasConsumers {
			row.ConsumedPerSecond = float64(b.cons-a.cons) / dt
			row.ConsumerLag = b.lag()
			if sl := &c.e2e[i-1]; !sl.empty() {
				row.EndToEndP99Ms = sl.p99()
			}
		}
		out = append(out, row)
	}
	return out
}
