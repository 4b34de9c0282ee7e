package drivertest

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
)

// RunTransactions runs the transactional part of the suite against d: commit and abort (a
// read_committed reader sees exactly the committed records, a read_uncommitted one all of them),
// a transaction with a failed record does not commit (its error is abortable), a consumer
// group's offsets in a transaction (committed with it, discarded with an abort), and
// fencing (a second instance with the same transactional.id fences the first: its commit fails
// fatally, IsFenced, and nothing it wrote after becomes visible). A driver without transactions
// does not call it.
func RunTransactions(t *testing.T, d driver.Driver, cluster Cluster) {
	t.Run("TxnCommitAbort", func(t *testing.T) { txnCommitAbort(t, d, cluster) })
	t.Run("TxnOffsets", func(t *testing.T) { txnOffsets(t, d, cluster) })
	t.Run("TxnFencing", func(t *testing.T) { txnFencing(t, d, cluster) })
	t.Run("TxnFailedRecord", func(t *testing.T) { txnFailedRecord(t, d, cluster) })
}

// txnProducer is a producer with transactional.id id (and the extra properties), its
// transactions initialised.
func txnProducer(t *testing.T, d driver.Driver, boot, id string, h driver.DeliveryHandler, extra ...string) driver.TransactionalProducer {
	t.Helper()
	cfg := map[string]string{"bootstrap.servers": boot, "transactional.id": id, "linger.ms": "1", "transaction.timeout.ms": "10000"}
	for i := 0; i+1 < len(extra); i += 2 {
		cfg[extra[i]] = extra[i+1]
	}
	p := producer(t, d, cfg, h)
	tp, ok := p.(driver.TransactionalProducer)
	if !ok {
		t.Fatalf("driver %s: the producer is not a driver.TransactionalProducer", d.Name())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tp.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	return tp
}

// txnRun begins a transaction, produces keys from..to-1 to topic/partition and ends it (commit
// or abort), returning the end's error. Before an abort it waits for the records' delivery
// results in r (an abort purges what is still queued; the aborted records are to be in the log).
func txnRun(t *testing.T, p driver.TransactionalProducer, r *results, topic string, partition int32, from, to uint64, commit bool) error {
	t.Helper()
	if err := p.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
	before := r.count()
	produceKeys(t, p, topic, partition, from, to)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if commit {
		return p.CommitTransaction(ctx)
	}
	waitFor(t, "the aborted transaction's deliveries", func() bool { return r.count() >= before+int(to-from) })
	return p.AbortTransaction(ctx)
}

// produceKeys produces keys from..to-1 (8-byte big-endian) without waiting for results.
func produceKeys(t *testing.T, p driver.Producer, topic string, partition int32, from, to uint64) {
	t.Helper()
	key := make([]byte, 8)
	for i := from; i < to; {
		binary.BigEndian.PutUint64(key, i)
		err := p.Produce(&driver.Record{Topic: topic, Partition: partition, Key: key, Value: key})
		if err == driver.QueueFull {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		i++
	}
}

// readKeys reads topic/partition from the beginning at the isolation level up to its end (the
// position reaches the high watermark, or the last stable offset for read_committed) and
// returns the keys in offset order.
func readKeys(t *testing.T, d driver.Driver, boot, topic string, partition int32, isolation string) []uint64 {
	t.Helper()
	c, err := d.NewConsumer(map[string]string{"bootstrap.servers": boot, "group.id": "txn-read-" + isolation,
		"enable.auto.commit": "false", "isolation.level": isolation, "fetch.queue.backoff.ms": "10", "fetch.wait.max.ms": "10"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	tps := []driver.TopicPartition{{Topic: topic, Partition: partition, Offset: driver.OffsetBeginning}}
	if err := c.Assign(tps); err != nil {
		t.Fatal(err)
	}
	_, end, err := c.QueryWatermarks(topic, partition, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var keys []uint64
	batch := make([]driver.Message, 64)
	waitFor(t, "reading to the end at "+isolation, func() bool {
		k, _ := c.Poll(100*time.Millisecond, batch)
		for _, m := range batch[:k] {
			keys = append(keys, binary.BigEndian.Uint64(m.Key))
		}
		pos, err := c.Position(tps)
		return err == nil && pos[0].Offset >= end
	})
	return keys
}

// span is the keys from..to-1.
func span(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// txnCommitAbort: committed, aborted and committed transactions: read_committed sees the two
// committed ones exactly, read_uncommitted all three (the aborted records were written).
func txnCommitAbort(t *testing.T, d driver.Driver, cluster Cluster) {
	boot := cluster(t, "txn", 1)
	r := &results{}
	p := txnProducer(t, d, boot, "conf-txn", r)
	for _, tx := range []struct {
		from, to uint64
		commit   bool
	}{{0, 10, true}, {10, 20, false}, {20, 25, true}} {
		if err := txnRun(t, p, r, "txn", 0, tx.from, tx.to, tx.commit); err != nil {
			t.Fatalf("transaction of keys %d-%d (commit %v): %v", tx.from, tx.to-1, tx.commit, err)
		}
	}
	waitFor(t, "every delivery result", func() bool { return r.count() >= 25 })
	want := append(span(0, 10), span(20, 25)...)
	if got := readKeys(t, d, boot, "txn", 0, "read_committed"); !slices.Equal(got, want) {
		t.Errorf("read_committed read %v, want %v", got, want)
	}
	if got := readKeys(t, d, boot, "txn", 0, "read_uncommitted"); !slices.Equal(got, span(0, 25)) {
		t.Errorf("read_uncommitted read %v, want keys 0-24", got)
	}
}

// txnOffsets: a group member reads partition 0; a transaction copying to partition 1 commits
// the member's offsets with it; a second transaction's offsets are discarded by its abort.
func txnOffsets(t *testing.T, d driver.Driver, cluster Cluster) {
	boot := cluster(t, "eos", 2)
	in := &results{}
	produce(t, producer(t, d, map[string]string{"bootstrap.servers": boot, "linger.ms": "1"}, in), in, "eos", 1, 10)
	c, err := d.NewConsumer(map[string]string{"bootstrap.servers": boot, "group.id": "eos", "auto.offset.reset": "earliest",
		"enable.auto.commit": "false", "isolation.level": "read_committed", "group.instance.id": "eos-0",
		"fetch.queue.backoff.ms": "10", "fetch.wait.max.ms": "10"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	gm, ok := c.(driver.GroupMetadataConsumer)
	if !ok {
		t.Fatalf("driver %s: the consumer is not a driver.GroupMetadataConsumer", d.Name())
	}
	if err := c.Subscribe("eos"); err != nil {
		t.Fatal(err)
	}
	batch := make([]driver.Message, 16)
	read := 0
	waitFor(t, "reading the input", func() bool {
		k, _ := c.Poll(100*time.Millisecond, batch[:min(len(batch), 10-read)])
		read += k
		return read >= 10
	})
	md, err := gm.GroupMetadata()
	if err != nil {
		t.Fatalf("GroupMetadata: %v", err)
	}
	p := txnProducer(t, d, boot, "conf-eos", &results{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tx := range []struct {
		offset int64
		commit bool
	}{{10, true}, {4, false}} {
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		produceKeys(t, p, "eos", 1, 0, 10)
		offs := []driver.TopicPartition{{Topic: "eos", Partition: 0, Offset: tx.offset}}
		if err := p.SendOffsetsToTransaction(ctx, offs, md); err != nil {
			t.Fatalf("SendOffsetsToTransaction (offset %d): %v", tx.offset, err)
		}
		end := p.AbortTransaction
		if tx.commit {
			end = p.CommitTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatalf("end transaction with offset %d (commit %v): %v", tx.offset, tx.commit, err)
		}
		com, err := c.Committed([]driver.TopicPartition{{Topic: "eos", Partition: 0}}, 10*time.Second)
		if err != nil || len(com) != 1 || com[0].Offset != 10 {
			t.Fatalf("after the transaction with offset %d (commit %v): committed %v (%v), want 10", tx.offset, tx.commit, com, err)
		}
	}
	if got := readKeys(t, d, boot, "eos", 1, "read_committed"); !slices.Equal(got, span(0, 10)) {
		t.Errorf("output read_committed %v, want the committed copy 0-9 only", got)
	}
}

// txnFencing: a second instance with the same transactional.id fences the first; the first's
// next commit fails fatally and IsFenced, and only the records of committed transactions are
// visible to read_committed.
func txnFencing(t *testing.T, d driver.Driver, cluster Cluster) {
	boot := cluster(t, "fence", 1)
	r := &results{}
	old := txnProducer(t, d, boot, "conf-fence", r)
	if err := txnRun(t, old, r, "fence", 0, 0, 5, true); err != nil {
		t.Fatalf("first instance's commit: %v", err)
	}
	newer := txnProducer(t, d, boot, "conf-fence", &results{})
	err := txnRun(t, old, r, "fence", 0, 100, 105, true)
	var de driver.Error
	switch {
	case err == nil:
		t.Fatal("the fenced instance committed")
	case !errors.As(err, &de):
		t.Fatalf("the fenced instance's commit failed with %T %v, want a driver.Error", err, err)
	case driver.ClassifyTxn(err) != driver.TxnFatal || !driver.IsFenced(err):
		t.Errorf("the fenced instance's commit failed with %v (%s, %s, fenced %v), want fatal and fenced", err, de.Name(), driver.ClassifyTxn(err), driver.IsFenced(err))
	}
	t.Logf("the fenced instance's commit: %v", err)
	if err := txnRun(t, newer, &results{}, "fence", 0, 5, 10, true); err != nil {
		t.Fatalf("the new instance's commit: %v", err)
	}
	if got := readKeys(t, d, boot, "fence", 0, "read_committed"); !slices.Equal(got, span(0, 10)) {
		t.Errorf("read_committed %v, want 0-9 (nothing of the fenced instance's last transaction)", got)
	}
}

// txnFailedRecord: a transaction in which one record fails (its topic does not exist, so it
// times out in the client) cannot commit: the commit's error is abortable (the client must not
// commit the records that did succeed, which the runner would count as acknowledged), the abort
// goes through, and read_committed sees none of its records.
func txnFailedRecord(t *testing.T, d driver.Driver, cluster Cluster) {
	boot := cluster(t, "part", 1)
	r := &results{}
	p := txnProducer(t, d, boot, "conf-part", r, "message.timeout.ms", "1000")
	if err := txnRun(t, p, r, "part", 0, 0, 5, true); err != nil {
		t.Fatalf("first commit: %v", err)
	}
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produceKeys(t, p, "part", 0, 5, 10)
	produceKeys(t, p, "no-such-topic", 0, 10, 11)
	waitFor(t, "the transaction's deliveries", func() bool { return r.count() >= 11 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := p.CommitTransaction(ctx)
	t.Logf("commit after a failed record: %v", err)
	if err == nil || driver.ClassifyTxn(err) != driver.TxnAbortable {
		t.Fatalf("commit after a failed record: %v (%s), want an abortable error", err, driver.ClassifyTxn(err))
	}
	if err := p.AbortTransaction(ctx); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if err := txnRun(t, p, r, "part", 0, 20, 25, true); err != nil {
		t.Fatalf("commit after the abort: %v", err)
	}
	if got, want := readKeys(t, d, boot, "part", 0, "read_committed"), append(span(0, 5), span(20, 25)...); !slices.Equal(got, want) {
		t.Errorf("read_committed %v, want %v (nothing of the failed transaction)", got, want)
	}
}
