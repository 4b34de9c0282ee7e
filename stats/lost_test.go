package stats

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

// incompleteRead is a verification read interrupted part-way: 41 % read, 58,102 acknowledged
// records not seen yet (the numbers).
func incompleteRead() *VerificationRead {
	return &VerificationRead{Stopped: "interrupted", Attempts: 1, RecordsRead: 40000, OffsetsRead: 41000, OffsetsToRead: 100000,
		AckedNotReadBack: 58102, Partitions: []PartitionRead{
			{Partition: 0, ReachedOffset: 50000, HighWatermark: 50000},
			{Partition: 1, ReachedOffset: 0, HighWatermark: 50000},
		}}
}

// TestUnknownLostIsNotANumber: an audit whose verification read did not complete shows its loss
// as unknown in the summary table, with how far the read got, never as 0 or as the records not
// read (analysis.TestUnknownLossIsNoPromiseKept checks its promise is neither broken nor kept).
func TestUnknownLostIsNotANumber(t *testing.T) {
	r := durable()
	r.Status = StatusIncomplete
	r.Audit = Audit{Sent: 100000, Acked: 99000, Consumed: 40000, VerificationRead: incompleteRead()}

	if n, ok := r.Audit.LostCount(); ok || r.Audit.NoneLost() || r.Audit.LostText() != "unknown" {
		t.Errorf("lost count %d known %v, text %q: want unknown", n, ok, r.Audit.LostText())
	}
	sum := r.Audit.ReadSummary()
	for _, want := range []string{"incomplete (interrupted)", "41 %", "40000 records read", "1 of 2 partitions", "loss unknown"} {
		if !strings.Contains(sum, want) {
			t.Errorf("read summary %q lacks %q", sum, want)
		}
	}
	var buf bytes.Buffer
	if err := WriteSummaryTable(&buf, []*Result{r}); err != nil {
		t.Fatal(err)
	}
	row := strings.Split(strings.TrimSpace(buf.String()), "\n")[1]
	if !strings.Contains(row, "unknown") || !strings.Contains(row, "verification read stopped at 41 %") || strings.Contains(row, "58102") {
		t.Errorf("summary row %q: want lost unknown and the read's progress, never the unread count", row)
	}
}

// TestResultV2RoundTripsUnknownLost: lost is written as null, not 0, and read back as unknown.
func TestResultV2RoundTripsUnknownLost(t *testing.T) {
	dir := t.TempDir()
	r := durable()
	r.Point.ID = "p"
	r.Audit = Audit{Sent: 10, Acked: 10, Consumed: 4, VerificationRead: incompleteRead()}
	if err := WriteResult(dir, r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, PointFile("p"))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"lost": null`)) {
		t.Errorf("result file does not write lost as null:\n%s", data)
	}
	back, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := back.Audit.LostCount(); ok || back.Audit.VerificationRead == nil || back.Audit.VerificationRead.AckedNotReadBack != 58102 {
		t.Errorf("read back audit %+v: want lost unknown and the read's progress", back.Audit)
	}
}

// TestReadV1Results: format 1 files stay readable. Their lost count is kept where the
// verification read completed and becomes unknown where it did not (version 1 counted the unread
// records as lost) or was skipped (version 1 wrote zeros).
func TestReadV1Results(t *testing.T) {
	cases := []struct {
		name, audit, status string
		sent                int
		wantLost            int64
		wantKnown           bool
	}{
		{"complete read", `{"sent": 10, "acked": 10, "consumed": 7, "lost": 3, "drain_timed_out": false}`, "ok", 10, 3, true},
		{"read timed out", `{"sent": 100, "acked": 100, "consumed": 40, "lost": 60, "drain_timed_out": true}`, "incomplete", 100, 0, false},
		{"read skipped after Ctrl-C", `{"sent": 0, "acked": 0, "lost": 0}`, "incomplete", 500, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.json")
			doc := `{"format_version": 1, "point": {"id": "p"}, "status": "` + c.status + `", "metrics": {"sent": {"records": ` +
				strconv.Itoa(c.sent) + `}}, "audit": ` + c.audit + `}`
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := ReadResult(path)
			if err != nil {
				t.Fatal(err)
			}
			lost, known := r.Audit.LostCount()
			if known != c.wantKnown || lost != c.wantLost {
				t.Errorf("lost %d known %v, want %d known %v", lost, known, c.wantLost, c.wantKnown)
			}
			if r.Audit.VerificationRead == nil || r.Audit.VerificationRead.Complete != c.wantKnown {
				t.Errorf("verification read %+v, want complete=%v", r.Audit.VerificationRead, c.wantKnown)
			}
		})
	}
}

// durable is a point whose settings promise no loss and no duplicates.
func durable() *Result {
	return &Result{Status: StatusOK, Point: profilesPoint("durable"), Effective: EffectiveSettings{
		ProducerConfig:    map[string]string{"acks": "all", "enable.idempotence": "true"},
		TopicConfig:       map[string]string{"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
		ReplicationFactor: 3,
	}}
}

func profilesPoint(id string) profiles.Point { return profiles.Point{ID: id, Label: id} }
