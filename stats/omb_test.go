package stats

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkGolden compares got with the golden file, or rewrites it under -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./stats -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./stats -update and review the diff)\n got:\n%s", golden, firstLines(got, 40))
	}
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func TestExportOMBGolden(t *testing.T) {
	run, err := ReadRun(filepath.Join("testdata", "run-partial"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ExportOMB(run, &buf); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "omb-run-partial.golden.json"), buf.Bytes())

	// What OMB's chart script reads, checked on the decoded document rather than the bytes.
	var docs []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2 (the failed point is skipped)", len(docs))
	}
	d := docs[0]
	for _, key := range []string{"workload", "driver", "messageSize", "topics", "partitions", "producersPerTopic",
		"consumersPerTopic", "publishRate", "consumeRate", "backlog", "publishLatencyAvg", "publishLatency50pct",
		"publishLatency75pct", "publishLatency95pct", "publishLatency99pct", "publishLatency999pct",
		"publishLatency9999pct", "publishLatencyMax", "aggregatedPublishLatencyAvg", "aggregatedPublishLatency50pct",
		"aggregatedPublishLatency75pct", "aggregatedPublishLatency95pct", "aggregatedPublishLatency99pct",
		"aggregatedPublishLatency999pct", "aggregatedPublishLatency9999pct", "aggregatedPublishLatencyMax",
		"aggregatedPublishLatencyQuantiles", "endToEndLatencyAvg", "endToEndLatency99pct", "endToEndLatencyMax",
		"aggregatedEndToEndLatency99pct", "aggregatedEndToEndLatencyQuantiles"} {
		if _, ok := d[key]; !ok {
			t.Errorf("OMB document lacks %q", key)
		}
	}
	if got := len(d["publishLatency99pct"].([]any)); got != 3 {
		t.Errorf("publishLatency99pct has %d intervals, want 3 (one per 10 s of the 30 s measured, from the .hlog)", got)
	}
	if d["driver"] != "Kafka acks=1" || d["messageSize"] != 1024.0 || d["partitions"] != 6.0 {
		t.Errorf("driver, messageSize, partitions = %v, %v, %v", d["driver"], d["messageSize"], d["partitions"])
	}
	q := d["aggregatedPublishLatencyQuantiles"].(map[string]any)
	if v, ok := q["50.0"]; !ok || v.(float64) != run.Points[0].Result.Metrics.ProduceLatency.P50Ms {
		t.Errorf(`quantile "50.0" = %v, want the point's p50 %v`, v, run.Points[0].Result.Metrics.ProduceLatency.P50Ms)
	}
}

func TestExportOMBFilesOnePerPoint(t *testing.T) {
	run, err := ReadRun(filepath.Join("testdata", "run-ok"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	paths, err := ExportOMBFiles(run, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("wrote %v, want 3 files", paths)
	}
	var doc OMBTestResult
	data, err := os.ReadFile(paths[2])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Driver != "Kafka acks=all idem" || len(doc.AggregatedEndToEndLatencyQuantiles) == 0 {
		t.Errorf("third file: driver %q, %d e2e quantiles", doc.Driver, len(doc.AggregatedEndToEndLatencyQuantiles))
	}
	if filepath.Base(paths[0]) != "20260301-100000-ok-acks-1.json" {
		t.Errorf("first file named %s", filepath.Base(paths[0]))
	}
}

// TestOMBWithoutIntervalLogHasNoLatencyArrays: without the per-second histograms a window's
// percentiles cannot be had (per-second p99s are never averaged), so the per-interval latency
// arrays are empty; the rates, from the series, are still there; a result without the send-delay
// histogram gives publish delay as unknown (null), never 0.
func TestOMBWithoutIntervalLogHasNoLatencyArrays(t *testing.T) {
	r := sampleResult("p", 1)
	o, err := OMBResult("w", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.PublishLatency99pct) != 0 || len(o.PublishLatencyAvg) != 0 || len(o.PublishDelayLatency99pct) != 0 {
		t.Errorf("p99 %v avg %v delay %v: want empty", o.PublishLatency99pct, o.PublishLatencyAvg, o.PublishDelayLatency99pct)
	}
	if len(o.PublishRate) != 1 {
		t.Errorf("publishRate %v: want one 10 s window", o.PublishRate)
	}
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"aggregatedPublishDelayLatency99pct":null`)) || !bytes.Contains(data, []byte(`"aggregatedPublishDelayLatencyQuantiles":{}`)) {
		t.Errorf("unknown publish delay not written as null and {}: %s", data)
	}
	run := &Run{Points: []RunPoint{{Entry: IndexPoint{ID: "p"}, Result: r}}}
	if notes := OMBNotes(run); len(notes) != 1 || !strings.Contains(notes[0], "publish delay is unknown") {
		t.Errorf("notes %q", notes)
	}
}

// TestOMBWindowsMergeHistograms: a 25 s point gives three windows (10 s, 10 s, 5 s). A window's
// p99 is the p99 of all its values (one slow second of ten: 100 ms), not the average of the
// per-second p99s (10.9 ms); its rate is the window's count over its own length; its backlog is
// the lag at its last second.
func TestOMBWindowsMergeHistograms(t *testing.T) {
	r := sampleResult("p", 1)
	r.Series = nil
	start := time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC)
	var intervals []Interval
	for sec := range 25 {
		rate := float64(1000 * (sec/10 + 1))
		r.Series = append(r.Series, Second{Offset: float64(sec), AckedPerSecond: rate, ConsumedPerSecond: rate,
			Errors: int64(sec % 2), ConsumerLag: int64(sec)})
		lat, delay := NewHistogram(), NewHistogram()
		for range 100 {
			d := time.Millisecond
			if sec == 9 {
				d = 100 * time.Millisecond
			}
			lat.Record(d)
			delay.Record(d / 4)
		}
		from := start.Add(time.Duration(sec) * time.Second)
		intervals = append(intervals, Interval{Tag: HistProduce, Start: from, End: from.Add(time.Second), Hist: lat},
			Interval{Tag: HistSendDelay, Start: from, End: from.Add(time.Second), Hist: delay})
	}
	r.Histograms[HistSendDelay] = r.Histograms[HistProduce]
	o, err := OMBResult("w", r, intervals)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{1000, 2000, 3000}; !slices.Equal(o.PublishRate, want) {
		t.Errorf("publishRate %v, want %v", o.PublishRate, want)
	}
	if want := []float64{0.5, 0.5, 0.4}; !slices.Equal(o.PublishErrorRate, want) {
		t.Errorf("publishErrorRate %v, want %v", o.PublishErrorRate, want)
	}
	if want := []int64{9, 19, 24}; !slices.Equal(o.Backlog, want) {
		t.Errorf("backlog %v, want %v", o.Backlog, want)
	}
	if len(o.PublishLatency99pct) != 3 || math.Abs(o.PublishLatency99pct[0]-100) > 0.1 || math.Abs(o.PublishLatency99pct[1]-1) > 0.01 {
		t.Errorf("publishLatency99pct %v, want [100 1 1] ms (merged, not averaged)", o.PublishLatency99pct)
	}
	if len(o.PublishDelayLatency99pct) != 3 || o.PublishDelayLatency99pct[0] != 25007 || o.PublishDelayLatency50pct[1] != 250 {
		t.Errorf("publishDelayLatency99pct %v 50pct %v, want whole µs [25007 ...] and 250 in the second window",
			o.PublishDelayLatency99pct, o.PublishDelayLatency50pct)
	}
}

// TestOMBClosedLoopDelayIsZero: a closed-loop point schedules nothing, so its publish delay is 0
// by definition (one 0 per acknowledged record), written as numbers, not unknown.
func TestOMBClosedLoopDelayIsZero(t *testing.T) {
	r := sampleResult("p", 1)
	r.Metrics.TargetRate, r.Point.Workload.Rate = 0, 0
	h := NewHistogram()
	h.Record(3 * time.Millisecond)
	start := time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC)
	o, err := OMBResult("w", r, []Interval{{Tag: HistProduce, Start: start, End: start.Add(time.Second), Hist: h}})
	if err != nil {
		t.Fatal(err)
	}
	if o.AggregatedPublishDelayLatency99pct == nil || *o.AggregatedPublishDelayLatency99pct != 0 ||
		o.AggregatedPublishDelayLatencyAvg == nil || len(o.AggregatedPublishDelayLatencyQuantiles) == 0 {
		t.Errorf("closed-loop aggregates: p99 %v avg %v, %d quantiles; want 0, 0 and quantiles",
			o.AggregatedPublishDelayLatency99pct, o.AggregatedPublishDelayLatencyAvg, len(o.AggregatedPublishDelayLatencyQuantiles))
	}
	if !slices.Equal(o.PublishDelayLatency99pct, []int64{0}) || !slices.Equal(o.PublishLatency99pct, []float64{3.001}) {
		t.Errorf("per-interval delay p99 %v, latency p99 %v; want [0] and [3.001]", o.PublishDelayLatency99pct, o.PublishLatency99pct)
	}
	if notes := OMBNotes(&Run{Points: []RunPoint{{Entry: IndexPoint{ID: "p"}, Result: r}}}); len(notes) != 0 {
		t.Errorf("notes %q, want none", notes)
	}
}
