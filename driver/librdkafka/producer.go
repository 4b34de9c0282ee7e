package librdkafka

import (
	"errors"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// Producer is a librdkafka producer. It reuses one Message for Produce and one Delivery for
// results, so kbench's side of the per-record path allocates nothing (librdkafka's Go client
// allocates the delivery report's Message itself).
type Producer struct {
	p     *kafka.Producer
	topic string // the last topic produced to; msg points at it
	msg   kafka.Message
	d     driver.Delivery
}

// NewProducer creates a producer from librdkafka properties.
func NewProducer(cfg map[string]string) (*Producer, error) {
	p, err := kafka.NewProducer(ConfigMap(cfg))
	if err != nil {
		return nil, wrap(err)
	}
	pr := &Producer{p: p}
	pr.msg.TopicPartition.Topic = &pr.topic
	return pr, nil
}

// Produce enqueues r; driver.QueueFull when librdkafka's queue is full.
func (p *Producer) Produce(r *driver.Record) error {
	if p.topic != r.Topic {
		p.topic = r.Topic
	}
	p.msg.TopicPartition.Partition = r.Partition
	p.msg.Key, p.msg.Value = r.Key, r.Value
	err := p.p.Produce(&p.msg, nil)
	if err == nil {
		return nil
	}
	if ke, ok := err.(kafka.Error); ok && ke.Code() == kafka.ErrQueueFull {
		return driver.QueueFull
	}
	return wrap(err)
}

// ProduceSync sends r with its own delivery channel and waits for its result.
func (p *Producer) ProduceSync(r *driver.Record, timeout time.Duration) (int64, error) {
	topic := r.Topic
	ch := make(chan kafka.Event, 1)
	m := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: r.Partition}, Key: r.Key, Value: r.Value}
	if err := p.p.Produce(m, ch); err != nil {
		return 0, wrap(err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ev := <-ch:
		m, ok := ev.(*kafka.Message)
		if !ok {
			return 0, fmt.Errorf("unexpected event %v", ev)
		}
		if m.TopicPartition.Error != nil {
			return 0, wrap(m.TopicPartition.Error)
		}
		return int64(m.TopicPartition.Offset), nil
	case <-t.C:
		return 0, fmt.Errorf("no acknowledgement within %s", timeout)
	}
}

// Deliveries reads librdkafka's event channel until the producer is closed.
func (p *Producer) Deliveries(h driver.DeliveryHandler) {
	for ev := range p.p.Events() {
		switch m := ev.(type) {
		case *kafka.Message:
			p.fill(m)
			h.Delivered(&p.d)
		case kafka.Error:
			h.ClientError(toError(m))
		}
	}
}

// fill copies a delivery report into the reused Delivery.
func (p *Producer) fill(m *kafka.Message) {
	p.d.Key, p.d.Partition, p.d.Offset = m.Key, m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
	p.d.Err = driver.Error{}
	if err := m.TopicPartition.Error; err != nil {
		var ke kafka.Error
		if errors.As(err, &ke) {
			p.d.Err = toError(ke)
		} else {
			p.d.Err = driver.NewError(-1, "UNKNOWN", err.Error(), driver.Indeterminate, false, false)
		}
	}
}

// Purge drops queued and in-flight records without blocking.
func (p *Producer) Purge() {
	_ = p.p.Purge(kafka.PurgeQueue | kafka.PurgeInFlight | kafka.PurgeNonBlocking)
}

// Metadata asks the cluster for metadata.
func (p *Producer) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	md, err := p.p.GetMetadata(topic, all, int(timeout/time.Millisecond))
	if err != nil {
		return nil, wrap(err)
	}
	return fromMetadata(md), nil
}

// Close closes the client.
func (p *Producer) Close() { p.p.Close() }
