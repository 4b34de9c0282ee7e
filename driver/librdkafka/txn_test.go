package librdkafka

import (
	"context"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// TestTransactionalProducerSeam runs the transactional calls through the seam against
// librdkafka's mock cluster: a commit and an abort go through, and so does one carrying a consumer
// group's offsets. Broker-side visibility is checked on the real
// cluster (runner's TestIntegrationTransactions), not here.
func TestTransactionalProducerSeam(t *testing.T) {
	mc, err := kafka.NewMockCluster(3)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if err := mc.CreateTopic("txn", 1, 3); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{"bootstrap.servers": mc.BootstrapServers(), "transactional.id": "kbench-txn-test", "log_level": "0"}
	newTxn := func() driver.TransactionalProducer {
		p, err := NewProducer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		go p.Deliveries(discard{})
		t.Cleanup(p.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.InitTransactions(ctx); err != nil {
			t.Fatalf("InitTransactions: %v", err)
		}
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := newTxn()
	for _, commit := range []bool{true, false} {
		if err := first.BeginTransaction(); err != nil {
			t.Fatalf("BeginTransaction: %v", err)
		}
		if err := first.Produce(&driver.Record{Topic: "txn", Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
		end := first.AbortTransaction
		if commit {
			end = first.CommitTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatalf("end transaction (commit %v): %v", commit, err)
		}
	}
	// Offsets ride in a transaction (the copy pipeline's consume-transform-produce).
	if err := first.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	offs := []driver.TopicPartition{{Topic: "txn", Partition: 0, Offset: 1}}
	if err := first.SendOffsetsToTransaction(ctx, offs, driver.GroupMetadata{Group: "kbench-txn-test-group"}); err != nil {
		t.Fatalf("SendOffsetsToTransaction: %v", err)
	}
	if err := first.CommitTransaction(ctx); err != nil {
		t.Fatalf("commit with offsets: %v", err)
	}
	// librdkafka's mock cluster does not fence an older instance (tried: the first instance's
	// commit still succeeds after a second InitTransactions), so fencing is left to the real
	// cluster.
}

type discard struct{}

func (discard) Delivered(*driver.Delivery) {}
func (discard) ClientError(driver.Error)   {}
