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
		r.Audit.Lost = new(int64(max(0, 2-i) * 100))
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

// TestDurabilityUnknownLoss: a level whose verification read was interrupted shows its loss as
// unknown in the measured-durability table and the loss chart (a label, no bar), never as 0 or as
// the records it had not read yet, and is not recommended as having lost nothing.
func TestDurabilityUnknownLoss(t *testing.T) {
	run := withFaults(t)
	for _, rp := range run.Points {
		if r := rp.Result; r != nil && r.Point.ID == "acks-all_idem_isr-2_unclean-off" {
			r.Status = stats.StatusIncomplete
			r.Audit.Lost = nil
			r.Audit.VerificationRead = &stats.VerificationRead{Stopped: "interrupted", Attempts: 1, RecordsRead: 41000,
				OffsetsRead: 41000, OffsetsToRead: 100000, AckedNotReadBack: 58102}
		}
	}
	var b strings.Builder
	if err := WriteReport(&b, run, ReportOptions{Format: FormatMarkdown, NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "| + min ISR 2 (RF 3) | ") || strings.Contains(out, "58102") {
		t.Fatalf("report shows the unread count or lacks the level:\n%s", out)
	}
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| + min ISR 2 (RF 3) |") && strings.Count(l, "|") == 10 { // the measured-durability table, 9 columns
			row = l
		}
	}
	if !strings.Contains(row, "| unknown |") {
		t.Errorf("measured-durability row %q: want lost unknown", row)
	}
	if !strings.Contains(out, "incomplete (interrupted) at 41 %: 41000 records read; loss unknown") {
		t.Errorf("report does not say how far the read got:\n%s", out)
	}
	for _, c := range DurabilityCharts(run) {
		var png bytes.Buffer
		if err := c.WritePNG(&png); err != nil {
			t.Fatal(err)
		}
		checkPNG(t, c.Name, png.Bytes())
	}
}
