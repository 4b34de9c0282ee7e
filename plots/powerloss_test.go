package plots

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// withPowerLosses gives the ladder fixture's points two all-broker power losses each (the last
// point: one broker), with the bytes the disks dropped and records lost going down the levels;
// the first point is the baseline "defaults". The second point's bytes are unknown (a remote
// cluster's command).
func withPowerLosses(t *testing.T) *stats.Run {
	run := readFixture(t, "ladder")
	run.Index.Environment.BrokerStorage = "power-loss filesystem (simulated)"
	n := len(run.Points)
	for i := range run.Points {
		rp := &run.Points[i]
		r := rp.Result
		if r == nil {
			continue
		}
		if i == 0 {
			rp.Entry.ID, r.Point.ID = "defaults", "defaults"
		}
		r.Environment.Brokers = 3
		ids := []int{1, 2, 3}
		if i == n-1 {
			ids = []int{1}
		}
		drop, seg := map[string]int64{}, map[string]int64{}
		for _, id := range ids {
			drop[string(rune('0'+id))] = int64(1000 * (n - i))
			seg[string(rune('0'+id))] = int64(400 * (n - i))
		}
		if i == 1 {
			drop, seg = nil, nil
		}
		ev := func() stats.FaultEvent {
			return stats.FaultEvent{Step: "inject", Operation: "power-loss", NodeID: -1, NodeIDs: ids, UnsyncedBytesDropped: drop, UnsyncedSegmentBytesDropped: seg}
		}
		r.Faults = &stats.FaultReport{Injector: "local", Healed: true, Events: []stats.FaultEvent{ev(), {Step: "heal", Operation: "start"}, ev(),
			{Step: "inject", Operation: "power-loss", Error: "broker 2 is already down"}}}
		r.Audit.Lost = new(int64(max(0, 2-i) * 300))
		r.FsyncProbe = &stats.FsyncProbe{FdatasyncPerSecond: 812}
	}
	return run
}

// costRun is the ladder fixture as a flush-sweep at rate max: each level 20 % slower than the
// one before, the first the baseline.
func costRun(t *testing.T) *stats.Run {
	run := readFixture(t, "ladder")
	run.Index.RunID = "cost-run"
	for i := range run.Points {
		rp := &run.Points[i]
		if rp.Result == nil {
			continue
		}
		if i == 0 {
			rp.Entry.ID, rp.Result.Point.ID = "defaults", "defaults"
		}
		rp.Result.Metrics.Acked.RecordsPerSecond = 10000 * (1 - 0.2*float64(i))
	}
	return run
}

func TestPowerLossOf(t *testing.T) {
	run := withPowerLosses(t)
	pl, ok := powerLossOf(run.Points[0].Result)
	if !ok || pl.losses != 2 || !pl.all || pl.brokers != 3 || pl.lost != 600 || pl.perLoss() != 300 || pl.bytes != 2*3*1000*int64(len(run.Points)) ||
		pl.segment != 2*3*400*int64(len(run.Points)) {
		t.Errorf("first point: %+v (the failed injection must not count)", pl)
	}
	if pl, _ := powerLossOf(run.Points[1].Result); pl.bytes != -1 || pl.segment != -1 || perLossText(pl.bytesPerLoss(), "%.0f") != "unknown" {
		t.Errorf("bytes not recorded must be unknown, not zero: %+v", pl)
	}
	last := run.Points[len(run.Points)-1].Result
	if pl, _ := powerLossOf(last); pl.all || pl.scope() != "1 broker" {
		t.Errorf("single-broker point: %+v", pl)
	}
	last.Audit.Lost = nil
	if pl, _ := powerLossOf(last); perLossText(pl.perLoss(), "%.1f") != "unknown" {
		t.Errorf("an unknown loss must read unknown, got %v", pl.perLoss())
	}
	if _, ok := powerLossOf(readFixture(t, "ladder").Points[0].Result); ok {
		t.Error("a point without power losses")
	}
}

func TestPowerLossCharts(t *testing.T) {
	if got := PowerLossCharts(readFixture(t, "ladder"), nil); got != nil {
		t.Errorf("a run without power losses has no power-loss charts, got %d", len(got))
	}
	charts := PowerLossCharts(withPowerLosses(t), nil)
	if len(charts) != 1 || charts[0].Name != ChartPowerLoss {
		t.Fatalf("without a cost run: charts %+v, want the loss chart alone", charts)
	}
	charts = PowerLossCharts(withPowerLosses(t), costRun(t))
	if len(charts) != 2 || charts[1].Name != ChartPowerLossTradeoff {
		t.Fatalf("with a cost run: charts %+v", charts)
	}
	for _, c := range charts {
		var b bytes.Buffer
		if err := c.WritePNG(&b); err != nil {
			t.Fatal(err)
		}
		checkPNG(t, c.Name, b.Bytes())
	}
}

func TestReportPowerLoss(t *testing.T) {
	var b strings.Builder
	if err := WriteReport(&b, withPowerLosses(t), ReportOptions{Format: FormatMarkdown, NoCharts: true, CostFrom: costRun(t)}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"## Power loss: what flush settings buy",
		"300.0 acknowledged records lost per all-broker power loss (", // the first level's sentence
		"unsynced bytes at the crash in log segments, ",               // the first level's bytes
		"in all files), over 2 power losses; throughput cost 0.0 %",   // next to its cost
		"throughput cost 20.0 %",                                      // the second level against the baseline
		"unsynced bytes at the crash not known",                       // a remote cluster's bytes
		"per power loss of 1 broker",                                  // the single-broker point
		"| 812 |",                                                     // the fsync probe
		"disk write cache",                                            // what was not simulated
		"torn writes",
		"measured on the simulated filesystem",
		"Throughput cost from run cost-run",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "page cache survives") {
		t.Error("a power-loss run must not carry the process-kill caveat")
	}
	b.Reset()
	if err := WriteReport(&b, withPowerLosses(t), ReportOptions{Format: FormatMarkdown, NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "not measured in this run") || !strings.Contains(b.String(), "--cost-from") {
		t.Errorf("without a cost run the report must say the cost was not measured and how to get it:\n%s", b.String())
	}
}
