package plots

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// TestReportGolden pins the report's tables, recommendation and "what was tested" text for each
// fixture run (go test ./plots -run TestReportGolden -update rewrites them).
func TestReportGolden(t *testing.T) {
	for _, name := range []string{"ladder", "ladder-partial", "linger-sweep", "ladder-repeated"} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReport(&buf, readFixture(t, name), ReportOptions{Format: FormatMarkdown, ChartDir: "charts"}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".md")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("report differs from %s (run with -update and review the diff):\n%s", golden, buf.String())
			}
		})
	}
}

// TestReportSaysWhatHappened checks the statements a reader relies on, independent of wording
// elsewhere in the golden files.
func TestReportSaysWhatHappened(t *testing.T) {
	cases := []struct {
		run  string
		want []string
		not  []string
	}{
		{"ladder", []string{
			"acks=all + idempotence costs 32.7 % throughput",
			"against acks=1",
			"Recommendation: + min ISR 2 (RF 3), the configuration the durability guides recommend",
			"No fault was injected",
			"Forcing fsync (+ flush.messages=1)",
			"enqueue to socket (acks=0)",
		}, []string{"Points not measured"}},
		{"ladder-partial", []string{
			"## Points not measured or incomplete",
			"acks=all + idempotence (acks-all_idem) failed: create topic",
			"+ flush.messages=1 (acks-all_idem_isr-2_unclean-off_flush-1) is incomplete",
			"| 4 | acks=all + idempotence | acks-all_idem | failed | - |",
			"| + flush.messages=1 | 215398 | 215398 | 0 | 0 | unknown |",
			"Its lost count is unknown (neither zero nor the records left unread)",
		}, []string{"Forcing fsync"}}, // the incomplete flush point is not used for advice
		{"ladder-repeated", []string{ // 3 repetitions, 5 % noise; acks=all and idempotence 2 % apart
			"Each level was measured 3 times",
			"acks=all + idempotence against acks=all: throughput not distinguishable (round by round -7.9 % [-20.6, +6.9 %]); produce p99 not distinguishable (round by round",
			"acks=all against acks=1: throughput -28.7 % [-37.2, -19.0 %] round by round (median 101.4 vs 144.1 MB/s)",
			"| acks=1 | acks=1 | 144.1 [",
			"The order came from seed 1 (`--seed 1` runs it again)",
			"| + flush.messages=1 | 3 | 3 | 4 |", // repetition 3 ran last in round 3
		}, nil},
		{"linger-sweep", []string{
			"All complete points share one durability level (acks=all)",
			"Recommendation within this level: linger=0",
			"capped by the target rate",
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.run, func(t *testing.T) {
			s := reportText(t, readFixture(t, c.run))
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(s, w) {
					t.Errorf("report says %q", w)
				}
			}
		})
	}
}

// TestReportWithMissingPoint: a result file that vanished is reported, not fatal.
func TestReportWithMissingPoint(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "ladder"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(stats.PointFile("acks-1")))); err != nil {
		t.Fatal(err)
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := reportText(t, run)
	if !strings.Contains(s, "acks=1 (acks-1): result file missing: "+filepath.Join(dir, "points", "acks-1.json")+": missing") {
		t.Errorf("missing point not reported:\n%s", s)
	}
	// The baseline moves to the next acknowledged level.
	if !strings.Contains(s, "against acks=all") {
		t.Errorf("baseline did not move to acks=all")
	}
}

// TestHTMLReportIsSelfContained: one file, charts inline, no reference to anything outside it.
func TestHTMLReportIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteReport(&buf, readFixture(t, "ladder-partial"), ReportOptions{Format: FormatHTML}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if n := strings.Count(s, `src="data:image/png;base64,`); n < 5 {
		t.Errorf("%d inline charts, want at least 5", n)
	}
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(?:https?:|//|/|\.)|@import|url\(`)
	if m := external.FindString(s); m != "" {
		t.Errorf("HTML report refers outside itself: %q", m)
	}
	if !strings.Contains(s, "<style>") || !strings.HasPrefix(s, "<!DOCTYPE html>") {
		t.Error("not a styled HTML document")
	}
}

func TestReportUnknownFormat(t *testing.T) {
	if err := WriteReport(&bytes.Buffer{}, readFixture(t, "ladder"), ReportOptions{Format: "pdf"}); err == nil {
		t.Error("format pdf accepted")
	}
}

// TestReportUnderFaults: with a kill in every point and loss at the weaker levels, the
// recommendation is the fastest level that came through clean, and the report says that a kill
// cannot exercise flush settings.
func TestReportUnderFaults(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "ladder"))); err != nil {
		t.Fatal(err)
	}
	damage := map[string]stats.Audit{
		"acks-0":   {Lost: new(int64(5120))},
		"acks-1":   {Lost: new(int64(214))},
		"acks-all": {Duplicates: 96, OutOfOrder: 2},
	}
	for _, id := range []string{"acks-0", "acks-1", "acks-all", "acks-all_idem", "acks-all_idem_isr-2_unclean-off", "acks-all_idem_isr-2_unclean-off_flush-1"} {
		path := filepath.Join(dir, filepath.FromSlash(stats.PointFile(id)))
		r, err := stats.ReadResult(path)
		if err != nil {
			t.Fatal(err)
		}
		r.Faults = &stats.FaultReport{Injector: "local", Healed: true, Events: []stats.FaultEvent{
			{Fault: "kill:leader@15s", Step: "inject", Operation: "kill", NodeRole: "broker", NodeID: 2, StartOffsetSeconds: 15},
			{Fault: "kill:leader@15s", Step: "heal", Operation: "start", NodeRole: "broker", NodeID: 2, StartOffsetSeconds: 45},
		}}
		d := damage[id]
		if d.Lost == nil {
			d.Lost = new(int64(0))
		}
		r.Audit.Lost, r.Audit.Duplicates, r.Audit.OutOfOrder = d.Lost, d.Duplicates, d.OutOfOrder
		if err := stats.WriteResult(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := reportText(t, run)
	for _, want := range []string{
		"Faults injected: kill:leader@15s at 15 s.",
		"acks=1 (lost 214, duplicates 0, out of order 0); acks=all (lost 0, duplicates 96, out of order 2)",
		"Recommendation: acks=all + idempotence, the fastest level that lost, duplicated and reordered nothing under the injected faults",
		"A process kill keeps the operating system's page cache",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(s, "No fault was injected") {
		t.Error("report says no fault was injected")
	}
}

// TestReportBacklogPoint: a consume.mode backlog point's catch-up rate reaches the report, with
// the reason it has no end-to-end latency.
func TestReportBacklogPoint(t *testing.T) {
	run := readFixture(t, "linger-sweep")
	r := run.Points[0].Result
	r.Point.Workload.Consumers = 1
	r.Metrics.Backlog = &stats.BacklogRead{Records: 2000000, Bytes: 200000000, JoinSeconds: 0.2, ReadSeconds: 2, CPUSeconds: 3, Complete: true}
	r.Metrics.Consumed = stats.Throughput{Records: 2000000, RecordsPerSecond: 1000000, MBPerSecond: 95.37}
	want := "backlog read by 1 consumer(s): 2000000 records at 1000000 records/s (95.37 MB/s) in 2.00 s after a 0.20 s group join; process CPU 1.50 s per million records (consume.mode backlog: the consumers started after the producers; no end-to-end latency)"
	if !strings.Contains(reportText(t, run), want) {
		t.Errorf("report lacks %q", want)
	}
}

// reportText is run's markdown report without charts.
func reportText(t *testing.T, run *stats.Run) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteReport(&buf, run, ReportOptions{NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestReportExactlyOnceFaults: a transactional point whose brokers all lost power gets the
// "Exactly-once under faults" section naming the fault and the audit's classification; a run
// without exactly-once points has no such section.
func TestReportExactlyOnceFaults(t *testing.T) {
	run := readFixture(t, "ladder")
	if strings.Contains(reportText(t, run), "Exactly-once under faults") {
		t.Fatal("a run without transactions has an exactly-once section")
	}
	r := run.Points[len(run.Points)-1].Result
	r.Audit.Lost = new(int64(3181))
	r.Audit.Transactions = &stats.TxnAudit{Committed: 23, Aborted: 6, RecordsCommitted: 8140, RecordsAborted: 860, ReadIsolation: "read_committed"}
	r.Faults = &stats.FaultReport{Events: []stats.FaultEvent{{Fault: "at=3s,action=power-loss,target=all,for=2s", Step: "inject", Operation: "power-loss",
		NodeRole: "broker", NodeID: -1, NodeIDs: []int{1, 2, 3}, StartOffsetSeconds: 3.0, UnsyncedBytesDropped: map[string]int64{"1": 1e6}}}}
	s := reportText(t, run)
	for _, want := range []string{"## Exactly-once under faults", "power loss of brokers 1,2,3 together at 3.0 s for 2s",
		"8140 records of 23 committed transactions, not read back: 3181", "a measurement of what flush settings buy"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
