package plots

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/stats"
)

// slowed scales one point's throughput and latency, as a slower cluster would.
func slowed(t *testing.T, name, id string, tpFactor, latFactor float64) *stats.Run {
	t.Helper()
	run := readFixture(t, name)
	for _, p := range run.Points {
		if r := p.Result; r != nil && r.Point.ID == id {
			r.Metrics.Acked.RecordsPerSecond *= tpFactor
			r.Metrics.ProduceLatency.P50Ms *= latFactor
			r.Metrics.ProduceLatency.P99Ms *= latFactor
			for i := range r.Series {
				r.Series[i].AckedPerSecond *= tpFactor
				r.Series[i].ProduceP99Ms *= latFactor
			}
		}
	}
	return run
}

// TestWriteComparisonVerdict: a 20 % slower point is named in the verdict line.
func TestWriteComparisonVerdict(t *testing.T) {
	c := analysis.Compare(readFixture(t, "ladder"), slowed(t, "ladder", "acks-all", 0.8, 1.3))
	var buf bytes.Buffer
	if err := WriteComparison(&buf, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Significant regression in B at 1 point(s): acks-all") {
		t.Errorf("verdict missing:\n%s", buf.String())
	}
}

// TestWriteComparisonCrossWorkload: a comparison of differing workloads accepted with
// --cross-workload is labelled as one.
func TestWriteComparisonCrossWorkload(t *testing.T) {
	big := readFixture(t, "ladder")
	for _, p := range big.Points {
		if p.Result != nil {
			p.Result.Point.Workload.MessageSizeMin, p.Result.Point.Workload.MessageSizeMax = 10240, 10240
		}
	}
	c := analysis.Compare(readFixture(t, "ladder"), big)
	if err := c.Check(true); err != nil {
		t.Fatalf("Check(cross-workload) = %v", err)
	}
	c.CrossWorkload = true
	var buf bytes.Buffer
	if err := WriteComparison(&buf, c); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "CROSS-WORKLOAD COMPARISON") || !strings.Contains(out, "(cross-workload comparison: the workloads differ)") {
		t.Errorf("output not labelled as a cross-workload comparison:\n%s", out)
	}
}
