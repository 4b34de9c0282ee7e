// Package librdkafka is kbench's driver over confluent-kafka-go (librdkafka through cgo). It is
// the only package that imports the client; everything above works with package driver.
package librdkafka

import (
	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// Driver creates librdkafka clients from librdkafka properties.
type Driver struct{}

// New returns the librdkafka driver.
func New() driver.Driver { return Driver{} }

// Name is "librdkafka".
func (Driver) Name() string { return "librdkafka" }

// Version is librdkafka's version string.
func (Driver) Version() string {
	_, v := kafka.LibraryVersion()
	return v
}

// NewProducer creates a producer.
func (Driver) NewProducer(cfg map[string]string) (driver.Producer, error) { return NewProducer(cfg) }

// NewConsumer creates a consumer.
func (Driver) NewConsumer(cfg map[string]string) (driver.Consumer, error) { return NewConsumer(cfg) }

// NewAdmin creates an admin client.
func (Driver) NewAdmin(cfg map[string]string) (driver.Admin, error) { return NewAdmin(cfg) }

// ConfigMap converts plain properties into librdkafka's ConfigMap.
func ConfigMap(m map[string]string) *kafka.ConfigMap {
	cm := kafka.ConfigMap{}
	for k, v := range m {
		cm[k] = v
	}
	return &cm
}

// Check builds a client from props without connecting (no bootstrap servers), so an unknown or
// mistyped property, a bad value or an unreadable certificate fails here, before anything
// touches a cluster.
func Check(props map[string]string) error {
	m := kafka.ConfigMap{"log_level": "0"}
	for k, v := range props {
		if k != "bootstrap.servers" {
			m[k] = v
		}
	}
	a, err := kafka.NewAdminClient(&m)
	if err != nil {
		return err
	}
	a.Close()
	return nil
}

func topicPartitions(tps []driver.TopicPartition) []kafka.TopicPartition {
	out := make([]kafka.TopicPartition, len(tps))
	for i, tp := range tps {
		t := tp.Topic
		out[i] = kafka.TopicPartition{Topic: &t, Partition: tp.Partition, Offset: kafka.Offset(tp.Offset)}
	}
	return out
}

func fromTopicPartitions(tps []kafka.TopicPartition) []driver.TopicPartition {
	out := make([]driver.TopicPartition, len(tps))
	for i, tp := range tps {
		out[i] = driver.TopicPartition{Partition: tp.Partition, Offset: int64(tp.Offset), Err: wrap(tp.Error)}
		if tp.Topic != nil {
			out[i].Topic = *tp.Topic
		}
	}
	return out
}

func fromMetadata(md *kafka.Metadata) *driver.Metadata {
	if md == nil {
		return nil
	}
	out := &driver.Metadata{Brokers: make([]driver.BrokerMetadata, len(md.Brokers)), Topics: make(map[string]driver.TopicMetadata, len(md.Topics))}
	for i, b := range md.Brokers {
		out.Brokers[i] = driver.BrokerMetadata{ID: b.ID, Host: b.Host, Port: b.Port}
	}
	for name, t := range md.Topics {
		tm := driver.TopicMetadata{Topic: t.Topic, Error: toError(t.Error), Partitions: make([]driver.PartitionMetadata, len(t.Partitions))}
		for i, p := range t.Partitions {
			tm.Partitions[i] = driver.PartitionMetadata{ID: p.ID, Leader: p.Leader, Replicas: p.Replicas, Isrs: p.Isrs, Error: toError(p.Error)}
		}
		out.Topics[name] = tm
	}
	return out
}
