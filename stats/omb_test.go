package stats

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if got := len(d["publishLatency99pct"].([]any)); got != 30 {
		t.Errorf("publishLatency99pct has %d intervals, want 30 (one per second, from the .hlog)", got)
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

func TestOMBWithoutIntervalLogFallsBackToSeries(t *testing.T) {
	r := sampleResult("p", 1)
	o, err := OMBResult("w", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.PublishLatency99pct) != 1 || o.PublishLatency99pct[0] != 9.9 || len(o.PublishLatencyAvg) != 0 {
		t.Errorf("p99 %v avg %v: want the series' p99 and no averages", o.PublishLatency99pct, o.PublishLatencyAvg)
	}
}
