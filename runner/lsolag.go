package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/stats"
)

// The last-stable-offset lag (issue 19). While the measured phase runs, a goroutine of its own
// asks the cluster every lsoSampleInterval for the high watermark and the last stable offset of
// every partition of the topic the measuring consumers read (two ListOffsets requests, at
// read_uncommitted and read_committed). It touches no worker state: the per-record path is as it
// was. The figures (stats.LSOLag) say how many offsets read_committed consumers could not read
// yet because a transaction was still open.

// lsoSampleInterval is the time between samples: a transaction is open for tens of
// milliseconds to seconds, so one sample a second sees too few states to say much (on the local
// cluster a 3 s point at 100-record transactions gave two samples of 0 out of 3); five a second
// cost ten small requests a second.
const lsoSampleInterval = 200 * time.Millisecond

// lsoSampleTimeout bounds one sample (both requests): a slower answer is a failed sample, not a
// late one. A sample that overruns the interval makes the sampler skip the ticks it missed.
const lsoSampleTimeout = 900 * time.Millisecond

// lsoSampler samples one topic's LSO lag; its fields are its goroutine's until done is closed.
type lsoSampler struct {
	lister     driver.EndOffsetLister
	topic      string
	partitions int
	samples    [][]int64
	failed     int
	firstErr   string
	done       chan struct{}
}

// lsoTopic is the topic whose LSO lag the point measures, and its partitions; "" when nothing
// in the point writes the consumers' topic in transactions.
func (m *measurement) lsoTopic() (string, int) {
	switch {
	case m.p.Copy() && m.cp.out != nil:
		return m.cp.out.name, m.cp.out.partitions
	case m.p.Transactional():
		return m.topic, m.partitions
	}
	return "", 0
}

// startLSOSampler starts sampling from the start of the measured phase to its end (or ctx's);
// nil when the point has no transactional topic or the admin client cannot list offsets (then
// a note says the lag was not measured).
func (m *measurement) startLSOSampler(ctx context.Context) *lsoSampler {
	topic, parts := m.lsoTopic()
	if topic == "" || parts <= 0 {
		return nil
	}
	lister, ok := m.s.admin.(driver.EndOffsetLister)
	if !ok {
		m.note("last-stable-offset lag not measured: the admin client of driver %s cannot list offsets by isolation level", clientDriver.Name())
		return nil
	}
	s := &lsoSampler{lister: lister, topic: topic, partitions: parts, done: make(chan struct{})}
	go s.run(ctx, time.Unix(0, m.clock.Measure), time.Unix(0, m.clock.End))
	return s
}

// run takes one sample every lsoSampleInterval from measure+interval until end (ticks a slow
// sample overran are skipped, not made up in a burst).
func (s *lsoSampler) run(ctx context.Context, measure, end time.Time) {
	defer close(s.done)
	for k := int64(1); ; k++ {
		at := measure.Add(time.Duration(k) * lsoSampleInterval)
		if now := time.Now(); at.Before(now) {
			k = int64(now.Sub(measure)/lsoSampleInterval) + 1
			at = measure.Add(time.Duration(k) * lsoSampleInterval)
		}
		if at.After(end) {
			return
		}
		t := time.NewTimer(time.Until(at))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.sample(ctx)
	}
}

// sample lists the high watermarks, then the LSOs, and keeps their difference.
func (s *lsoSampler) sample(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, lsoSampleTimeout)
	defer cancel()
	hw, err := s.lister.EndOffsets(ctx, s.topic, s.partitions, false)
	var lso []int64
	if err == nil {
		lso, err = s.lister.EndOffsets(ctx, s.topic, s.partitions, true)
	}
	lags := stats.PartitionLSOLags(hw, lso)
	if err == nil && lags == nil {
		err = fmt.Errorf("%d high watermarks, %d last stable offsets", len(hw), len(lso))
	}
	if err != nil {
		if s.failed == 0 {
			s.firstErr = fmt.Sprintf("list offsets of %s: %v", s.topic, err)
		}
		s.failed++
		return
	}
	s.samples = append(s.samples, lags)
}

// result waits (bounded) for the sampler to stop and returns its figures; nil when there was
// no sampler, when it tried nothing, or when it did not stop in time (its slices are then not
// ours to read: the note says so).
func (s *lsoSampler) result(m *measurement, limit time.Duration) *stats.LSOLag {
	if s == nil {
		return nil
	}
	select {
	case <-s.done:
	case <-time.After(limit):
		m.note("last-stable-offset lag not reported: its sampler did not stop within %s", limit)
		return nil
	}
	l := stats.SummarizeLSOLag(s.topic, s.partitions, s.samples, s.failed, s.firstErr)
	if l != nil {
		l.IntervalMs = int(lsoSampleInterval / time.Millisecond)
	}
	return l
}
