package plots

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// withFaults gives the ladder fixture's points a fault schedule and measured numbers: the low
// levels lose records, the idempotent one duplicates (a defect), all have a no-ack window.
func withFaults(t *testing.T) *stats.Run {
	run := readFixture(t, "ladder")
	for i, rp := range run.Points {
		r := rp.Result
		if r == nil {
			continue
		}
		r.Faults = &stats.FaultReport{Injector: "local", Healed: true}
		r.Availability = &stats.Availability{LongestNoAckSeconds: 9.5 - float64(i), AfterFault: []stats.FaultImpact{{Fault: "at=3s,action=kill,target=leader:0,for=10s", RecoverySeconds: 11, Recovered: true}}}
		r.Audit.Lost = int64(max(0, 2-i) * 100)
		if i == 3 {
			r.Audit.Duplicates, r.Audit.DuplicatesDefect = 7, true
		}
	}
	return run
}

func TestDurabilityCharts(t *testing.T) {
	if got := DurabilityCharts(readFixture(t, "ladder")); got != nil {
		t.Errorf("a run without faults has no durability charts, got %d", len(got))
	}
	charts := DurabilityCharts(withFaults(t))
	if len(charts) != 2 || charts[0].Name != ChartDurabilityLoss || charts[1].Name != ChartDurabilityAvailability {
		t.Fatalf("charts %+v", charts)
	}
	for _, c := range charts {
		var b bytes.Buffer
		if err := c.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		checkPNG(t, c.Name, b.Bytes())
	}
}

func TestReportMeasuredDurability(t *testing.T) {
	var b strings.Builder
	if err := WriteReport(&b, withFaults(t), ReportOptions{Format: FormatMarkdown, NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"## Measured durability",
		"| 200 |",                    // the lowest level's loss
		"7 (DEFECT: idempotence on)", // duplicates with idempotence flagged
		"page cache survives",        // what a process kill cannot test
		"not a guarantee",            // where the evidence ends
		"| 9.5 |",                    // unavailability of the first level
		"| 11.0 |",                   // its recovery time
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteReport(&b, readFixture(t, "ladder"), ReportOptions{Format: FormatMarkdown, NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "## Measured durability") || !strings.Contains(b.String(), "Durability was not tested") {
		t.Errorf("a run without faults must say durability was not tested, without a measured-durability section:\n%s", b.String())
	}
	charts := Charts(withFaults(t))
	found := 0
	for _, c := range charts {
		if c.Name == ChartDurabilityLoss || c.Name == ChartDurabilityAvailability {
			found++
		}
	}
	if found != 2 {
		t.Errorf("DrawAll's charts must include both durability charts for a run with faults, found %d", found)
	}
}
