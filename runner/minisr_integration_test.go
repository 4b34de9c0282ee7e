package runner

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/safety"
)

// describeTopicWithKafka reads a topic's settings with Kafka's own kafka.admin.ConfigCommand, from
// the jars and JDK the cluster runs on.
func describeTopicWithKafka(t *testing.T, cl *cluster.Cluster, topic string) string {
	t.Helper()
	out, err := exec.Command(cl.Java, "-cp", cl.KafkaLibs+"/*", "kafka.admin.ConfigCommand", "--bootstrap-server", cl.Bootstrap(),
		"--describe", "--entity-type", "topics", "--entity-name", topic).CombinedOutput()
	if err != nil {
		t.Fatalf("ConfigCommand --describe %s: %v\n%s", topic, err, out)
	}
	return string(out)
}

// produceOne sends one record with acks and no retries (so the broker's answer reaches us) and
// returns the delivery error (nil: acknowledged).
func produceOne(t *testing.T, bootstrap, topic, acks string) error {
	t.Helper()
	p, err := clientDriver.NewProducer(map[string]string{"bootstrap.servers": bootstrap, "acks": acks, "retries": "0",
		"message.timeout.ms": "20000", "request.timeout.ms": "10000", "enable.idempotence": "false"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.ProduceSync(&driver.Record{Topic: topic, Partition: 0, Value: []byte("x")}, 30*time.Second)
	return err
}

// TestIntegrationMinISRAboveReplicationFactor finds out what Kafka does with
// min.insync.replicas above the replication factor, which profiles refuses with a message that
// must say it truly: the broker takes min(min.insync.replicas, replicas) (Partition.effectiveMinIsr),
// so with RF 2 and min ISR 3, acks=all writes are acknowledged while both replicas are in sync
// and refused with NOT_ENOUGH_REPLICAS once one is out; acks=1 writes go on.
func TestIntegrationMinISRAboveReplicationFactor(t *testing.T) {
	cl := localForTest(t)
	defer healShared(t, cl)
	if cl.KafkaVersion != profiles.MinISRCheckedKafkaVersion {
		t.Errorf("the cluster runs Kafka %s but profiles' min.insync.replicas message cites what %s does: check it still holds and update MinISRCheckedKafkaVersion",
			cl.KafkaVersion, profiles.MinISRCheckedKafkaVersion)
	}
	bootstrap := cl.Bootstrap()
	a, err := clientDriver.NewAdmin(adminConfig(plainConnection(bootstrap)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	topic := fmt.Sprintf("kbench-test-isr-above-rf-%d", time.Now().UnixNano())
	if err := safety.CreateTopic(ctx, a, topic, 1, 2, map[string]string{"min.insync.replicas": "3"}); err != nil {
		t.Fatalf("Kafka refused a topic with RF 2 and min.insync.replicas 3: %v", err)
	}
	defer func() {
		if err := safety.DeleteTopic(a, topic); err != nil {
			t.Errorf("delete %s: %v", topic, err)
		}
	}()
	if out := describeTopicWithKafka(t, cl, topic); !strings.Contains(out, "min.insync.replicas=3") {
		t.Fatalf("ConfigCommand does not show min.insync.replicas=3 on %s:\n%s", topic, out)
	}
	if err := produceOne(t, bootstrap, topic, "all"); err != nil {
		t.Errorf("RF 2, min ISR 3, both replicas in sync: acks=all write refused (%v); Kafka caps min ISR at the replica count, so it should be acknowledged", err)
	}

	// Take the follower away and wait until the controller drops it from the ISR (about the
	// 9 s broker session timeout).
	md, err := a.Metadata(&topic, false, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	part := md.Topics[topic].Partitions[0]
	follower := -1
	for _, r := range part.Replicas {
		if r != part.Leader {
			follower = int(r)
		}
	}
	t.Logf("partition 0: leader %d, replicas %v; killing follower %d", part.Leader, part.Replicas, follower)
	if err := cl.Kill(follower); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		md, err := a.Metadata(&topic, false, 5*time.Second)
		if err == nil && len(md.Topics[topic].Partitions) == 1 && len(md.Topics[topic].Partitions[0].Isrs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ISR did not shrink to the leader within 60 s of killing broker %d", follower)
		}
		time.Sleep(250 * time.Millisecond) // polling the metadata, not synchronizing on time
	}
	err = produceOne(t, bootstrap, topic, "all")
	var ke driver.Error
	if !errors.As(err, &ke) || ke.Code() != driver.ErrNotEnoughReplicas {
		t.Errorf("RF 2, min ISR 3, one replica out of the ISR: acks=all got %v, want NOT_ENOUGH_REPLICAS", err)
	}
	if err := produceOne(t, bootstrap, topic, "1"); err != nil {
		t.Errorf("acks=1 with one replica out: %v, want acknowledged", err)
	}
}
