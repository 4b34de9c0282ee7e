package stats

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
)

// sampleResult is a small but fully populated result.
func sampleResult(id string, rank int) *Result {
	acks := profiles.AcksAll
	idem := true
	h := NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * 10 * time.Microsecond)
	}
	enc, err := h.Encode()
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return &Result{
		RunID:   "20260301-100000",
		Profile: "durability-ladder",
		Point: profiles.Point{
			ID: id, Label: "acks=all idem", Level: profiles.ReliabilityLevel{Rank: rank, Name: "acks=all+idem"},
			Workload: profiles.Workload{MessageSizeMin: 1024, MessageSizeMax: 1024, Partitions: 6, Producers: 2,
				Consumers: 2, Rate: 1000, Duration: 30 * time.Second},
			Settings: profiles.Settings{Acks: &acks, Idempotence: &idem},
		},
		Status:      StatusOK,
		Notes:       []string{"a note"},
		Start:       start,
		End:         start.Add(40 * time.Second),
		Environment: Environment{KbenchVersion: "dev", Brokers: 3, Bootstrap: "127.0.0.1:9092", LocalCluster: true},
		Effective: EffectiveSettings{Topic: "kbench-" + id, TopicConfig: map[string]string{"min.insync.replicas": "2"},
			ReplicationFactor: 3, Partitions: 6, ProducerConfig: map[string]string{"acks": "all"}},
		Metrics: Metrics{
			MeasuredSeconds: 30, TargetRate: 1000,
			Sent:               Throughput{Records: 30000, Bytes: 30000 * 1024, RecordsPerSecond: 1000, MBPerSecond: 0.9765625},
			ProduceLatency:     h.Summary(),
			ProduceLatencyKind: LatencySendToAck,
			FailedByError:      map[string]int64{"REQUEST_TIMED_OUT": 3},
		},
		Audit:      Audit{Sent: 30000, Acked: 29997, Indeterminate: 3, Consumed: 29998, UnackedConsumed: 1},
		Series:     []Second{{Offset: 0, SentPerSecond: 1000, ProduceP99Ms: 9.9}},
		Histograms: map[string]string{HistProduce: enc},
	}
}

func TestResultRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := sampleResult("acks-all-idem", 3)
	if err := WriteResult(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResult(filepath.Join(dir, "points", "acks-all-idem.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want.FormatVersion != FormatVersion {
		t.Errorf("WriteResult did not stamp the format version: %d", want.FormatVersion)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the result:\n got %+v\nwant %+v", got, want)
	}
}

func TestResummariseFromStoredHistograms(t *testing.T) {
	r := sampleResult("p", 1)
	want := r.Metrics.ProduceLatency
	r.Metrics.ProduceLatency = LatencySummary{} // as if only the histogram had survived
	if err := Resummarise(r); err != nil {
		t.Fatal(err)
	}
	if r.Metrics.ProduceLatency != want {
		t.Errorf("resummarised %+v\nwant %+v", r.Metrics.ProduceLatency, want)
	}
	r.Histograms[HistEndToEnd] = "HISTFAAA-garbage"
	if err := Resummarise(r); err == nil || !strings.Contains(err.Error(), HistEndToEnd) {
		t.Errorf("corrupt histogram: error %v, want one naming %q", err, HistEndToEnd)
	}
}

func TestIndexRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := &Index{
		RunID: "r1", Profile: "ladder", ProfileYAML: "name: ladder\nsweep: []\n",
		Environment: Environment{Brokers: 3},
		Start:       time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		End:         time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC),
		Points: []IndexPoint{{ID: "a", Label: "acks=1", Level: profiles.ReliabilityLevel{Rank: 1, Name: "acks=1"},
			Status: StatusOK, File: PointFile("a")}},
	}
	if err := WriteIndex(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the index:\n got %+v\nwant %+v", got, want)
	}
}

func TestReadRunReportsMissingAndBrokenPoints(t *testing.T) {
	dir := t.TempDir()
	idx := &Index{RunID: "r1", Profile: "ladder"}
	// Listed out of level order on purpose.
	for _, p := range []struct {
		id    string
		rank  int
		write string // "ok", "missing", "corrupt"
	}{{"c", 3, "ok"}, {"a", 1, "ok"}, {"b", 2, "missing"}, {"d", 4, "corrupt"}} {
		idx.Points = append(idx.Points, IndexPoint{ID: p.id, Level: profiles.ReliabilityLevel{Rank: p.rank}, Status: StatusOK, File: PointFile(p.id)})
		switch p.write {
		case "ok":
			if err := WriteResult(dir, sampleResult(p.id, p.rank)); err != nil {
				t.Fatal(err)
			}
		case "corrupt":
			if err := os.WriteFile(filepath.Join(dir, "points", p.id+".json"), []byte(`{"format_version": 1, "status": `), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := WriteIndex(dir, idx); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatalf("ReadRun failed as a whole: %v", err)
	}
	var order []string
	for _, p := range run.Points {
		order = append(order, p.Entry.ID)
	}
	if strings.Join(order, ",") != "a,b,c,d" {
		t.Errorf("points in order %v, want level order a,b,c,d", order)
	}
	for _, c := range []struct {
		i      int
		ok     bool
		errHas string
	}{{0, true, ""}, {1, false, "points/b.json: missing"}, {2, true, ""}, {3, false, "points/d.json: truncated JSON at byte 32 (the file ends there)"}} {
		p := run.Points[c.i]
		if (p.Result != nil) != c.ok {
			t.Errorf("point %s: result present = %v, want %v (err %v)", p.Entry.ID, p.Result != nil, c.ok, p.Err)
		}
		if !c.ok && (p.Err == nil || !strings.Contains(p.Err.Error(), c.errHas) || !strings.Contains(p.Err.Error(), p.Entry.ID)) {
			t.Errorf("point %s: error %v, want one naming the point and saying %q", p.Entry.ID, p.Err, c.errHas)
		}
	}
	if got := len(run.Results()); got != 2 {
		t.Errorf("Results() has %d results, want 2", got)
	}

	if _, err := ReadRun(t.TempDir()); err == nil {
		t.Error("ReadRun of a folder without index.json: no error")
	}
}

func TestReaderRejectsFutureFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "future.json")
	if err := os.WriteFile(path, []byte(`{"format_version": 99, "status": "ok"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadResult(path)
	if !errors.Is(err, ErrFutureFormat) || !strings.Contains(err.Error(), "99") || !strings.Contains(err.Error(), "newer kbench") {
		t.Errorf("error %v, want ErrFutureFormat naming version 99 and what to do", err)
	}
	if err := os.WriteFile(path, []byte(`{"status": "ok"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResult(path); err == nil || !strings.Contains(err.Error(), "format_version") {
		t.Errorf("file without a version: error %v", err)
	}
}

func TestFailedWriteLeavesOldFileIntact(t *testing.T) {
	dir := t.TempDir()
	good := sampleResult("p", 1)
	if err := WriteResult(dir, good); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "points", "p.json")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	bad := sampleResult("p", 1)
	bad.Metrics.ProduceLatency.MeanMs = math.NaN() // JSON cannot hold NaN: the encoding fails
	if err := WriteResult(dir, bad); err == nil {
		t.Fatal("writing a NaN: no error")
	}
	if err := WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := w.Write([]byte(`{"half": `)); err != nil {
			return err
		}
		return errors.New("disk full")
	}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("failing writer: error %v", err)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("a failed write changed the existing file")
	}
	entries, err := os.ReadDir(filepath.Join(dir, "points"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("points folder holds %v, want only p.json (no temporary files left)", names)
	}
}

func TestPointFileCannotEscape(t *testing.T) {
	for id, want := range map[string]string{
		"acks-all":           "points/acks-all.json",
		"../../etc/passwd":   "points/.._.._etc_passwd.json",
		"..":                 "points/__.json",
		"acks=all isr=2":     "points/acks=all_isr=2.json",
		"":                   "points/_.json",
		"a/b\\c":             "points/a_b_c.json",
		"unicodé":            "points/unicod__.json",
		"flush.ms=1000,lz4 ": "points/flush.ms=1000_lz4_.json",
	} {
		got := PointFile(id)
		if got != want {
			t.Errorf("PointFile(%q) = %q, want %q", id, got, want)
		}
		if !filepath.IsLocal(got) {
			t.Errorf("PointFile(%q) = %q is not local", id, got)
		}
	}
}
