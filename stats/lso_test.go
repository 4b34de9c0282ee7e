package stats

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestPartitionLSOLags: the lag is high watermark minus LSO per partition; a transaction that
// ended between the two requests (LSO read after it moved past the earlier high watermark) is
// no lag, never a negative one; lists of different lengths are no sample.
func TestPartitionLSOLags(t *testing.T) {
	if got := PartitionLSOLags([]int64{100, 50, 7}, []int64{60, 55, 7}); !slices.Equal(got, []int64{40, 0, 0}) {
		t.Errorf("lags %v, want [40 0 0]", got)
	}
	if got := PartitionLSOLags([]int64{1, 2}, []int64{1}); got != nil {
		t.Errorf("mismatched lists gave %v", got)
	}
}

// TestSummarizeLSOLag: max, nearest-rank percentiles and mean over every (sample, partition)
// value, the worst topic-wide sum, one series value per sample; nothing tried is nil, while
// samples that all failed are a known unknown, never a lag of 0.
func TestSummarizeLSOLag(t *testing.T) {
	var samples [][]int64
	for i := range 100 { // 2 partitions x 100 samples: partition 0 lags i, partition 1 nothing
		samples = append(samples, []int64{int64(i), 0})
	}
	l := SummarizeLSOLag("topic", 2, samples, 0, "")
	if l.Samples != 100 || l.MaxOffsets != 99 || l.MaxTotalOffsets != 99 || len(l.SeriesMaxOffsets) != 100 || l.SeriesMaxOffsets[42] != 42 {
		t.Errorf("summary %+v", *l)
	}
	// 200 values sorted: 101 zeros (partition 1's and partition 0's first), then 1..99. Rank
	// ceil(0.5*200)=100 is a zero; rank ceil(0.99*200)=198 is 97; the mean is 4950/200.
	if l.P50Offsets != 0 || l.P99Offsets != 97 || l.MeanOffsets != 24.75 {
		t.Errorf("p50 %d p99 %d mean %v, want 0 97 24.75", l.P50Offsets, l.P99Offsets, l.MeanOffsets)
	}
	if SummarizeLSOLag("topic", 2, nil, 0, "") != nil {
		t.Error("no sample tried is not a measurement")
	}
	failed := SummarizeLSOLag("topic", 2, nil, 3, "list offsets: timed out")
	if failed == nil || failed.Samples != 0 || !strings.Contains(LSOLagSummary(failed), "unknown (3 samples failed: list offsets: timed out)") {
		t.Errorf("all samples failed: %+v %q", failed, LSOLagSummary(failed))
	}
	if LSOLagSummary(nil) != "" {
		t.Error("not measured must say nothing")
	}
}

// TestLSOLagOptional: a result without the LSO lag writes no such field, and a file written
// before kbench measured it (with the never-set placeholder absent) reads with nil.
func TestLSOLagOptional(t *testing.T) {
	data, err := json.Marshal(&Result{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "last_stable_offset") {
		t.Errorf("unmeasured LSO lag written: %s", data)
	}
	var r Result
	if err := json.Unmarshal([]byte(`{"metrics":{"transactions":{"committed":3}}}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Metrics.LastStableOffsetLag != nil || r.Metrics.Transactions.Committed != 3 {
		t.Errorf("old file read as %+v", r.Metrics)
	}
}
