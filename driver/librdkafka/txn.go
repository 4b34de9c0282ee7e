package librdkafka

import (
	"context"
	"fmt"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// The transactional producer: librdkafka's transactional API, one call per transaction. Every
// Producer implements driver.TransactionalProducer; librdkafka itself refuses the calls (with
// _NOT_CONFIGURED) when the producer has no transactional.id.

var _ driver.TransactionalProducer = (*Producer)(nil)

// InitTransactions registers the transactional.id and fences older instances.
func (p *Producer) InitTransactions(ctx context.Context) error {
	return wrap(p.p.InitTransactions(ctx))
}

// BeginTransaction starts a transaction.
func (p *Producer) BeginTransaction() error { return wrap(p.p.BeginTransaction()) }

// CommitTransaction flushes and commits the transaction.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	return wrap(p.p.CommitTransaction(ctx))
}

// AbortTransaction purges and aborts the transaction.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	return wrap(p.p.AbortTransaction(ctx))
}

// SendOffsetsToTransaction adds the consumer's offsets to the transaction. group.Opaque must be
// the *kafka.ConsumerGroupMetadata this driver's Consumer.GroupMetadata returned; without it the
// group name alone is used (no generation fencing).
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets []driver.TopicPartition, group driver.GroupMetadata) error {
	md, ok := group.Opaque.(*kafka.ConsumerGroupMetadata)
	if !ok {
		var err error
		if md, err = kafka.NewTestConsumerGroupMetadata(group.Group); err != nil {
			return fmt.Errorf("group metadata of %s: %w", group.Group, wrap(err))
		}
	}
	return wrap(p.p.SendOffsetsToTransaction(ctx, topicPartitions(offsets), md))
}

// GroupMetadata is the consumer's group membership, for SendOffsetsToTransaction.
func (c *Consumer) GroupMetadata() (driver.GroupMetadata, error) {
	md, err := c.c.GetConsumerGroupMetadata()
	if err != nil {
		return driver.GroupMetadata{}, wrap(err)
	}
	return driver.GroupMetadata{Opaque: md}, nil
}

var _ driver.GroupMetadataConsumer = (*Consumer)(nil)
