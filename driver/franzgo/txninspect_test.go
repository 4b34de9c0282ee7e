package franzgo

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestOpenTransactions: a transaction left open on partition 1 is what the partition's leader
// reports (DescribeProducers) and its coordinator knows (ListTransactions by producer id,
// DescribeTransactions); once committed, nothing is open. kfake answers the KIP-664 requests:
// this checks the client code, not Kafka's behaviour.
func TestOpenTransactions(t *testing.T) {
	const topic = "txn-inspect"
	boot := fakeCluster(t, topic, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := kgo.NewClient(kgo.SeedBrokers(boot), kgo.TransactionalID("tx-a"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := p.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: 1, Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	a, err := NewAdmin(map[string]string{"bootstrap.servers": boot})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	open, err := a.OpenTransactions(ctx, topic, []int32{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Partition != 1 || open[0].StartOffset != 0 || open[0].ProducerID < 0 {
		t.Fatalf("open transactions %+v, want one on partition 1 from offset 0", open)
	}
	coord, err := a.CoordinatorTransactions(ctx, []int64{open[0].ProducerID}, []string{"tx-a", "not-a-txn"})
	if err != nil {
		t.Fatal(err)
	}
	if len(coord) != 1 || coord[0].TransactionalID != "tx-a" || coord[0].ProducerID != open[0].ProducerID || coord[0].State != "Ongoing" ||
		len(coord[0].Partitions) != 1 || coord[0].Partitions[0].Topic != topic || coord[0].Partitions[0].Partition != 1 {
		t.Fatalf("coordinator view %+v, want tx-a Ongoing with %s/1 and producer %d", coord, topic, open[0].ProducerID)
	}
	if err := p.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	open, err = a.OpenTransactions(ctx, topic, []int32{0, 1})
	if err != nil || len(open) != 0 {
		t.Fatalf("after the commit: open %+v, err %v; want none", open, err)
	}
}
