package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/stats"
)

// The power-loss case seen on the local cluster: every partition holds producer 0's open
// transaction, and the coordinator, which lost the unsynced tail of __transaction_state, maps
// the point's transactional.id to producer 1000.
func TestClassifyOpenTransactionsUnknownToCoordinator(t *testing.T) {
	at := time.Date(2026, 12, 1, 1, 2, 3, 0, time.UTC)
	open := []driver.OpenTransaction{
		{Partition: 0, ProducerID: 0, ProducerEpoch: 0, StartOffset: 1149, LastWrite: at},
		{Partition: 2, ProducerID: 0, ProducerEpoch: 0, StartOffset: 1316},
	}
	coord := []driver.CoordinatorTransaction{{TransactionalID: "kb-t-txn-0", ProducerID: 1000, State: "Empty"}}
	got := classifyOpenTransactions(open, coord, []string{"kb-t-txn-0"}, "kb-t", "127.0.0.1:9092")
	if len(got) != 2 {
		t.Fatalf("got %d open transactions, want 2: %+v", len(got), got)
	}
	o := got[0]
	if !o.Hanging || o.TransactionalID != "" || o.NowMapsTo["kb-t-txn-0"] != 1000 || o.LastWrite == nil || !o.LastWrite.Equal(at) {
		t.Fatalf("partition 0: %+v, want hanging, unknown to the coordinator, kb-t-txn-0 now producer 1000, last write %s", o, at)
	}
	wantCmd := "kafka-transactions.sh --bootstrap-server 127.0.0.1:9092 abort --topic kb-t --partition 0 --start-offset 1149"
	if o.AbortCommand != wantCmd {
		t.Fatalf("abort command %q, want %q", o.AbortCommand, wantCmd)
	}
	if got[1].LastWrite != nil || got[1].StartOffset != 1316 || !got[1].Hanging {
		t.Fatalf("partition 2: %+v", got[1])
	}
	note := describeOpenTransaction(o)
	for _, want := range []string{"hanging transaction: partition 0 holds producer 0's transaction", "from offset 1149 since 2026-12-01T01:02:03Z",
		"unknown to its coordinator (transactional.id kb-t-txn-0 now maps to producer 1000)", "the last stable offset cannot pass it", wantCmd} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
}

func TestClassifyOpenTransactionsKnownToCoordinator(t *testing.T) {
	open := []driver.OpenTransaction{{Partition: 1, ProducerID: 7, ProducerEpoch: 3, StartOffset: 50}}
	tp := []driver.TopicPartition{{Topic: "kb-t", Partition: 1}}
	cases := []struct {
		name    string
		coord   driver.CoordinatorTransaction
		hanging bool
	}{
		{"ongoing with the partition", driver.CoordinatorTransaction{TransactionalID: "x", ProducerID: 7, ProducerEpoch: 3, State: "Ongoing", Partitions: tp}, false},
		{"preparing commit", driver.CoordinatorTransaction{TransactionalID: "x", ProducerID: 7, ProducerEpoch: 3, State: "PrepareCommit", Partitions: tp}, false},
		{"ongoing without the partition", driver.CoordinatorTransaction{TransactionalID: "x", ProducerID: 7, ProducerEpoch: 3, State: "Ongoing", Partitions: []driver.TopicPartition{{Topic: "kb-t", Partition: 0}}}, true},
		{"another epoch", driver.CoordinatorTransaction{TransactionalID: "x", ProducerID: 7, ProducerEpoch: 4, State: "Ongoing", Partitions: tp}, true},
		{"finished", driver.CoordinatorTransaction{TransactionalID: "x", ProducerID: 7, ProducerEpoch: 3, State: "CompleteCommit"}, true},
	}
	for _, c := range cases {
		got := classifyOpenTransactions(open, []driver.CoordinatorTransaction{c.coord}, []string{"x"}, "kb-t", "b:9092")
		if len(got) != 1 || got[0].Hanging != c.hanging || got[0].TransactionalID != "x" || got[0].CoordinatorState != c.coord.State || got[0].NowMapsTo != nil {
			t.Errorf("%s: %+v, want hanging=%v, transactional.id x, state %s", c.name, got, c.hanging, c.coord.State)
			continue
		}
		if (got[0].AbortCommand != "") != c.hanging {
			t.Errorf("%s: abort command %q with hanging=%v", c.name, got[0].AbortCommand, c.hanging)
		}
		note := describeOpenTransaction(got[0])
		if c.hanging != strings.HasPrefix(note, "hanging transaction:") {
			t.Errorf("%s: note %q", c.name, note)
		}
	}
}

func TestUnfinishedPartitions(t *testing.T) {
	read := &stats.VerificationRead{Partitions: []stats.PartitionRead{
		{Partition: 0, ReachedOffset: 1149, HighWatermark: 2800},
		{Partition: 1, ReachedOffset: 2900, HighWatermark: 2900},
		{Partition: 2, ReachedOffset: 0, HighWatermark: -1},
	}}
	got := unfinishedPartitions(read)
	if len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Fatalf("unfinished %v, want [0 2]", got)
	}
}
