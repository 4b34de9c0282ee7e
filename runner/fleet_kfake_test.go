package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/fleet"
	"github.com/kbench/kbench/stats"
)

// TestFleetKfake runs the whole protocol on a fake Kafka (client-side only): a coordinator and
// two in-process workers joined by run id over the control topic; the merged point counts both
// shares, with disjoint producer ids, and the control topic is deleted at the end.
func TestFleetKfake(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("fleet", 1000, 2*time.Second, 0)
	p.Workload.Producers = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	werr := startKfakeWorkers(ctx, t, bootstrap, "kf-run", 2)
	opts := recordIn(t.TempDir(), Options{Bootstrap: bootstrap, RunID: "kf-run", DrainTimeout: 15 * time.Second,
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
	a := res.Audit
	if res.Fleet == nil || len(res.Fleet.Workers) != 2 || res.Fleet.Workers[1].FirstID != 1 || !a.NoneLost() || a.Acked < 1500 || a.Duplicates != 0 {
		t.Fatalf("fleet %+v audit %+v", res.Fleet, a)
	}
	t.Logf("acked %d, %.0f/s; workers %+v", a.Acked, res.Metrics.Acked.RecordsPerSecond, res.Fleet.Workers)
}

// TestFleetKfakeWorkerNeverJoins: with one of two workers missing the point waits the join
// bound, then fails naming the missing worker; the present worker is told the run is over.
func TestFleetKfakeWorkerNeverJoins(t *testing.T) {
	bootstrap := startKfake(t)
	p := testPoint("fleet", 1000, time.Second, 0)
	werr := make(chan error, 1)
	go func() {
		werr <- RunFleetWorker(context.Background(), FleetWorkerOptions{RunID: "kf-join", Index: 0, Bootstrap: bootstrap, Log: t.Logf})
	}()
	opts := recordIn(t.TempDir(), Options{Bootstrap: bootstrap, RunID: "kf-join",
		Fleet: &FleetOptions{Workers: 2, Timing: fleet.Timing{JoinTimeout: 3 * time.Second}}})
	t0 := time.Now()
	res, err := RunPoint(context.Background(), p, opts)
	if err == nil || !strings.Contains(res.Error, "did not join") || res.Status != stats.StatusFailed || !strings.Contains(res.Error, "worker 1") || strings.Contains(res.Error, "worker 0") {
		t.Fatalf("status %v err %v", res.Status, err)
	}
	if d := time.Since(t0); d > 30*time.Second {
		t.Errorf("took %s with a 3s join bound", d)
	}
	if err := <-werr; err != nil {
		t.Errorf("worker 0 after the run ended: %v", err)
	}
}

// startKfakeWorkers runs n fleet workers of run in this process; each one's end comes on the
// channel.
func startKfakeWorkers(ctx context.Context, t *testing.T, bootstrap, run string, n int) <-chan error {
	werr := make(chan error, n)
	for i := range n {
		go func() {
			werr <- RunFleetWorker(ctx, FleetWorkerOptions{RunID: run, Index: i, Bootstrap: bootstrap, Log: t.Logf})
		}()
	}
	return werr
}
