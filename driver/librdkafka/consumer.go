package librdkafka

import (
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// Consumer is a librdkafka consumer.
type Consumer struct{ c *kafka.Consumer }

// NewConsumer creates a consumer from librdkafka properties.
func NewConsumer(cfg map[string]string) (*Consumer, error) {
	c, err := kafka.NewConsumer(ConfigMap(cfg))
	if err != nil {
		return nil, wrap(err)
	}
	return &Consumer{c: c}, nil
}

// Subscribe joins the configured group on topic.
func (c *Consumer) Subscribe(topic string) error { return wrap(c.c.Subscribe(topic, nil)) }

// Assign reads the given partitions from their offsets.
func (c *Consumer) Assign(parts []driver.TopicPartition) error {
	return wrap(c.c.Assign(topicPartitions(parts)))
}

// Poll waits up to timeout for one event and returns at most one record. librdkafka's Go client
// hands over one event per poll call and allocates per call, so filling the batch with further
// non-blocking polls would cost an allocation each time the queue runs empty, for no saving;
// a driver whose client fetches in batches (franz-go) fills the batch.
func (c *Consumer) Poll(timeout time.Duration, batch []driver.Message) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	switch m := c.c.Poll(int(timeout / time.Millisecond)).(type) {
	case *kafka.Message:
		if m.TopicPartition.Error != nil {
			return 0, wrap(m.TopicPartition.Error)
		}
		r := &batch[0]
		r.Topic = ""
		if m.TopicPartition.Topic != nil {
			r.Topic = *m.TopicPartition.Topic
		}
		r.Partition, r.Offset = m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
		r.Key, r.Value, r.Timestamp = m.Key, m.Value, m.Timestamp
		return 1, nil
	case kafka.Error:
		return 0, toError(m)
	}
	return 0, nil // nothing within timeout, or an event kbench does not act on
}

// StoreOffsets stores offsets for the next commit.
func (c *Consumer) StoreOffsets(offsets []driver.TopicPartition) error {
	_, err := c.c.StoreOffsets(topicPartitions(offsets))
	return wrap(err)
}

// Commit commits synchronously.
func (c *Consumer) Commit() error {
	_, err := c.c.Commit()
	return wrap(err)
}

// Assignment is the current assignment.
func (c *Consumer) Assignment() ([]driver.TopicPartition, error) {
	tps, err := c.c.Assignment()
	return fromTopicPartitions(tps), wrap(err)
}

// Position is the next offset per partition.
func (c *Consumer) Position(parts []driver.TopicPartition) ([]driver.TopicPartition, error) {
	tps, err := c.c.Position(topicPartitions(parts))
	return fromTopicPartitions(tps), wrap(err)
}

// Committed asks the coordinator for committed offsets.
func (c *Consumer) Committed(parts []driver.TopicPartition, timeout time.Duration) ([]driver.TopicPartition, error) {
	tps, err := c.c.Committed(topicPartitions(parts), int(timeout/time.Millisecond))
	return fromTopicPartitions(tps), wrap(err)
}

// CachedWatermarks are the watermarks the client last saw.
func (c *Consumer) CachedWatermarks(topic string, partition int32) (int64, int64, error) {
	lo, hi, err := c.c.GetWatermarkOffsets(topic, partition)
	return lo, hi, wrap(err)
}

// QueryWatermarks asks the partition's leader.
func (c *Consumer) QueryWatermarks(topic string, partition int32, timeout time.Duration) (int64, int64, error) {
	lo, hi, err := c.c.QueryWatermarkOffsets(topic, partition, int(timeout/time.Millisecond))
	return lo, hi, wrap(err)
}

// Metadata asks the cluster for metadata.
func (c *Consumer) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	md, err := c.c.GetMetadata(topic, all, int(timeout/time.Millisecond))
	if err != nil {
		return nil, wrap(err)
	}
	return fromMetadata(md), nil
}

// Close leaves the group and closes the client.
func (c *Consumer) Close() error { return wrap(c.c.Close()) }
