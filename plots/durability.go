package plots

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/kbench/kbench/stats"
)

// Chart names of the durability charts (runs with a fault schedule).
const (
	ChartDurabilityLoss         = "durability-loss"         // acked throughput and acknowledged records lost, by level
	ChartDurabilityAvailability = "durability-availability" // acked throughput and the longest window without an ack, by level
)

// hasFaults says whether any drawn point ran a fault schedule.
func hasFaults(ps []point) bool {
	for _, p := range ps {
		if p.Result != nil && p.Result.Faults != nil {
			return true
		}
	}
	return false
}

// DurabilityCharts builds the durability charts of a run whose points ran a fault schedule:
// throughput next to measured loss, and throughput next to measured unavailability, one bar per
// reliability level. A run without faults has none (nil).
func DurabilityCharts(run *stats.Run) []Chart {
	all := points(run)
	ps := drawn(all)
	if len(ps) == 0 || !hasFaults(ps) {
		return nil
	}
	cap := append(caption(run, all), caveatFor(ps))
	for _, p := range ps {
		if p.EnqueueToSocket() {
			cap = append(cap, "At acks=0 nothing is acknowledged: its \"lost\" counts records whose delivery report said delivered (written to a socket) and that were never read back.")
			break
		}
	}
	tp := barMetric{"Acknowledged throughput, messages/s", "messages/s", func(r *stats.Result) float64 { return r.Metrics.Acked.RecordsPerSecond }, "%.0f", "acked_per_second"}
	lost := barMetric{"Acknowledged records lost (read back after the faults healed)", "records", func(r *stats.Result) float64 {
		if n, ok := r.Audit.LostCount(); ok {
			return float64(n)
		}
		return math.NaN() // unknown: drawn as "unknown", not as a bar
	}, "%.0f", ""}
	gap := barMetric{"Longest window without any acknowledgement, seconds", "seconds", func(r *stats.Result) float64 {
		if r.Availability == nil {
			return 0
		}
		return r.Availability.LongestNoAckSeconds
	}, "%.1f", ""}
	for _, pt := range ps {
		if pt.Repeated() {
			cap = append(cap, "Repeated points: throughput is the median of the repetitions with its 95 % interval; lost records are the total over all repetitions.")
			break
		}
	}
	return []Chart{
		{Name: ChartDurabilityLoss, Title: "Throughput and measured loss by reliability level, under faults", fig: barsFigure(ChartDurabilityLoss, ps, []barMetric{tp, lost}, cap)},
		{Name: ChartDurabilityAvailability, Title: "Throughput and measured unavailability by reliability level, under faults", fig: barsFigure(ChartDurabilityAvailability, ps, []barMetric{tp, gap}, cap)},
	}
}

// durabilityCaveat is printed under every durability chart and in the report.
const durabilityCaveat = "Faults were process kills and pauses: a killed broker's page cache survives, so flush settings are not exercised; loss from power failure, disk failure or network partitions was not tested."

// caveatFor is the durability caveat of these points: the process-fault one, or, when brokers
// lost power, what the power-loss simulation covers.
func caveatFor(ps []point) string {
	if len(powerLossPoints(ps)) > 0 {
		return powerLossCaveat
	}
	return durabilityCaveat
}

// durabilitySection is the report's account of a run with a fault schedule: per level the
// measured loss, duplicates, send outcomes and unavailability next to throughput, the consumer
// side where consumers crashed, and plainly what the evidence covers. ok is false for a run
// without faults (the "What was and was not tested" section says so).
func durabilitySection(ps []point) (section, bool) {
	if !hasFaults(ps) {
		return section{}, false
	}
	s := section{heading: "Measured durability"}
	var rows [][]string
	for _, p := range ps {
		r := p.Result
		a := r.Audit
		dup := fmt.Sprint(a.Duplicates)
		if a.DuplicatesDefect {
			dup += " (DEFECT: idempotence on)"
		}
		faults, gap, rec := 0, 0.0, "-"
		if r.Availability != nil {
			gap = r.Availability.LongestNoAckSeconds
			faults = len(r.Availability.AfterFault)
			worst, never := 0.0, false
			for _, im := range r.Availability.AfterFault {
				if !im.Recovered {
					never = true
				}
				worst = math.Max(worst, im.RecoverySeconds)
			}
			if faults > 0 {
				rec = fmt.Sprintf("%.1f", worst)
				if never {
					rec += " (not recovered once)"
				}
			}
		}
		rows = append(rows, []string{p.Level, fmt.Sprintf("%.0f", r.Metrics.Acked.RecordsPerSecond), a.LostText(), dup, i64(a.Failed),
			fmt.Sprintf("%d (%d)", a.Indeterminate, a.IndeterminateConsumed), fmt.Sprint(faults), fmt.Sprintf("%.1f", gap), rec})
	}
	s.blocks = append(s.blocks, block{kind: "table",
		header: []string{"level", "acked msg/s", "lost", "duplicates", "failed", "indeterminate (written)", "faults", "longest no-ack s", "slowest recovery to 90 % s"},
		right:  []bool{false, true, true, true, true, true, true, true, true},
		rows:   rows})
	var items []string
	for _, p := range ps {
		r := p.Result
		if len(r.Metrics.FailedByError) > 0 {
			items = append(items, fmt.Sprintf("%s: failed sends by error: %s", p.Level, formatCounts(r.Metrics.FailedByError)))
		}
		if r.Audit.FailedButConsumed > 0 {
			items = append(items, fmt.Sprintf("%s: %d sends reported as definitely failed were read back (the error's meaning was wrong for them)", p.Level, r.Audit.FailedButConsumed))
		}
		if ca := r.ConsumerAudit; ca != nil && r.CopyAudit != nil {
			dup, skipped := "?", "unknown (output read incomplete)"
			if ca.Duplicated != nil {
				dup = i64(*ca.Duplicated)
			}
			if m := r.CopyAudit.Missing; m != nil {
				skipped = i64(*m)
			}
			items = append(items, fmt.Sprintf("%s: consumer side (copy pipeline, transactions with their offsets, %d copier crashes): %d copied, %d redelivered inside transactions that never committed, %s skipped (missing from the output), %s duplicated in the output",
				p.Level, ca.Crashes, ca.ProcessedUnique, ca.Redelivered, skipped, dup))
		} else if ca != nil {
			items = append(items, fmt.Sprintf("%s: consumer side (%s, processing %.0f ms after poll, %d worker crashes): %d processed, %d redelivered, %d skipped; this is separate from broker-side loss",
				p.Level, ca.CommitMode, ca.ProcessingDelayMs, ca.Crashes, ca.ProcessedUnique, ca.Redelivered, ca.Skipped))
		}
	}
	items = append(items,
		"Lost means acknowledged by the cluster and not read back by a fresh consumer that assigned every partition and read from the earliest offset to the high watermark after every fault had healed. Records are identified by producer and sequence, not by offsets.",
		"Only acknowledged records can be lost. Sends that timed out or lost their connection are indeterminate: the table says how many of them were in fact written.",
		caveatFor(ps),
		"Zero lost on a level means zero in these runs under these faults, not a guarantee: the number of faults and their timing bound what was exercised.")
	s.blocks = append(s.blocks, block{kind: "list", items: items})
	return s, true
}

func formatCounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
