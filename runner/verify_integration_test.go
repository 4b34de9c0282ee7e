package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// auditPoint is a producer-only point on the real cluster, RF 3, that leaves tens of thousands
// of records for the verification read.
func auditPoint(id string) profiles.Point {
	p := testPoint(id, 10000, 2*time.Second, 0)
	p.Workload.Partitions, p.Workload.ReplicationFactor = 3, 3
	return p
}

// TestIntegrationVerificationReadInterrupted: Ctrl-C part-way through the verification read of a
// real point (25,000 records; the read is stopped after 5,000) leaves the point incomplete with
// lost unknown and how far the read got, never the records it had not read counted as lost.
func TestIntegrationVerificationReadInterrupted(t *testing.T) {
	cl := localForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const stopAt = 5000
	testHookVerifyRecord = func(n int64) {
		if n == stopAt {
			cancel()
		}
	}
	defer func() { testHookVerifyRecord = nil }()
	out := t.TempDir()
	p := auditPoint("read-interrupted")
	// No cluster warm-up: its own read-back would meet the hook first (it passed only when an
	// earlier test in the process had warmed the cluster).
	res, err := RunPoint(ctx, p, recordIn(out, Options{Cluster: cl, DrainTimeout: 30 * time.Second, NoClusterWarmup: true}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	checkInterruptedRead(t, res, stopAt)
	t.Logf("interrupted read: %s; audit sent %d acked %d, lost %s", res.Audit.ReadSummary(), res.Audit.Sent, res.Audit.Acked, res.Audit.LostText())
	data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(stats.PointFile(p.ID))))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"lost": null`) {
		t.Errorf("result file does not say lost is unknown (null)")
	}
}

// TestIntegrationVerificationReadAfterBrokerRestart: the leader of partition 0 is killed just
// before the verification read and restarted while it runs (as a fault heal or a rolling restart
// leaves the cluster). The read meets the moment the partition's leader is gone or moving,
// retries with fresh metadata within its bound, and completes: every acknowledged record is
// read back and lost is 0.
func TestIntegrationVerificationReadAfterBrokerRestart(t *testing.T) {
	cl := localForTest(t)
	restarted := make(chan error, 1)
	testHookBeforeVerify = func(topic string) {
		id, err := cl.LeaderOf(topic, 0)
		if err != nil {
			restarted <- err
			return
		}
		if err := cl.Kill(id); err != nil {
			restarted <- err
			return
		}
		go func() { restarted <- cl.Restart(context.Background(), id) }()
	}
	defer func() { testHookBeforeVerify = nil }()
	res, err := RunPoint(context.Background(), auditPoint("read-after-restart"), Options{Cluster: cl, DrainTimeout: 2 * time.Minute})
	if rerr := <-restarted; rerr != nil {
		t.Fatalf("kill and restart the leader: %v", rerr)
	}
	if err != nil {
		t.Fatalf("RunPoint: %v (notes %v)", err, res)
	}
	a := res.Audit
	t.Logf("verification read after a leader restart: %s; acked %d, read %d, lost %s", a.ReadSummary(), a.Acked, a.Consumed, a.LostText())
	if res.Status != stats.StatusOK || !a.ReadComplete() || !a.NoneLost() || a.Consumed != a.Acked || a.Acked == 0 {
		t.Errorf("status %s, audit %+v, read %+v: want a complete read, every acknowledged record back, lost 0", res.Status, a, a.VerificationRead)
	}
}
