package profiles

import "fmt"

// The flush.ms trap: a topic's flush.ms (and the broker's log.flush.interval.ms) is enforced only
// by the broker's background flusher, which runs every log.flush.scheduler.interval.ms, and that
// defaults to Long.MAX_VALUE: never. A flush.ms sweep on a default cluster measures nothing.

const (
	// FlushSchedulerKey is the static broker setting that runs the background flusher.
	FlushSchedulerKey = "log.flush.scheduler.interval.ms"
	// LocalFlushSchedulerMs is the scheduler interval kbench gives its own local cluster when a
	// sweep sets flush.ms without one: short enough for the smallest flush.ms anyone sweeps.
	LocalFlushSchedulerMs int64 = 10
)

// NeedsFlushScheduler says whether a point relies on the broker's background flusher.
func (p Point) NeedsFlushScheduler() bool {
	return p.Settings.FlushMs != nil || p.Settings.BrokerFlushIntervalMs != nil
}

// WithFlushScheduler returns the points as the runner will run them, so that the plan shows
// every change: on the local cluster, when some point sets flush.ms or log.flush.interval.ms and
// no point sets log.flush.scheduler.interval.ms, every point of the sweep gets a finite interval
// (the same for all, so the brokers restart once and the points stay comparable), with a note
// saying kbench did it. On a remote cluster nothing changes: the runner reads the brokers' value
// back and says whether flush.ms could act. The caller's points are not modified.
func WithFlushScheduler(points []Point, local bool) []Point {
	if !local {
		return points
	}
	any := false
	for _, p := range points {
		if p.Settings.BrokerFlushSchedulerIntervalMs != nil {
			return points // the profile chose
		}
		any = any || p.NeedsFlushScheduler()
	}
	if !any {
		return points
	}
	out := make([]Point, len(points))
	for i, p := range points {
		v := LocalFlushSchedulerMs
		p.Settings.BrokerFlushSchedulerIntervalMs = &v
		p.Notes = append(append([]string(nil), p.Notes...), fmt.Sprintf(
			"kbench set %s=%d on its local cluster for every point of this sweep, because the sweep sets flush.ms or log.flush.interval.ms, which act only through the broker's background flusher", FlushSchedulerKey, v))
		out[i] = p
	}
	return out
}
