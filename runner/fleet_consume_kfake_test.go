package runner

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/events"
	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// TestFleetKfakeWorkersConsume: two in-process workers each run one of the point's two
// consumers in the point's one group; the coordinator's books balance across the workers by
// record identity (every acknowledged record read by the group, none twice, none lost), the
// group's consumed count is the sum of the workers', and end-to-end latency carries its clock
// label in the result, the note and the summary table.
func TestFleetKfakeWorkersConsume(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("fleet-cons", 1000, 2*time.Second, 2)
	p.Workload.Producers = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	werr := startKfakeWorkers(ctx, t, bootstrap, "kf-cons", 2)
	var merged *fleet.Merge
	testHookFleetMerged = func(m *fleet.Merge) { merged = m }
	t.Cleanup(func() { testHookFleetMerged = nil })
	lines := &progressLines{}
	opts := recordIn(t.TempDir(), Options{Bootstrap: bootstrap, RunID: "kf-cons", DrainTimeout: 15 * time.Second, Events: lines,
		Fleet: &FleetOptions{Workers: 2, Timing: fleet.Timing{JoinTimeout: 30 * time.Second}}})
	res, err := RunPoint(context.Background(), p, opts)
	if err != nil || res.Status != stats.StatusOK {
		t.Fatalf("status %v err %v notes %v", res.Status, err, res.Notes)
	}
	for range 2 {
		if err := <-werr; err != nil {
			t.Errorf("worker: %v", err)
		}
	}
	a, ca, mt := res.Audit, res.ConsumerAudit, res.Metrics
	if !a.NoneLost() || a.Acked < 1500 || ca == nil || ca.Skipped != 0 || ca.Redelivered != 0 || ca.ProcessedUnique != a.Acked {
		t.Fatalf("books do not balance across workers: audit %+v group %+v", a, ca)
	}
	var consumed int64
	for _, r := range merged.Results() {
		if r.Share.Consumers != 1 || len(r.Reads) != 1 {
			t.Errorf("worker %d: share %+v, %d read ledgers: want one consumer each", r.Worker, r.Share, len(r.Reads))
		}
		consumed += r.Consumed
	}
	if consumed == 0 || mt.Consumed.Records != consumed || mt.EndToEndLatency.Count != consumed {
		t.Fatalf("consumed %d (e2e count %d), workers' sum %d", mt.Consumed.Records, mt.EndToEndLatency.Count, consumed)
	}
	c := mt.EndToEndClock
	if c == nil || c.Method != stats.EndToEndClockCorrected || c.SameWorker.Count == 0 || c.SameWorker.Count >= consumed {
		t.Fatalf("end-to-end clock %+v: want the offset-corrected method and a proper same-worker subset of %d", c, consumed)
	}
	if !strings.Contains(res.Fleet.EndToEnd, "ms clock") || !strings.Contains(strings.Join(res.Notes, "\n"), "± ") {
		t.Fatalf("end-to-end figure unlabelled: %q", res.Fleet.EndToEnd)
	}
	var tbl bytes.Buffer
	if err := stats.WriteSummaryTable(&tbl, []*stats.Result{res}); err != nil || !strings.Contains(tbl.String(), "ms clock") {
		t.Fatalf("summary table without the clock label (err %v):\n%s", err, tbl.String())
	}
	if l := lines.got; len(l) == 0 || l[len(l)-1].Workers != 2 || l[len(l)-1].WorkersAlive != 2 || l[len(l)-1].AckedPerSecond < 500 {
		t.Fatalf("progress lines %+v: want one a second with 2/2 workers alive and the merged rate", l)
	}
	t.Logf("acked %.0f/s consumed %.0f/s; e2e p50 %.2f p99 %.2f ms %s; same worker %d of %d; workers %+v",
		mt.Acked.RecordsPerSecond, mt.Consumed.RecordsPerSecond, mt.EndToEndLatency.P50Ms, mt.EndToEndLatency.P99Ms, c.Label(),
		c.SameWorker.Count, consumed, res.Fleet.Workers)
}

// progressLines keeps the progress events of a run (one goroutine sends them).
type progressLines struct {
	events.Discard
	got []events.Progress
}

func (p *progressLines) Progress(e events.Progress) { p.got = append(p.got, e) }

// TestFleetConsumerCorrectsSendTime: a worker's consumer puts a record sent on another worker
// on its own clock with the plan's offsets (local workers share one clock, so only injected
// offsets test this). Worker 0 runs 20 ms behind the coordinator (offset +20 ms), worker 1 runs
// 50 ms ahead (-50 ms): a record worker 1 stamped 10 ms of real time ago carries a send time
// 60 ms in worker 0's future, and must still read as 10 ms. Worker 0's own record needs no
// correction and lands in the same-worker subset too.
func TestFleetConsumerCorrectsSendTime(t *testing.T) {
	const ms = int64(time.Millisecond)
	offsets := []fleet.Offset{{OffsetNs: 20 * ms, UncertaintyNs: 3 * ms}, {OffsetNs: -50 * ms, UncertaintyNs: 4 * ms}}
	clock, err := fleet.NewSendClock(fleet.ProducerOwners(2, 2), offsets, 0)
	if err != nil {
		t.Fatal(err)
	}
	if clock.UncertaintyNs != 7*ms {
		t.Fatalf("uncertainty %d ns: want the sum of the two workers' (7 ms)", clock.UncertaintyNs)
	}
	f := &fleetRead{idBase: 40, clock: clock, same: stats.NewHistogram(), read: audit.NewVerifier()}
	c := &consumerWorker{fleet: f, e2e: stats.NewHistogram(), clock: phaseClock{Start: 0, Measure: 0, End: 1 << 62}, done: make(chan struct{})}
	c.win = newWindow(kindEndToEnd, c.clock, newCollector(1))
	now := nowNs()
	send := now - 10*ms + (offsets[0].OffsetNs - offsets[1].OffsetNs)
	val := make([]byte, 100)
	record.EncodeHeader(val, record.Header{Producer: 41, Seq: 0, SendNs: send})
	c.onRecord(&driver.Message{Partition: 0, Value: val})
	if got := maxOf(c.e2e); c.e2e.Count() != 1 || got < 10*time.Duration(ms) || got > 40*time.Duration(ms) {
		t.Fatalf("corrected latency %s: want 10 ms (plus the test's own time), uncorrected it would be %s", got, time.Duration(nowNs()-send))
	}
	if f.same.Count() != 0 {
		t.Fatal("another worker's record counted as same-worker")
	}
	record.EncodeHeader(val, record.Header{Producer: 40, Seq: 0, SendNs: nowNs() - 4*ms})
	c.onRecord(&driver.Message{Partition: 1, Value: val})
	if f.same.Count() != 1 || maxOf(f.same) < 4*time.Duration(ms) || maxOf(f.same) > 50*time.Duration(ms) || f.read.Observed() != 2 {
		t.Fatalf("own record: same-worker count %d max %s, identities read %d", f.same.Count(), maxOf(f.same), f.read.Observed())
	}
}

func maxOf(h *stats.Histogram) time.Duration {
	return time.Duration(h.Summary().MaxMs * float64(time.Millisecond))
}
