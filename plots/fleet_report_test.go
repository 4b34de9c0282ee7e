package plots

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// TestReportLabelsEndToEndAcrossWorkers: an end-to-end figure measured across kbench workers
// (offset-corrected send times) is never shown without its clock uncertainty.
func TestReportLabelsEndToEndAcrossWorkers(t *testing.T) {
	run := readFixture(t, "linger-sweep")
	m := &run.Points[0].Result.Metrics
	m.EndToEndLatency = stats.LatencySummary{Count: 900, P50Ms: 4.2, P99Ms: 12.3, P999Ms: 14, MaxMs: 15}
	m.ConsumerBehind, m.ConsumerLag = false, nil
	m.EndToEndClock = &stats.EndToEndClock{Method: stats.EndToEndClockCorrected, UncertaintyMs: 9}
	text := reportText(t, run)
	if !strings.Contains(text, "12.3 ± 9.0 ms clock") || !strings.Contains(text, "4.20 ± 9.0 ms clock") {
		t.Fatalf("report shows the end-to-end figure without its clock label:\n%s", text)
	}
}
