package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/cluster/clustertest"
	"github.com/kbench/kbench/cluster/powerfs"
	"github.com/kbench/kbench/stats"
)

// powerLossProfile powers off every broker at once, 3 s into the measured phase, under acks=all at
// a fixed rate: Kafka's default flush against flush.messages=1; and broker 1 alone (RF 3, min ISR 2).
const powerLossProfile = `name: powerloss-test
workload:
  message.size: 1024
  partitions: 3
  replication.factor: 3
  producers: 1
  consumers: 0
  rate: 1000
  duration: 7s
  warmup: 1s
  acks: all
  enable.idempotence: true
  min.insync.replicas: 2
  delivery.timeout.ms: 120000
sweep:
  points:
    - level: no forced fsync
      flush.messages: default
    - flush.messages: 1
    - level: one broker
      power-loss.brokers: 1
faults:
  - at: 3s
    action: power-loss
    target: all
    for: 2s
`

// powerLossTxnProfile: exactly-once under power loss. Transactional producers (transactions
// every 100 ms, a fifth aborted on purpose) lose power on all three brokers at once under Kafka's
// default flush; the copy pipeline loses power on broker 1 alone (RF 3, min ISR 2).
// delivery.timeout.ms stays under the transactions' 60 s timeout (librdkafka refuses more).
const powerLossTxnProfile = `name: powerloss-txn-test
workload:
  message.size: 1024
  partitions: 3
  replication.factor: 3
  producers: 1
  consumers: 2
  rate: 1000
  duration: 7s
  warmup: 1s
  acks: all
  enable.idempotence: true
  min.insync.replicas: 2
  delivery.timeout.ms: 60000
  transactional: true
  transaction.ms: 100
  transaction.abort.ratio: 0.2
sweep:
  points:
    - level: transactions, all brokers
      flush.messages: default
    - level: copy pipeline, one broker
      pipeline: copy
      power-loss.brokers: 1
faults:
  - at: 3s
    action: power-loss
    target: all
    for: 2s
`

// endOffsets sums a topic's end offsets as Kafka's own GetOffsetShell reports them.
func endOffsets(t *testing.T, cl *cluster.Cluster, topic string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cl.Java, "-Xmx256m", "-cp", cl.KafkaLibs+"/*", "org.apache.kafka.tools.GetOffsetShell",
		"--bootstrap-server", cl.Bootstrap(), "--topic", topic, "--time", "-1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("GetOffsetShell %s: %v\n%s", topic, err, errb.String())
	}
	var sum int64
	for _, line := range strings.Fields(out.String()) {
		parts := strings.Split(line, ":")
		n, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
		if len(parts) != 3 || err != nil {
			t.Fatalf("GetOffsetShell line %q, want topic:partition:offset", line)
		}
		sum += n
	}
	return sum
}

// powerLossPoints runs the profile with extra flags and returns its points' results.
func powerLossPoints(t *testing.T, dir, profile string, flags ...string) []*stats.Result {
	t.Helper()
	prof := writeFile(t, "powerloss.yaml", profile)
	out := filepath.Join(t.TempDir(), "results")
	args := append([]string{"sweep", "--cluster-dir", dir, "--profile", prof, "--out", out, "--quiet", "--no-plots"}, flags...)
	if r := kbench(t, args...); r.code != 0 { // an all-broker power loss losing records is a measurement, not a broken promise
		t.Fatalf("sweep: exit %d\n%s", r.code, r.stdout)
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	var res []*stats.Result
	for _, p := range run.Points {
		if p.Result == nil {
			t.Fatalf("point %s: %v", p.Entry.ID, p.Err)
		}
		res = append(res, p.Result)
	}
	return res
}

// dropped sums the unsynced bytes the power losses of a point dropped, and those in log segments
// (-1: none recorded).
func dropped(r *stats.Result) (all, segments int64) {
	all, segments = -1, -1
	if r.Faults == nil {
		return all, segments
	}
	for _, ev := range r.Faults.Events {
		for _, b := range ev.UnsyncedBytesDropped {
			all = max(all, 0) + b
		}
		for _, b := range ev.UnsyncedSegmentBytesDropped {
			segments = max(segments, 0) + b
		}
	}
	return all, segments
}

// Power losses on the simulated filesystem: all three brokers at once lose acknowledged records
// under Kafka's default flush (none with flush.messages=1), which Kafka's own GetOffsetShell
// confirms by end offsets going back; one broker alone loses none with RF 3 and min ISR 2.
func TestIntegrationPowerLossFault(t *testing.T) {
	if !clustertest.Enabled() {
		t.Skip("real-cluster test: set KBENCH_INTEGRATION=1 (make integration)")
	}
	if err := powerfs.CheckFUSE(); err != nil {
		t.Fatalf("--power-loss-sim needs FUSE (make deps installs fuse3): %v", err)
	}
	dir := filepath.Join(t.TempDir(), "cluster")
	if r := kbench(t, "cluster", "up", "--dir", dir, "--power-loss-sim"); r.code != 0 {
		t.Fatalf("cluster up --power-loss-sim: exit %d", r.code)
	}
	t.Cleanup(func() { kbench(t, "cluster", "down", "--wipe", "--dir", dir) })
	cl, err := cluster.Load(dir)
	if err != nil {
		t.Fatal(err)
	}

	// One crash checked with Kafka's tools: acknowledged records, end offsets before and after.
	produceAcksAll(t, cl, "kbench-powerloss-offsets", 1000)
	before := endOffsets(t, cl, "kbench-powerloss-offsets")
	lost, err := cl.PowerOff([]int{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.StartTogether(context.Background(), []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	after := endOffsets(t, cl, "kbench-powerloss-offsets")
	t.Logf("GetOffsetShell: end offset %d before, %d after the power loss; unsynced bytes dropped %v", before, after, lost)
	if before != 1000 || after >= before || lost[1].TopicSegmentBytes("kbench-powerloss-offsets") == 0 {
		t.Fatalf("end offset %d before (want 1000), %d after (want fewer), dropped %v (want log-segment bytes on broker 1)", before, after, lost)
	}

	res := powerLossPoints(t, dir, powerLossProfile)
	if len(res) != 3 {
		t.Fatalf("%d points, want 3", len(res))
	}
	for _, r := range res {
		a := r.Audit
		if a.Lost == nil {
			t.Fatalf("point %s: loss unknown (verification read: %+v)", r.Point.ID, a.VerificationRead)
		}
		b, seg := dropped(r)
		t.Logf("point %s: acked %d, lost %d, unsynced bytes dropped %d (%d in log segments)", r.Point.Label, a.Acked, *a.Lost, b, seg)
	}
	// Points come in level order; find each by what it sets.
	var def, f1, one *stats.Result
	for _, r := range res {
		switch s := r.Point.Settings; {
		case s.FlushMessages != nil:
			f1 = r
		case s.PowerLossBrokers != nil:
			one = r
		default:
			def = r
		}
	}
	if def == nil || f1 == nil || one == nil {
		t.Fatalf("points %v, want the default, flush.messages=1 and one broker", res)
	}
	if b, seg := dropped(def); *def.Audit.Lost == 0 || b <= 0 || seg <= 0 {
		t.Errorf("default flush: lost %d acknowledged records, dropped %d unsynced bytes (%d in log segments); want all > 0", *def.Audit.Lost, b, seg)
	}
	if *f1.Audit.Lost != 0 || f1.Audit.Acked == 0 {
		t.Errorf("flush.messages=1: lost %d of %d acknowledged records, want none", *f1.Audit.Lost, f1.Audit.Acked)
	}

	if b, _ := dropped(one); *one.Audit.Lost != 0 || one.Audit.Acked == 0 || b <= 0 || len(one.Faults.Events[0].UnsyncedBytesDropped) != 1 {
		t.Errorf("single-broker power loss, RF 3, min ISR 2: lost %d of %d acknowledged, dropped %d bytes (%v); want none lost, one broker's bytes dropped",
			*one.Audit.Lost, one.Audit.Acked, b, one.Faults.Events[0].UnsyncedBytesDropped)
	}
	checkPowerLossExactlyOnce(t, powerLossPoints(t, dir, powerLossTxnProfile))
}

// checkPowerLossExactlyOnce: committed transactions are lost when every broker loses its page
// cache at once (no fsync), and the audit classifies that as a measurement (the sweep exited 0,
// not 4), while no aborted record becomes visible; with one broker's power loss the copy
// pipeline keeps exactly once.
func checkPowerLossExactlyOnce(t *testing.T, res []*stats.Result) {
	t.Helper()
	if len(res) != 2 {
		t.Fatalf("%d points, want 2", len(res))
	}
	txn, cp := res[0], res[1]
	if txn.CopyAudit != nil {
		txn, cp = cp, txn
	}
	for _, r := range res {
		b, seg := dropped(r)
		t.Logf("point %s: %s (unsynced bytes dropped %d, %d in log segments)", r.Point.Label, stats.ExactlyOnceFaults(r), b, seg)
		for _, e := range r.Faults.Events {
			if e.Error != "" {
				t.Errorf("point %s: %s %s failed: %s", r.Point.Label, e.Step, e.Operation, e.Error)
			}
		}
		if tx := r.Audit.Transactions; tx == nil || tx.RecordsAborted == 0 || tx.AbortedVisible != 0 {
			t.Errorf("point %s: transactions %+v: want aborted records, none of them visible", r.Point.Label, tx)
		}
	}
	lost, known := txn.Audit.LostCount()
	if !known || lost == 0 || !txn.CorrelatedPowerLoss() {
		t.Errorf("transactions, all brokers powered off without fsync: committed records lost %d (known %v); want some lost", lost, known)
	}
	if _, verdict := stats.ExactlyOnceFinding(txn); !strings.Contains(verdict, "a measurement of what flush settings buy") {
		t.Errorf("transactions, all brokers: verdict %q, want the loss classified as a measurement", verdict)
	}
	c := cp.CopyAudit
	if c == nil || !c.ExactlyOnce || c.Missing == nil || *c.Missing != 0 || c.Duplicates != 0 || c.OutputRead != cp.Audit.Acked || cp.Audit.Acked < 3000 {
		t.Errorf("copy pipeline, one broker's power loss: %+v, acked input %d; want every acknowledged input record once in the output", c, cp.Audit.Acked)
	}
}
