package stats

import (
	"fmt"
	"time"
)

// WarmupReport is how a warmup ended: after a fixed minimum, at the first window (a second, or
// WindowSeconds) where the per-window produce p99 was steady (the rule in Rule), or at its bound,
// not steady. A point with faults or
// consumer processes keeps a fixed warmup (their schedule is fixed before the point starts):
// Adaptive is then false and Steady null.
type WarmupReport struct {
	Adaptive     bool      `json:"adaptive"`
	MinSeconds   float64   `json:"min_seconds"`           // the fixed minimum (the profile's warmup)
	MaxSeconds   float64   `json:"max_seconds,omitempty"` // the bound
	Seconds      float64   `json:"seconds"`               // how long the warmup ran
	Steady       *bool     `json:"steady"`                // null: not judged (fixed warmup)
	Rule         string    `json:"rule,omitempty"`        // the steady-state rule, in words
	Reason       string    `json:"reason,omitempty"`      // why it ended when it did
	ProduceP99Ms []float64 `json:"per_second_produce_p99_ms,omitempty"`
	// WindowSeconds is the length of the windows the warmup was judged on (absent in files
	// written before it was recorded: one second). With windows other than a second, their
	// p99s are in WindowP99Ms and ProduceP99Ms is empty.
	WindowSeconds float64   `json:"window_seconds,omitempty"`
	WindowP99Ms   []float64 `json:"per_window_produce_p99_ms,omitempty"`
}

// SetP99s records the warmup's per-window produce p99s (ms) on windows of step: under
// per_second_produce_p99_ms for one-second windows, per_window_produce_p99_ms otherwise.
func (w *WarmupReport) SetP99s(p99s []float64, step time.Duration) {
	w.WindowSeconds = step.Seconds()
	if step == time.Second {
		w.ProduceP99Ms = p99s
		return
	}
	w.WindowP99Ms = p99s
}

// IsSteady says the warmup was judged and reached steady state.
func (w *WarmupReport) IsSteady() bool { return w != nil && w.Steady != nil && *w.Steady }

// Cold says the warmup was judged and did not reach steady state: the point's numbers may
// include a cold start.
func (w *WarmupReport) Cold() bool { return w != nil && w.Steady != nil && !*w.Steady }

// Summary is the warmup in a few words, e.g. "4.3 s, steady" or "22.0 s, NOT steady".
func (w *WarmupReport) Summary() string {
	switch {
	case w == nil:
		return "not recorded"
	case w.Steady == nil:
		return fmt.Sprintf("%.1f s, fixed", w.Seconds)
	case *w.Steady:
		return fmt.Sprintf("%.1f s, steady", w.Seconds)
	}
	return fmt.Sprintf("%.1f s, NOT steady", w.Seconds)
}

// ClusterWarmup is the load a sweep puts on a throwaway kbench topic before its first point,
// until the per-second produce p99 is steady (bounded in time); the topic is deleted after it.
type ClusterWarmup struct {
	WarmupReport
	Topic         string  `json:"topic,omitempty"`
	RatePerSecond float64 `json:"rate_messages_per_second,omitempty"`
	Acks          string  `json:"acks,omitempty"`
	// Skipped says why no warm-up ran (an existing topic, --no-cluster-warmup ...); "" when it ran.
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"` // the warm-up could not run to its end
}

// ConsumerLagCheck is the measuring consumers' lag (records acknowledged but not yet read)
// sampled once a second through the measured phase, against the bound within which a point's
// end-to-end latency is about Kafka rather than about a backlog in the consumers.
type ConsumerLagCheck struct {
	MaxLagRecords int64  `json:"max_lag_records"` // highest lag sampled in the measured phase
	BoundRecords  int64  `json:"bound_records"`
	Bound         string `json:"bound"` // how the bound was set, in words
	WithinBound   bool   `json:"within_bound"`
}

// EndToEndReported says whether the point's end-to-end figures may be shown: measured, and the
// consumers kept up (lag within the bound; for files without the check, not flagged behind at
// the end).
func (m *Metrics) EndToEndReported() bool {
	if m.EndToEndLatency.Count == 0 || m.Backlog != nil {
		return false
	}
	if m.ConsumerLag != nil {
		return m.ConsumerLag.WithinBound
	}
	return !m.ConsumerBehind
}

// ConsumersBehindText is what tables show instead of an end-to-end figure when the consumers
// fell behind.
const ConsumersBehindText = "consumers behind"

// LagBoundMinRecords is the floor of the consumer-lag bound: at low rates one second of traffic
// is a handful of records, and a single fetch in flight would exceed it.
const LagBoundMinRecords = 1000

// CheckConsumerLag classifies the lag sampled through a measured phase (records acknowledged
// but not yet read, once a second) against the bound within which end-to-end latency is about
// Kafka: one second of the point's acknowledged rate, at least LagBoundMinRecords records.
// Consumers further behind at any sample are reading a backlog, and their end-to-end latency
// measures the backlog (the demo's acks=0 point: 375,000 records behind, e2e p99 9.7 s).
func CheckConsumerLag(lags []int64, ackedPerSecond float64) *ConsumerLagCheck {
	bound := max(int64(LagBoundMinRecords), int64(ackedPerSecond+0.5))
	c := &ConsumerLagCheck{BoundRecords: bound,
		Bound: fmt.Sprintf("lag at most one second of acknowledged traffic (%.0f records/s), at least %d records, at every once-a-second sample of the measured phase", ackedPerSecond, LagBoundMinRecords)}
	for _, l := range lags {
		c.MaxLagRecords = max(c.MaxLagRecords, l)
	}
	c.WithinBound = c.MaxLagRecords <= bound
	return c
}

// EndToEndCell is an end-to-end figure v of m for tables: "-" when none was measured,
// ConsumersBehindText when the consumers fell behind (the figure then measures their backlog);
// measured across kbench workers it carries its clock uncertainty ("12.30 ± 9.0 ms clock").
func EndToEndCell(m *Metrics, v float64) string {
	if m.EndToEndLatency.Count == 0 {
		return "-"
	}
	if !m.EndToEndReported() && m.Backlog == nil {
		return ConsumersBehindText
	}
	if m.EndToEndClock != nil {
		return fmt.Sprintf("%.2f %s", v, m.EndToEndClock.Label())
	}
	return fmt.Sprintf("%.2f", v)
}

// QueueingAtMaxRate labels latencies measured at max rate (closed loop): the producer keeps its
// in-flight bound full, so the latency is mostly time queued in the client (Little's law), not
// what a setting costs. Latency comparisons use a fixed offered load (latency.rate).
const QueueingAtMaxRate = "queueing at max rate"

// AtMaxRate says the point's latencies were measured at max rate (closed loop).
func (r *Result) AtMaxRate() bool {
	return r != nil && r.Search == nil && r.Metrics.TargetRate == 0 && r.Metrics.ProduceLatency.Count > 0
}
