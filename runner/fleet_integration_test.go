package runner

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// fleetPoint is a producer-only point of 3 producers at rate over 3 partitions.
func fleetPoint(id string, rate int, dur time.Duration) profiles.Point {
	acks := profiles.AcksAll
	return profiles.Point{ID: id, Settings: profiles.Settings{Acks: &acks}, Workload: profiles.Workload{
		Rate: rate, Producers: 3, Partitions: 3, ReplicationFactor: 3, MessageSizeMin: 256, MessageSizeMax: 256,
		Duration: dur, Warmup: time.Second,
	}}
}

// runFleet runs p with three local worker processes (the test binary's kbench) and returns the
// result and the coordinator's merge.
func runFleet(t *testing.T, p profiles.Point, timing fleet.Timing) (*stats.Result, *fleet.Merge, error) {
	t.Helper()
	cl := localForTest(t)
	var merged *fleet.Merge
	testHookFleetMerged = func(m *fleet.Merge) { merged = m }
	t.Cleanup(func() { testHookFleetMerged, testHookFleetPlanned = nil, nil })
	opts := recordIn(t.TempDir(), Options{Cluster: cl, Bootstrap: cl.Bootstrap(), DrainTimeout: 30 * time.Second,
		Fleet: &FleetOptions{Workers: 3, Spawn: true, WorkerCommand: []string{kbenchBinary(t)}, Timing: timing}})
	res, err := RunPoint(context.Background(), p, opts)
	if res == nil {
		t.Fatalf("no result: %v", err)
	}
	for _, n := range res.Notes {
		t.Logf("note: %s", n)
	}
	return res, merged, err
}

// TestIntegrationFleetMergesWorkers: three worker processes share a point through the control
// topic; the merged histogram holds exactly the workers' records, their producer ids are
// disjoint, and on a healthy cluster the audit balances: nothing lost, nothing duplicated.
func TestIntegrationFleetMergesWorkers(t *testing.T) {
	res, mg, err := runFleet(t, fleetPoint("fleet-ok", 1500, 3*time.Second), fleet.Timing{})
	if err != nil || res.Status != stats.StatusOK {
		t.Fatalf("status %s err %v (%s)", res.Status, err, res.Error)
	}
	if mg == nil || len(mg.Results()) != 3 {
		t.Fatalf("merge: %v", mg)
	}
	var sum int64
	ids := map[uint32]int{}
	for _, r := range mg.Results() {
		h, err := stats.DecodeHistogram(r.Histograms[stats.HistProduce])
		if err != nil {
			t.Fatal(err)
		}
		sum += h.Count()
		if r.Share.Rate != 500 || r.Offset.Samples == 0 {
			t.Errorf("worker %d: share %+v offset %+v", r.Worker, r.Share, r.Offset)
		}
		for i := range r.Share.Producers {
			ids[r.Share.IDBase+uint32(i)]++
		}
	}
	merged, err := stats.DecodeHistogram(res.Histograms[stats.HistProduce])
	if err != nil || merged.Count() != sum || sum == 0 {
		t.Fatalf("merged histogram count %d, workers' sum %d (err %v)", merged.Count(), sum, err)
	}
	if len(ids) != 3 {
		t.Fatalf("producer ids %v: want 3 distinct", ids)
	}
	a := res.Audit
	if a.Lost == nil || *a.Lost != 0 || a.Duplicates != 0 || a.ConsumedNotSent != 0 || a.Acked == 0 || a.Consumed != a.Acked {
		t.Fatalf("audit does not balance across workers: %+v", a)
	}
	if r := res.Metrics.Acked.RecordsPerSecond; r < 1300 || r > 1700 {
		t.Errorf("acked %.0f/s for a 1500/s target over three workers", r)
	}
	t.Logf("acked %.0f/s, produce p99 %.2f ms, offsets %+v", res.Metrics.Acked.RecordsPerSecond, res.Metrics.ProduceLatency.P99Ms, res.Fleet.Workers)
}

// TestIntegrationFleetWorkerKilled: a worker SIGKILLed mid-point leaves the point incomplete,
// naming it; the others' shares are merged and its share is reported missing, not silently.
func TestIntegrationFleetWorkerKilled(t *testing.T) {
	p := fleetPoint("fleet-kill", 1500, 5*time.Second)
	killed := make(chan error, 1)
	// Reset even when runFleet skips (no real cluster): a hook left set would fire in other tests.
	t.Cleanup(func() { testHookFleetPlanned = nil })
	testHookFleetPlanned = func(pids []int, startNs int64) {
		at := time.Unix(0, startNs).Add(p.Workload.Warmup + 2*time.Second) // two seconds into the measured phase
		go func() {
			time.Sleep(time.Until(at)) // a fault schedule (at=2s), not a synchronization
			killed <- syscall.Kill(pids[1], syscall.SIGKILL)
		}()
	}
	res, _, err := runFleet(t, p, fleet.Timing{DeadAfter: 3 * time.Second})
	if kerr := <-killed; kerr != nil {
		t.Fatalf("kill worker 1: %v", kerr)
	}
	if err != nil {
		t.Fatalf("err %v", err)
	}
	if res.Status != stats.StatusIncomplete || res.Fleet == nil || len(res.Fleet.Lost) != 1 || res.Fleet.Lost[0] != 1 {
		t.Fatalf("status %s fleet %+v: want incomplete with worker 1 lost", res.Status, res.Fleet)
	}
	if !strings.Contains(res.Error, "worker 1") || !strings.Contains(strings.Join(res.Notes, "\n"), "worker 1 lost") {
		t.Fatalf("worker 1 not named: error %q", res.Error)
	}
	if res.Metrics.TargetRate != 1500 || res.Metrics.Acked.RecordsPerSecond > 1100 {
		t.Fatalf("target %.0f acked %.0f/s: the lost share must show as missing rate", res.Metrics.TargetRate, res.Metrics.Acked.RecordsPerSecond)
	}
}
