package stats

import (
	"fmt"
	"math"
	"slices"
)

// LSOLag is the last-stable-offset lag of the topic a point's measuring consumers read, over
// the measured phase: per partition, the high watermark minus the last stable offset (LSO),
// that is the offsets already in the log that a read_committed consumer cannot read yet because
// a transaction holding them (or an earlier offset) is still open. Offsets, not records: a
// transaction's commit or abort marker takes one offset per partition too. kbench samples it
// every IntervalMs of the measured phase with two ListOffsets requests (read_uncommitted: the
// high watermark; then read_committed: the LSO); a transaction that ended between the two reads
// as 0, never as a negative lag. A read_uncommitted consumer does not wait for the LSO; a
// read_committed one waits about lag / (records per second of the partition).
type LSOLag struct {
	Topic      string `json:"topic"`
	Partitions int    `json:"partitions"`
	IntervalMs int    `json:"sample_interval_ms"` // time between samples
	// Samples counts the samples that answered for every partition; FailedSamples those that
	// did not (left out: a partial sample would read as a smaller lag).
	Samples       int `json:"samples"`
	FailedSamples int `json:"failed_samples,omitempty"`
	// Over every (sample, partition) value: the largest, the 50th and 99th percentile (nearest
	// rank) and the mean, in offsets.
	MaxOffsets  int64   `json:"max_offsets"`
	P50Offsets  int64   `json:"p50_offsets"`
	P99Offsets  int64   `json:"p99_offsets"`
	MeanOffsets float64 `json:"mean_offsets"`
	// MaxTotalOffsets is the largest sum over the partitions in one sample: what the whole
	// topic held back from read_committed readers at its worst second.
	MaxTotalOffsets int64 `json:"max_total_offsets"`
	// SeriesMaxOffsets is each sample's largest partition lag, in order (one per IntervalMs).
	SeriesMaxOffsets []int64 `json:"series_max_offsets"`
	// FirstError is why the first failed sample failed ("" when none did).
	FirstError string `json:"first_error,omitempty"`
}

// PartitionLSOLags is high watermark minus LSO per partition, never negative (a transaction
// that ended between the two requests moved the LSO past the high watermark read before it).
// Nil when the two lists do not have the same length (not a sample).
func PartitionLSOLags(highWatermarks, stable []int64) []int64 {
	if len(highWatermarks) != len(stable) {
		return nil
	}
	out := make([]int64, len(stable))
	for i := range stable {
		out[i] = max(0, highWatermarks[i]-stable[i])
	}
	return out
}

// SummarizeLSOLag folds the per-second samples (each the per-partition lags of one second)
// into the result's figures; nil when no sample answered and none failed (nothing was tried).
func SummarizeLSOLag(topic string, partitions int, samples [][]int64, failed int, firstErr string) *LSOLag {
	if len(samples) == 0 && failed == 0 {
		return nil
	}
	l := &LSOLag{Topic: topic, Partitions: partitions, Samples: len(samples), FailedSamples: failed, FirstError: firstErr,
		SeriesMaxOffsets: make([]int64, 0, len(samples))}
	var all []int64
	var sum int64
	for _, s := range samples {
		var peak, total int64
		for _, v := range s {
			peak, total = max(peak, v), total+v
		}
		l.SeriesMaxOffsets = append(l.SeriesMaxOffsets, peak)
		l.MaxTotalOffsets = max(l.MaxTotalOffsets, total)
		all = append(all, s...)
		sum += total
	}
	if len(all) == 0 {
		return l
	}
	slices.Sort(all)
	l.MaxOffsets = all[len(all)-1]
	l.P50Offsets = nearestRank(all, 0.50)
	l.P99Offsets = nearestRank(all, 0.99)
	l.MeanOffsets = float64(sum) / float64(len(all))
	return l
}

// nearestRank is the q-quantile of sorted values by the nearest-rank method.
func nearestRank(sorted []int64, q float64) int64 {
	i := int(math.Ceil(float64(len(sorted))*q)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// LSOLagSummary says the LSO lag in a few words ("" when it was not measured), e.g. "LSO lag
// max 97 p99 95 offsets (12 samples)".
func LSOLagSummary(l *LSOLag) string {
	if l == nil {
		return ""
	}
	if l.Samples == 0 {
		return fmt.Sprintf("LSO lag unknown (%d samples failed: %s)", l.FailedSamples, l.FirstError)
	}
	s := fmt.Sprintf("LSO lag max %d p99 %d p50 %d offsets per partition (%d samples", l.MaxOffsets, l.P99Offsets, l.P50Offsets, l.Samples)
	if l.FailedSamples > 0 {
		s += fmt.Sprintf(", %d failed", l.FailedSamples)
	}
	return s + ")"
}
