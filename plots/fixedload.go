package plots

import (
	"fmt"
	"strings"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// latencyCaption adds to the latency charts' caption the load they were measured at: the fixed
// load and its derivation, or that max-rate latencies are queueing.
func latencyCaption(caption []string, ps []point) []string {
	out := append([]string(nil), caption...)
	if line := analysis.FixedLoadCaption(ps); line != "" {
		return append(out, line)
	}
	for _, p := range ps {
		if p.Result.AtMaxRate() {
			return append(out, "Measured at max rate (closed loop): these latencies are "+stats.QueueingAtMaxRate+", mostly time in the client's queue; set latency.rate in the profile for latency at a common fixed load.")
		}
	}
	return out
}

// tradeoffCaption says when the trade-off chart's p99s are queueing at max rate.
func tradeoffCaption(caption []string, ps []point) []string {
	for _, p := range ps {
		if p.Result.AtMaxRate() {
			return append(append([]string(nil), caption...), "p99 here is "+stats.QueueingAtMaxRate+" (closed loop).")
		}
	}
	return caption
}

// e2eShown are the points whose end-to-end latency may be drawn: measured, and the consumers kept
// within the lag bound.
func e2eShown(ps []point) []point {
	var out []point
	for _, p := range ps {
		if p.Result.Metrics.EndToEndReported() {
			out = append(out, p)
		}
	}
	return out
}

// e2eCaption names the points left out of an end-to-end chart because their consumers fell
// behind.
func e2eCaption(caption []string, ps []point) []string {
	var behind []string
	for _, p := range ps {
		m := p.Result.Metrics
		if m.EndToEndLatency.Count > 0 && !m.EndToEndReported() && m.Backlog == nil {
			behind = append(behind, p.Level)
		}
	}
	if len(behind) == 0 {
		return caption
	}
	return append(append([]string(nil), caption...), fmt.Sprintf("Not in this chart, %s (lag above one second of traffic, at least %d records, in the measured phase; their end-to-end latency measures the backlog): %s.",
		stats.ConsumersBehindText, stats.LagBoundMinRecords, strings.Join(behind, ", ")))
}
