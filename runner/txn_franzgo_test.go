package runner

import (
	"context"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// TestRunPointTransactionsFranzGoKfake runs a transactional point with client franz-go through
// the runner against kfake (runner and driver logic; broker behaviour is the integration
// test's): the point runs (it was refused before the franz-go driver had transactions), a
// quarter of the transactions are aborted on purpose, only committed records count as
// acknowledged, and the franz-go producer's effective options carry the transactional.id.
func TestRunPointTransactionsFranzGoKfake(t *testing.T) {
	bootstrap := startKfake(t)
	p := txnPoint("txn-kfake-franz", 1000, 2*time.Second, 1, 10, 0.25, profiles.ReadCommitted)
	franz := profiles.ClientFranzGo
	p.Settings.Client = &franz
	res, err := RunPoint(context.Background(), p, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second, Version: "test"})
	if err != nil {
		t.Fatalf("RunPoint: %v (notes %v)", err, res.Notes)
	}
	if res.Status != stats.StatusOK {
		t.Fatalf("status %s (%s), notes %v", res.Status, res.Error, res.Notes)
	}
	a, tx, mt := res.Audit, res.Audit.Transactions, res.Metrics.Transactions
	if tx == nil || mt == nil {
		t.Fatalf("no transaction audit or metrics: %+v %+v", tx, mt)
	}
	t.Logf("audit sent %d acked %d lost %s; txn %+v; metrics %+v", a.Sent, a.Acked, a.LostText(), *tx, *mt)
	if tx.Aborted == 0 || tx.Committed < 3*tx.Aborted-3 || tx.RecordsAborted == 0 {
		t.Errorf("transactions committed %d aborted %d (records %d): want about a quarter aborted", tx.Committed, tx.Aborted, tx.RecordsAborted)
	}
	if a.Acked == 0 || a.Acked != tx.RecordsCommitted || a.Sent != tx.RecordsCommitted+tx.RecordsAborted+tx.RecordsUnresolved {
		t.Errorf("acked %d sent %d vs committed %d aborted %d", a.Acked, a.Sent, tx.RecordsCommitted, tx.RecordsAborted)
	}
	if lost, known := a.LostCount(); !known || lost != 0 || tx.AbortedVisible != 0 || a.Duplicates != 0 {
		t.Errorf("lost %d (known %v), aborted visible %d, duplicates %d", lost, known, tx.AbortedVisible, a.Duplicates)
	}
	if mt.CommitLatency.Count == 0 || mt.RecordsPerTransaction < 9 || mt.RecordsPerTransaction > 10 {
		t.Errorf("commit latency count %d, records/txn %.2f", mt.CommitLatency.Count, mt.RecordsPerTransaction)
	}
	if lib := res.Effective.ProducerClient; lib == nil || lib.Name != "franz-go" {
		t.Errorf("producer client %+v, want franz-go", lib)
	}
	found := false
	for _, o := range res.Effective.ProducerClientOptions {
		found = found || o == "kgo.TransactionalID="+res.Effective.ProducerConfig["transactional.id"]
	}
	if !found {
		t.Errorf("no kgo.TransactionalID in the effective options %v", res.Effective.ProducerClientOptions)
	}
}
