package runner

import (
	"fmt"
	"strconv"

	"github.com/kbench/kbench/profiles"
)

// The flush.ms trap: a topic's flush.ms (and the broker's log.flush.interval.ms) is enforced only
// by the broker's background flusher, which runs every log.flush.scheduler.interval.ms, and that
// defaults to Long.MAX_VALUE: never. A flush.ms sweep on a default cluster measures nothing.

const (
	schedulerKey = "log.flush.scheduler.interval.ms"
	// localSchedulerMs is the scheduler interval kbench gives its own local cluster when a sweep
	// sets flush.ms without one: short enough for the smallest flush.ms anyone sweeps.
	localSchedulerMs int64 = 10
	kafkaNever             = "9223372036854775807"
)

// needsScheduler says whether a point relies on the background flusher.
func needsScheduler(p profiles.Point) bool {
	return p.Settings.FlushMs != nil || p.Settings.BrokerFlushIntervalMs != nil
}

// withFlushScheduler makes a flush.ms sweep meaningful on the local cluster: when some point sets
// flush.ms or log.flush.interval.ms and no point sets log.flush.scheduler.interval.ms, every point
// of the sweep gets a finite interval (the same for all, so the brokers restart once, and the
// points stay comparable), with a note saying kbench did it. On a remote cluster nothing changes:
// the brokers' value is read back and recordFlushScheduler says whether flush.ms could act.
func withFlushScheduler(points []profiles.Point, local bool) []profiles.Point {
	if !local {
		return points
	}
	any := false
	for _, p := range points {
		if p.Settings.BrokerFlushSchedulerIntervalMs != nil {
			return points // the profile chose
		}
		any = any || needsScheduler(p)
	}
	if !any {
		return points
	}
	out := make([]profiles.Point, len(points))
	for i, p := range points {
		v := localSchedulerMs
		p.Settings.BrokerFlushSchedulerIntervalMs = &v
		p.Notes = append(append([]string(nil), p.Notes...), fmt.Sprintf(
			"kbench set %s=%d on its local cluster for every point of this sweep, because the sweep sets flush.ms or log.flush.interval.ms, which act only through the broker's background flusher", schedulerKey, v))
		out[i] = p
	}
	return out
}

// brokerKeysToRead are the broker settings read back for a point: the ones it changes, plus the
// flusher's interval whenever the point relies on it.
func brokerKeysToRead(p profiles.Point) []string {
	keys := append(sortedKeys(p.BrokerDynamicConfig()), sortedKeys(p.BrokerStaticConfig())...)
	if needsScheduler(p) && p.Settings.BrokerFlushSchedulerIntervalMs == nil {
		keys = append(keys, schedulerKey)
	}
	return keys
}

// flushSchedulerNotes says, from the settings read back, when a point's flush.ms or
// log.flush.interval.ms cannot have taken effect because some broker never runs its flusher.
func flushSchedulerNotes(p profiles.Point, brokers map[string]map[string]string) []string {
	if !needsScheduler(p) {
		return nil
	}
	var out []string
	for _, id := range sortedKeys(brokers) {
		v, ok := brokers[id][schedulerKey]
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); v == kafkaNever || (err == nil && n <= 0) {
			out = append(out, fmt.Sprintf("flush.ms / log.flush.interval.ms cannot have taken effect: broker %s has %s=%s (the background flusher never runs)", id, schedulerKey, v))
		}
	}
	return out
}
