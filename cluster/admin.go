package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// ClientConfig is the librdkafka configuration of a super-user client of this cluster:
// bootstrap servers plus, on a cluster started with --auth scram, the admin's SASL credentials.
// librdkafka's own logging is off: a killed broker is expected here, and errors still reach the
// caller through return values.
func (c *Cluster) ClientConfig() kafka.ConfigMap {
	m := kafka.ConfigMap{
		"bootstrap.servers":                  c.Bootstrap(),
		"log_level":                          0,
		"socket.connection.setup.timeout.ms": 5000,
	}
	if c.Auth == AuthSCRAM {
		m["security.protocol"] = "SASL_PLAINTEXT"
		m["sasl.mechanism"] = scramMechanism
		m["sasl.username"] = c.Users[0].Name
		m["sasl.password"] = c.Users[0].Password
	}
	return m
}

// metadata fetches cluster metadata through a short-lived admin client.
func (c *Cluster) metadata(timeout time.Duration) (*kafka.Metadata, error) {
	cfg := c.ClientConfig()
	a, err := kafka.NewAdminClient(&cfg)
	if err != nil {
		return nil, fmt.Errorf("admin client for %s: %w", c.Bootstrap(), err)
	}
	defer a.Close()
	md, err := a.GetMetadata(nil, true, int(timeout/time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("metadata from %s: %w", c.Bootstrap(), err)
	}
	return md, nil
}

// registeredBrokers returns the broker ids in the cluster metadata.
func registeredBrokers(md *kafka.Metadata) map[int]bool {
	ids := map[int]bool{}
	for _, b := range md.Brokers {
		ids[int(b.ID)] = true
	}
	return ids
}

// LeaderOf returns the broker id that currently leads topic's partition.
func (c *Cluster) LeaderOf(topic string, partition int) (int, error) {
	md, err := c.metadata(10 * time.Second)
	if err != nil {
		return 0, err
	}
	t, ok := md.Topics[topic]
	if !ok || t.Error.Code() == kafka.ErrUnknownTopicOrPart {
		return 0, fmt.Errorf("topic %s does not exist", topic)
	}
	for _, p := range t.Partitions {
		if int(p.ID) == partition {
			if p.Leader < 0 {
				return 0, fmt.Errorf("%s:%d has no leader right now", topic, partition)
			}
			return int(p.Leader), nil
		}
	}
	return 0, fmt.Errorf("topic %s has no partition %d (it has %d)", topic, partition, len(t.Partitions))
}

// inSync reports whether broker id is in the ISR of every partition it replicates (and is
// registered), which is what "rejoined" means after a restart.
func inSync(md *kafka.Metadata, id int) (bool, string) {
	if !registeredBrokers(md)[id] {
		return false, fmt.Sprintf("broker %d not registered", id)
	}
	for name, t := range md.Topics {
		for _, p := range t.Partitions {
			replica, isr := false, false
			for _, r := range p.Replicas {
				replica = replica || int(r) == id
			}
			for _, r := range p.Isrs {
				isr = isr || int(r) == id
			}
			if replica && !isr {
				return false, fmt.Sprintf("broker %d not yet in the ISR of %s:%d", id, name, p.ID)
			}
		}
	}
	return true, ""
}

// probeWrite creates a topic replicated on every broker, writes one record with acks=all and
// deletes the topic: the proof that the cluster really takes durable writes.
func (c *Cluster) probeWrite(ctx context.Context, brokers int) error {
	cfg := c.ClientConfig()
	a, err := kafka.NewAdminClient(&cfg)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer a.Close()
	topic := fmt.Sprintf("kbench-probe-%d", time.Now().UnixNano())
	res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{
		Topic: topic, NumPartitions: 1, ReplicationFactor: brokers,
		Config: map[string]string{"min.insync.replicas": fmt.Sprint(brokers)},
	}}, kafka.SetAdminOperationTimeout(30*time.Second))
	if err == nil && res[0].Error.Code() != kafka.ErrNoError {
		err = res[0].Error
	}
	if err != nil {
		return fmt.Errorf("create probe topic %s (replication factor %d): %w", topic, brokers, err)
	}
	defer a.DeleteTopics(context.Background(), []string{topic})

	pcfg := c.ClientConfig()
	pcfg["acks"] = "all"
	pcfg["message.timeout.ms"] = 30000
	p, err := kafka.NewProducer(&pcfg)
	if err != nil {
		return fmt.Errorf("probe producer: %w", err)
	}
	defer p.Close()
	// A fresh topic's leader may not be known to the client yet: retry until the deadline.
	for {
		ch := make(chan kafka.Event, 1)
		err = p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Value: []byte("probe")}, ch)
		if err == nil {
			select {
			case ev := <-ch:
				m := ev.(*kafka.Message)
				err = m.TopicPartition.Error
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("acks=all write to %s: %w", topic, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
