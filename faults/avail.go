package faults

import (
	"math"
	"sort"
	"time"

	"github.com/kbench/kbench/stats"
)

// Availability is judged from when acknowledgements arrived, at a resolution much finer than
// the per-second series: one producer's delivery goroutine counts its successful acks (and its
// failures, by error name) in 10 ms buckets from the start of the warmup until well after the
// measured phase, so a fault near the end still shows its recovery. Each producer owns its
// timelines (no lock); they are summed after the producers have stopped.

// timelineRes is the bucket width of the acknowledgement timeline.
const timelineRes = 10 * time.Millisecond

// TimelineTail is how long after the measured phase (plus drain) the timeline keeps counting.
const TimelineTail = 60 * time.Second

// Timeline counts events in fixed buckets from start.
type Timeline struct {
	start  int64 // unix ns of bucket 0
	counts []uint32
}

// NewTimeline covers span from start (unix ns).
func NewTimeline(start int64, span time.Duration) *Timeline {
	n := int(span/timelineRes) + 1
	return &Timeline{start: start, counts: make([]uint32, n)}
}

// Add counts one event at now (unix ns); events outside the span are not counted.
func (t *Timeline) Add(now int64) {
	i := (now - t.start) / int64(timelineRes)
	if i >= 0 && i < int64(len(t.counts)) {
		t.counts[i]++
	}
}

// Merge adds o's counts into t (same start and length).
func (t *Timeline) Merge(o *Timeline) {
	for i, c := range o.counts {
		if i < len(t.counts) {
			t.counts[i] += c
		}
	}
}

// bucket is the index of time at (unix ns), clamped to the Timeline.
func (t *Timeline) bucket(at int64) int {
	i := int((at - t.start) / int64(timelineRes))
	return max(0, min(i, len(t.counts)))
}

// sum counts the events in buckets [from, to).
func (t *Timeline) sum(from, to int) int64 {
	var s int64
	for i := max(0, from); i < min(to, len(t.counts)); i++ {
		s += int64(t.counts[i])
	}
	return s
}

// longestGap is the longest run of empty buckets in [from, to), as a duration.
func (t *Timeline) longestGap(from, to int) time.Duration {
	best, run := 0, 0
	for i := max(0, from); i < min(to, len(t.counts)); i++ {
		if t.counts[i] == 0 {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return time.Duration(best) * timelineRes
}

// firstNonEmpty is the index of the first non-empty bucket (len when all are empty).
func (t *Timeline) firstNonEmpty() int {
	for i, c := range t.counts {
		if c > 0 {
			return i
		}
	}
	return len(t.counts)
}

// lastNonEmpty is the index after the last non-empty bucket (0 if all are empty).
func (t *Timeline) lastNonEmpty() int {
	for i := len(t.counts) - 1; i >= 0; i-- {
		if t.counts[i] > 0 {
			return i + 1
		}
	}
	return 0
}

// Firing is one fault as it fired, for the availability computation.
type Firing struct {
	fault  string
	target string
	at     int64 // unix ns
}

// preFaultWindow is how far back the pre-fault rate is measured.
const preFaultWindow = 5 * time.Second

// ComputeAvailability turns the summed timelines and the fault firings into stats.Availability.
// measure and end bound the measured phase (unix ns).
func ComputeAvailability(acks *Timeline, fails map[string]*Timeline, firings []Firing, measure, end int64) *stats.Availability {
	a := &stats.Availability{TimelineResolutionMs: float64(timelineRes) / float64(time.Millisecond)}
	a.LongestNoAckSeconds = acks.longestGap(acks.bucket(measure), acks.bucket(end)).Seconds()
	sort.Slice(firings, func(i, j int) bool { return firings[i].at < firings[j].at })
	last := max(acks.lastNonEmpty(), acks.bucket(end))
	perSec := int(time.Second / timelineRes)
	for i, f := range firings {
		from := acks.bucket(f.at)
		to := last
		if i+1 < len(firings) {
			to = acks.bucket(firings[i+1].at)
		}
		imp := stats.FaultImpact{
			Fault: f.fault, Target: f.target, OffsetSeconds: float64(f.at-measure) / 1e9,
			LongestNoAckSeconds: acks.longestGap(from, to).Seconds(),
		}
		// The pre-fault window starts no earlier than the first acknowledgement (a fault soon
		// after the start must not count the time before the producers ran as slow).
		preFrom := max(acks.bucket(f.at-int64(preFaultWindow)), acks.firstNonEmpty())
		if from > preFrom {
			imp.PreFaultAckedPerSecond = float64(acks.sum(preFrom, from)) / (float64(from-preFrom) * timelineRes.Seconds())
		}
		imp.RecoverySeconds, imp.Recovered = recovery(acks, from, to, perSec, imp.PreFaultAckedPerSecond)
		for name, t := range fails {
			if n := t.sum(from, to); n > 0 {
				if imp.FailedByError == nil {
					imp.FailedByError = map[string]int64{}
				}
				imp.FailedByError[name] = n
			}
		}
		a.AfterFault = append(a.AfterFault, imp)
	}
	return a
}

// recovery finds, in buckets [from, to), the first one-second window whose ack count falls below
// 90 % of pre (per second), then the first window after that back at 90 %, and returns the time
// from `from` to the end of that window (its end: a backlog burst right after an outage must not
// make the recovery look earlier than the outage's end). It returns (0, true) when the rate never fell, and
// (-1, false) when it fell and was not back before `to`.
func recovery(acks *Timeline, from, to, perSec int, pre float64) (float64, bool) {
	if pre <= 0 {
		return -1, false
	}
	want := 0.9 * pre
	win := acks.sum(from, from+perSec)
	dipped := false
	for i := from; i+perSec <= to; i++ {
		rate := float64(win)
		if !dipped && rate < want {
			dipped = true
		}
		if dipped && rate >= want {
			return round3(float64(i-from+perSec) * timelineRes.Seconds()), true
		}
		win += int64(acks.at(i+perSec)) - int64(acks.at(i))
	}
	if !dipped {
		return 0, true
	}
	return -1, false
}

func (t *Timeline) at(i int) uint32 {
	if i < 0 || i >= len(t.counts) {
		return 0
	}
	return t.counts[i]
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
