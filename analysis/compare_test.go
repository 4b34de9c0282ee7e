package analysis

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
	"github.com/kbench/kbench/stats/statstest"
)

func TestRelativeSE(t *testing.T) {
	cases := []struct {
		vs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 0},
		{[]float64{10, 10, 10, 10}, 0},
		// mean 100, sample sd 10 (values 90,110 twice: ss=400, /3, sqrt=11.547), n=4: 11.547/(100*2)
		{[]float64{90, 110, 90, 110}, math.Sqrt(400.0/3) / 200},
	}
	for _, c := range cases {
		if got, _ := relativeSE(c.vs); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("relativeSE(%v) = %v, want %v", c.vs, got, c.want)
		}
	}
}

func TestRatio(t *testing.T) {
	cases := []struct {
		name               string
		a, b, rseA, rseB   float64
		floor              float64
		higherIsWorse      bool
		value, threshold   float64
		significant, worse bool
	}{
		{"steady runs: floor decides, 2 % less throughput is noise", 100, 98, 0.001, 0.001, 0.03, false, 0.98, 0.03, false, false},
		{"steady runs: 5 % less throughput is a regression", 100, 95, 0.001, 0.001, 0.03, false, 0.95, 0.03, true, true},
		{"5 % more throughput is significant but not worse", 100, 105, 0.001, 0.001, 0.03, false, 1.05, 0.03, true, false},
		// noisy: 2*hypot(0.03,0.04)=0.1, so 8 % is noise
		{"noisy runs: 8 % is within 2x combined error", 100, 92, 0.03, 0.04, 0.03, false, 0.92, 0.1, false, false},
		{"noisy runs: 12 % is beyond it", 100, 88, 0.03, 0.04, 0.03, false, 0.88, 0.1, true, true},
		{"latency up 25 % is worse", 4, 5, 0.01, 0.01, 0.10, true, 1.25, 0.10, true, true},
		{"latency down 25 % is better", 4, 3, 0.01, 0.01, 0.10, true, 0.75, 0.10, true, false},
		{"latency up 8 % is under the floor", 10, 10.8, 0.01, 0.01, 0.10, true, 1.08, 0.10, false, false},
		{"zero baseline has no ratio", 0, 5, 0, 0, 0.10, true, math.NaN(), 0.10, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ratio(c.a, c.b, c.rseA, c.rseB, c.floor, c.higherIsWorse)
			if !(math.IsNaN(c.value) && math.IsNaN(r.Value)) && math.Abs(r.Value-c.value) > 1e-9 {
				t.Errorf("value %v, want %v", r.Value, c.value)
			}
			if math.Abs(r.Threshold-c.threshold) > 1e-9 || r.Significant != c.significant || r.Worse != c.worse {
				t.Errorf("threshold %v significant %v worse %v, want %v %v %v", r.Threshold, r.Significant, r.Worse, c.threshold, c.significant, c.worse)
			}
		})
	}
}

// slowedCopy copies a fixture run and scales one point's throughput and latency, as a slower
// cluster would.
func slowedCopy(t *testing.T, name, id string, tpFactor, latFactor float64) *stats.Run {
	t.Helper()
	dir := writeFixture(t, name)
	path := filepath.Join(dir, filepath.FromSlash(stats.PointFile(id)))
	r, err := stats.ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Metrics.Acked.RecordsPerSecond *= tpFactor
	r.Metrics.ProduceLatency.P50Ms *= latFactor
	r.Metrics.ProduceLatency.P99Ms *= latFactor
	for i := range r.Series {
		r.Series[i].AckedPerSecond *= tpFactor
		r.Series[i].ProduceP99Ms *= latFactor
	}
	if err := stats.WriteResult(dir, r); err != nil {
		t.Fatal(err)
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestCompare(t *testing.T) {
	base := readFixture(t, "ladder")
	t.Run("a run against itself has no significant difference", func(t *testing.T) {
		c := Compare(base, base)
		if c.Regressions != 0 {
			t.Errorf("%d regressions", c.Regressions)
		}
		for _, p := range c.Points {
			if !p.Compared || p.Throughput.Value != 1 || p.Throughput.Significant {
				t.Errorf("%s: %+v", p.ID, p)
			}
		}
	})
	t.Run("a 20 % slower point is a regression, the others are not", func(t *testing.T) {
		c := Compare(base, slowedCopy(t, "ladder", "acks-all", 0.8, 1.3))
		if c.Regressions != 1 {
			t.Errorf("%d regressions, want 1", c.Regressions)
		}
		if p := c.Points[2]; p.ID != "acks-all" || !p.Throughput.Worse {
			t.Errorf("the regression is not at acks-all: %+v", p)
		}
	})
	t.Run("1 % slower is noise", func(t *testing.T) {
		if c := Compare(base, slowedCopy(t, "ladder", "acks-all", 0.99, 1.01)); c.Regressions != 0 {
			t.Errorf("%d regressions, want 0", c.Regressions)
		}
	})
	t.Run("failed and incomplete points are listed, not compared", func(t *testing.T) {
		c := Compare(base, readFixture(t, "ladder-partial"))
		got := map[string]ComparedPoint{}
		for _, p := range c.Points {
			got[p.ID] = p
		}
		if p := got["acks-all_idem"]; p.Compared || p.StatusB != "failed" {
			t.Errorf("failed point: %+v", p)
		}
		if p := got["acks-all_idem_isr-2_unclean-off_flush-1"]; p.Compared || p.StatusB != "incomplete" {
			t.Errorf("incomplete point: %+v", p)
		}
		if p := got["acks-1"]; !p.Compared {
			t.Errorf("acks-1 not compared")
		}
	})
	t.Run("points only in one run", func(t *testing.T) {
		c := Compare(base, readFixture(t, "linger-sweep"))
		for _, p := range c.Points {
			if p.Compared {
				t.Errorf("%s compared across different profiles", p.ID)
			}
		}
		if len(c.Points) != 6+7 {
			t.Errorf("%d rows, want 13", len(c.Points))
		}
	})
}

// TestCompareNothingComparable: two runs without a point measured in both are an error that
// names the points of each side, never "no significant regression".
func TestCompareNothingComparable(t *testing.T) {
	c := Compare(readFixture(t, "ladder"), readFixture(t, "linger-sweep"))
	err := c.Check(true) // accepting other workloads does not make disjoint points comparable
	if !errors.Is(err, ErrNothingComparable) {
		t.Fatalf("Check = %v, want ErrNothingComparable", err)
	}
	for _, want := range []string{"A has acks-0, acks-1", "B has linger-0, linger-1", "message.size 1024 B vs 512 B", "rate max vs 10000 msgs/s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestCompareNothingOKInBoth: points matched by id but failed or incomplete on one side are not
// comparable either; the error says which and why.
func TestCompareNothingOKInBoth(t *testing.T) {
	partial := readFixture(t, "ladder-partial")
	var only []stats.RunPoint
	for _, p := range partial.Points {
		if p.Result != nil && p.Result.Status != stats.StatusOK {
			only = append(only, p)
		}
	}
	partial.Points = only
	err := Compare(readFixture(t, "ladder"), partial).Check(false)
	if !errors.Is(err, ErrNothingComparable) || !strings.Contains(err.Error(), "acks-all_idem (A ok, B failed)") {
		t.Errorf("Check = %v, want ErrNothingComparable naming acks-all_idem (A ok, B failed)", err)
	}
}

// TestCompareDifferentWorkloads: the same ladder with 10 KiB instead of 1 KiB records is refused
// with the difference named, or compared and labelled with --cross-workload.
func TestCompareDifferentWorkloads(t *testing.T) {
	big := bigLadder(t)
	c := Compare(readFixture(t, "ladder"), big)
	err := c.Check(false)
	if !errors.Is(err, ErrDifferentWorkloads) || !strings.Contains(err.Error(), "message.size 1024 B vs 10240 B at acks-0, acks-1") ||
		!strings.Contains(err.Error(), "--cross-workload") {
		t.Fatalf("Check = %v, want ErrDifferentWorkloads naming the message sizes and --cross-workload", err)
	}
	if err := c.Check(true); err != nil {
		t.Fatalf("Check(cross-workload) = %v", err)
	}
	if err := Compare(readFixture(t, "ladder"), readFixture(t, "ladder-partial")).Check(false); err != nil {
		t.Errorf("same workload, some points ok in both: %v", err)
	}
}

// TestWorkloadDiff: every workload field counts, a swept replication factor does not.
func TestWorkloadDiff(t *testing.T) {
	base := profiles.Point{Workload: profiles.Workload{MessageSizeMin: 1024, MessageSizeMax: 1024, Partitions: 6,
		ReplicationFactor: 3, Producers: 1, Consumers: 1, Duration: 30 * time.Second}}
	rf2 := 2
	cases := []struct {
		name   string
		change func(p *profiles.Point)
		want   string
	}{
		{"same", func(*profiles.Point) {}, ""},
		{"partitions", func(p *profiles.Point) { p.Workload.Partitions = 12 }, "partitions 6 vs 12"},
		{"duration", func(p *profiles.Point) { p.Workload.Duration = time.Minute }, "duration 30s vs 1m0s"},
		{"rate", func(p *profiles.Point) { p.Workload.Rate = 5000 }, "rate max vs 5000 msgs/s"},
		{"consumers", func(p *profiles.Point) { p.Workload.Consumers = 0 }, "consumers 1 vs 0"},
		{"size range", func(p *profiles.Point) { p.Workload.MessageSizeMax = 4096 }, "message.size (largest) 1024 B vs 4096 B"},
		{"producer props", func(p *profiles.Point) {
			p.Workload.ProducerProps = map[string]string{"queue.buffering.max.kbytes": "32768"}
		},
			"producer properties none vs map[queue.buffering.max.kbytes:32768]"},
		{"replication factor", func(p *profiles.Point) { p.Workload.ReplicationFactor = 1 }, "replication.factor 3 vs 1"},
		{"swept replication factor", func(p *profiles.Point) {
			p.Workload.ReplicationFactor = 1
			p.Settings.ReplicationFactor = &rf2
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := base, base
			c.change(&b)
			if c.name == "swept replication factor" {
				a.Settings.ReplicationFactor = &rf2
			}
			if got := strings.Join(workloadDiff(a, b), "; "); got != c.want {
				t.Errorf("diff %q, want %q", got, c.want)
			}
		})
	}
}

// fixtures are the fixture runs the tests compare, by their folder name under plots/testdata.
var fixtures = map[string]statstest.Run{
	"ladder": statstest.Ladder(false), "ladder-partial": statstest.Ladder(true), "linger-sweep": statstest.LingerSweep()}

// writeFixture writes a fixture run into a fresh folder.
func writeFixture(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := fixtures[name].Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readFixture writes and reads back a fixture run.
func readFixture(t *testing.T, name string) *stats.Run {
	t.Helper()
	run, err := stats.ReadRun(writeFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// bigLadder is the ladder with 10 KiB instead of 1 KiB records.
func bigLadder(t *testing.T) *stats.Run {
	t.Helper()
	r := statstest.Ladder(false)
	r.RunID, r.Start, r.MessageBytes = "20260302-110000", time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), 10240
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	run, err := stats.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return run
}
