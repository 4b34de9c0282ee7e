package stats

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

func TestSummaryTableGolden(t *testing.T) {
	var results []*Result
	for _, dir := range []string{"run-ok", "run-partial"} {
		run, err := ReadRun(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, run.Results()...)
	}
	// An acks=0 point: its "latency" is only enqueue-to-socket and must say so.
	acks0 := profiles.AcksNone
	r0 := *results[0]
	r0.Point.Label, r0.Point.Settings.Acks = "acks=0", &acks0
	r0.Metrics.ProduceLatencyKind = ""
	results = append([]*Result{&r0}, results...)

	var buf bytes.Buffer
	if err := WriteSummaryTable(&buf, results); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "summary-table.golden"), buf.Bytes())

	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 1+len(results) {
		t.Fatalf("%d lines, want a header and %d rows", len(lines), len(results))
	}
	if !strings.Contains(lines[1], "enqueue-to-socket") || strings.Contains(lines[2], "enqueue-to-socket") {
		t.Errorf("acks=0 row must say enqueue-to-socket, the acks=1 row must not:\n%s\n%s", lines[1], lines[2])
	}
	if !strings.Contains(lines[len(lines)-1], "failed") {
		t.Errorf("last row is the failed point and must say so: %s", lines[len(lines)-1])
	}
	for _, l := range lines[1:] {
		if len(l) != len(lines[0]) {
			t.Errorf("row not aligned with the header:\n%s\n%s", lines[0], l)
		}
	}
}

// TestSummaryTableBacklog: a backlog point gets a line with its catch-up rate under the table
// (the table's columns are the producers'), and says when the read was incomplete.
func TestSummaryTableBacklog(t *testing.T) {
	run, err := ReadRun(filepath.Join("testdata", "run-ok"))
	if err != nil {
		t.Fatal(err)
	}
	r := *run.Results()[0]
	r.Point.Label, r.Point.Workload.Consumers = "backlog point", 2
	r.Metrics.Backlog = &BacklogRead{Records: 3000000, Bytes: 300000000, JoinSeconds: 0.25, ReadSeconds: 2.5, CPUSeconds: 4.5, Complete: false}
	r.Metrics.Consumed = Throughput{Records: 3000000, Bytes: 300000000, RecordsPerSecond: 1200000, MBPerSecond: 114.44}
	var buf bytes.Buffer
	if err := WriteSummaryTable(&buf, []*Result{run.Results()[0], &r}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	want := "backlog point: backlog read by 2 consumer(s): 3000000 records at 1200000 records/s (114.44 MB/s) in 2.50 s after a 0.25 s group join; process CPU 1.50 s per million records; INCOMPLETE: not every acknowledged record was read"
	if len(lines) != 4 || lines[3] != want {
		t.Errorf("last line\n got %q\nwant %q (lines: %d)", lines[len(lines)-1], want, len(lines))
	}
}
