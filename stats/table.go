package stats

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kbench/kbench/profiles"
)

// Produce latency kinds, the values of Metrics.ProduceLatencyKind.
const (
	LatencySendToAck       = "send-to-ack"
	LatencyEnqueueToSocket = "enqueue-to-socket (acks=0)"
)

// WriteSummaryTable writes one aligned row per point, after its label, level and client library
// (Result.ClientSummary), with the numbers kafka-producer-perf-test
// prints at the end (records sent, records/sec, MB/sec, produce latency avg, max, p50, p95, p99,
// p99.9 in ms), then end-to-end p99, the audit's lost and duplicate counts, and the status. Rates
// are of acknowledged records (perf-test counts completed sends); MB = BytesPerMB bytes. Produce
// latency at acks=0 is only enqueue-to-socket and its row says so in the "latency" column.
func WriteSummaryTable(w io.Writer, results []*Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "point\tlevel\tclient\trecords sent\trecords/sec\tMB/sec\tavg ms\tmax ms\tp50 ms\tp95 ms\tp99 ms\tp99.9 ms\te2e p99 ms\tlost\tduplicates\tstatus\tproduce latency\t")
	for _, r := range results {
		if r == nil {
			continue
		}
		m := r.Metrics
		pl := m.ProduceLatency
		label := r.Point.Label
		if label == "" {
			label = r.Point.ID
		}
		if rep := r.Repetition; rep != nil {
			label += fmt.Sprintf(" #%d/%d", rep.Number, rep.Of)
		}
		status := string(r.Status)
		if v := r.Audit.VerificationRead; v != nil && !v.Complete {
			status += fmt.Sprintf(" (verification read stopped at %.0f %%: lost unknown)", math.Floor(v.Percent()))
		}
		cells := []string{
			cleanCell(label),
			cleanCell(r.Point.Level.Name),
			cleanCell(r.ClientSummary()),
			strconv.FormatInt(m.Sent.Records, 10),
			fmt.Sprintf("%.1f", m.Acked.RecordsPerSecond),
			fmt.Sprintf("%.2f", m.Acked.MBPerSecond),
			msCell(pl, pl.MeanMs),
			msCell(pl, pl.MaxMs),
			msCell(pl, pl.P50Ms),
			msCell(pl, pl.P95Ms),
			msCell(pl, pl.P99Ms),
			msCell(pl, pl.P999Ms),
			EndToEndCell(&m, m.EndToEndLatency.P99Ms),
			r.Audit.LostText(),
			strconv.FormatInt(r.Audit.Duplicates, 10),
			cleanCell(status),
			latencyKind(r),
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write summary table: %w", err)
	}
	for _, r := range results {
		if line := TxnSummary(r); line != "" {
			if _, err := fmt.Fprintf(w, "%s: %s\n", cleanCell(r.Point.Label), line); err != nil {
				return fmt.Errorf("write summary table: %w", err)
			}
		}
		if line := CopySummary(r); line != "" {
			if _, err := fmt.Fprintf(w, "%s: %s\n", cleanCell(r.Point.Label), line); err != nil {
				return fmt.Errorf("write summary table: %w", err)
			}
		}
		if line := ExactlyOnceFaults(r); line != "" {
			if _, err := fmt.Fprintf(w, "%s: %s\n", cleanCell(r.Point.Label), line); err != nil {
				return fmt.Errorf("write summary table: %w", err)
			}
		}
	}
	for _, r := range results {
		if r == nil || r.Metrics.Backlog == nil {
			continue
		}
		label := r.Point.Label
		if label == "" {
			label = r.Point.ID
		}
		if _, err := fmt.Fprintf(w, "%s: %s\n", cleanCell(label), BacklogSummary(r)); err != nil {
			return fmt.Errorf("write summary table: %w", err)
		}
	}
	return nil
}

// BacklogSummary says in one line how a consume.mode backlog point's consumers caught up: the
// figure the table's producer columns cannot show.
func BacklogSummary(r *Result) string {
	b, m := r.Metrics.Backlog, r.Metrics
	line := fmt.Sprintf("backlog read by %d consumer(s): %d records at %.0f records/s (%.2f MB/s) in %.2f s after a %.2f s group join",
		r.Point.Workload.Consumers, b.Records, m.Consumed.RecordsPerSecond, m.Consumed.MBPerSecond, b.ReadSeconds, b.JoinSeconds)
	if b.Records > 0 {
		line += fmt.Sprintf("; process CPU %.2f s per million records", b.CPUSeconds/float64(b.Records)*1e6)
	}
	if !b.Complete {
		line += "; INCOMPLETE: not every acknowledged record was read"
	}
	return line
}

// msCell formats a latency in ms, or "-" when the distribution is empty.
func msCell(s LatencySummary, v float64) string {
	if s.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

// latencyKind names what the produce latency measured.
func latencyKind(r *Result) string {
	k := r.Metrics.ProduceLatencyKind
	switch {
	case r.Metrics.ProduceLatency.Count == 0 && k == "":
		return "-"
	case r.EnqueueToSocket():
		return "enqueue-to-socket"
	case k == "":
		k = LatencySendToAck
	}
	if r.AtMaxRate() {
		k += ", " + QueueingAtMaxRate
	}
	return cleanCell(k)
}

// EnqueueToSocket says whether this result's produce latency is only enqueue-to-socket time
// (acks=0: nothing acknowledged, not comparable with other levels). It reads the runner's
// recorded decision (Metrics.ProduceLatencyKind, from profiles.EnqueueToSocket); a file that
// predates the record is judged by its point's producer config, by the same function.
func (r *Result) EnqueueToSocket() bool {
	if r == nil {
		return false
	}
	if k := r.Metrics.ProduceLatencyKind; k != "" {
		return k == LatencyEnqueueToSocket
	}
	return profiles.EnqueueToSocket(r.Point.ProducerConfig())
}

// cleanCell keeps a user-supplied string from breaking the table's columns.
func cleanCell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
