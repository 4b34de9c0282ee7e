package runner

import (
	"fmt"
	"strconv"

	"github.com/kbench/kbench/profiles"
)

// The flush.ms trap (see profiles.WithFlushScheduler): the decision to give the local cluster a
// flusher interval is profiles', so that `sweep --plan` shows it; the runner applies it and reads
// the brokers' value back.

const (
	schedulerKey = profiles.FlushSchedulerKey
	kafkaNever   = "9223372036854775807"
)

// needsScheduler says whether a point relies on the background flusher.
func needsScheduler(p profiles.Point) bool { return p.NeedsFlushScheduler() }

// withFlushScheduler gives every point of a flush.ms sweep on the local cluster a finite flusher
// interval: profiles.WithFlushScheduler, the function the plan calls too.
func withFlushScheduler(points []profiles.Point, local bool) []profiles.Point {
	return profiles.WithFlushScheduler(points, local)
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
