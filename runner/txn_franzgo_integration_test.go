package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/analysis"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// TestIntegrationTransactionsFranzGo: the exactly-once rung under client franz-go on the real
// cluster, in two short points. First a transactional point with 30 % of its transactions
// aborted on purpose: the read_committed verification read sees every committed record exactly
// once and no aborted one, and Kafka's own console consumer agrees (read_committed: exactly the
// committed records; read_uncommitted: committed plus aborted, so the aborted ones were
// written). Then the copy pipeline with franz-go copiers (offsets in the transaction through
// the franz-go driver's TxnOffsetCommit) across a copier kill and a zombie: every input record
// exactly once in the output, the zombie fenced.
func TestIntegrationTransactionsFranzGo(t *testing.T) {
	cl := localForTest(t)
	franz := profiles.ClientFranzGo
	t.Run("CommittedOnly", func(t *testing.T) {
		p := txnPoint("txn-franz", 1000, 3*time.Second, 1, 100, 0.3, profiles.ReadCommitted)
		p.Workload.Partitions, p.Workload.ReplicationFactor = 3, 3
		p.Settings.Client = &franz
		var committed, uncommitted int64
		testHookBeforeDelete = func(topic string, _ int) {
			committed = consoleCount(t, cl, topic, "read_committed")
			uncommitted = consoleCount(t, cl, topic, "read_uncommitted")
		}
		defer func() { testHookBeforeDelete = nil }()
		start := time.Now()
		res, err := RunPoint(context.Background(), p, Options{Cluster: cl, DrainTimeout: time.Minute})
		if err != nil {
			t.Fatalf("RunPoint: %v (notes %v)", err, res.Notes)
		}
		t.Logf("point took %s", time.Since(start).Round(time.Second))
		if res.Status != stats.StatusOK {
			t.Fatalf("status %s (%s), notes %v", res.Status, res.Error, res.Notes)
		}
		a, tx, mt := res.Audit, res.Audit.Transactions, res.Metrics.Transactions
		if tx == nil || mt == nil {
			t.Fatalf("no transaction audit (%v) or metrics (%v)", tx, mt)
		}
		if lib := res.Effective.ProducerClient; lib == nil || lib.Name != string(franz) {
			t.Fatalf("producer client %+v, want franz-go", lib)
		}
		t.Logf("audit: sent %d acked %d lost %s duplicates %d; %+v", a.Sent, a.Acked, a.LostText(), a.Duplicates, *tx)
		t.Logf("metrics: %d commits (%.1f/s), %d aborts, %.1f records/txn, commit p50 %.2f ms p99 %.2f ms; produce p50 %.1f ms; e2e p50 %.1f ms (%s)",
			mt.Committed, mt.CommitsPerSecond, mt.Aborted, mt.RecordsPerTransaction, mt.CommitLatency.P50Ms, mt.CommitLatency.P99Ms,
			res.Metrics.ProduceLatency.P50Ms, res.Metrics.EndToEndLatency.P50Ms, mt.ConsumerIsolation)
		t.Logf("kafka-console-consumer: read_committed %d records, read_uncommitted %d", committed, uncommitted)
		if tx.RecordsAborted == 0 || tx.Aborted == 0 || tx.RecordsCommitted == 0 {
			t.Fatalf("no transaction committed or aborted: %+v", *tx)
		}
		if lost, known := a.LostCount(); !known || lost != 0 {
			t.Errorf("committed records not visible to read_committed: lost %d (known %v)", lost, known)
		}
		if tx.AbortedVisible != 0 || a.Duplicates != 0 || tx.CommittedReadTwice != 0 || tx.Unresolved != 0 {
			t.Errorf("aborted visible %d %v, duplicates %d, committed read twice %d, unresolved %d",
				tx.AbortedVisible, tx.AbortedVisibleExamples, a.Duplicates, tx.CommittedReadTwice, tx.Unresolved)
		}
		if a.Acked != tx.RecordsCommitted || a.Consumed != tx.RecordsCommitted {
			t.Errorf("acked %d consumed %d, want the %d committed records", a.Acked, a.Consumed, tx.RecordsCommitted)
		}
		if committed != tx.RecordsCommitted || uncommitted != tx.RecordsCommitted+tx.RecordsAborted {
			t.Errorf("kafka-console-consumer read %d (read_committed) and %d (read_uncommitted), want %d and %d",
				committed, uncommitted, tx.RecordsCommitted, tx.RecordsCommitted+tx.RecordsAborted)
		}
		if mt.CommitLatency.Count == 0 || mt.CommitLatency.P50Ms <= 0 {
			t.Errorf("commit figures missing: %+v", *mt)
		}
	})
	t.Run("CopyKillAndZombie", func(t *testing.T) {
		defer healShared(t, cl)
		bin := kbenchBinary(t)
		p := copyPoint("copy-franz", 8*time.Second)
		p.Settings.Client = &franz
		res := runFaultPoint(t, cl, p, Options{
			Faults: []profiles.Fault{
				mustFault(t, "at=2s,action=kill,target=copier:1"),
				mustFault(t, "at=4s,action=zombie,target=copier:0,for=2s"),
			},
			WorkerCommand: []string{bin, "worker"},
		})
		c := checkExactlyOnce(t, res)
		if c.Kills != 1 || c.Zombies != 1 {
			t.Errorf("kills %d zombies %d, want 1 and 1", c.Kills, c.Zombies)
		}
		if c.ZombiesFenced != 1 || len(c.ZombieExits) != 1 || !strings.Contains(strings.ToLower(c.ZombieExits[0]), "fenc") && !strings.Contains(c.ZombieExits[0], "old epoch") {
			t.Errorf("the resumed zombie did not report being fenced: %q", c.ZombieExits)
		}
		if !noteContains(res.Notes, "client franz-go") {
			t.Errorf("the copiers did not run franz-go: notes %v", res.Notes)
		}
		if len(analysis.BrokenPromises(res)) > 0 {
			t.Errorf("broken promises: %v", analysis.BrokenPromises(res))
		}
	})
}

// noteContains says whether a note contains s.
func noteContains(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
