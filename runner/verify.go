package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// verifyRead is the audit's read-back: a fresh consumer that assigns every partition itself (no
// group, so no rebalance and no committed offset can hide a record), reads from the earliest
// offset until each partition reaches the high watermark taken when the read began, and feeds
// every kbench record to v. It covers the whole topic, warmup records included: the audit
// accounts for every record the point sent, not only the measured ones. It returns false in
// timedOut when the bound ran out before every partition was read to its watermark. On an
// existing topic, from gives each partition's first offset to read (nil: the earliest) and own
// says which producer ids are the point's (nil: all); other records are skipped.
func verifyRead(ctx context.Context, conn connection, topic string, partitions int, from []int64, own func(uint32) bool, v *Verifier, limit time.Duration) (timedOut bool, err error) {
	c, err := kafka.NewConsumer(toConfigMap(verifyConsumerConfig(conn, "kbench-verify-"+topic)))
	if err != nil {
		return false, fmt.Errorf("verification consumer: %w", err)
	}
	defer closeBounded(func() { _ = c.Close() }, 10*time.Second)

	deadline := time.Now().Add(limit)
	high := make([]int64, partitions)
	var tps []kafka.TopicPartition
	remaining := 0
	for p := 0; p < partitions; p++ {
		_, hi, err := c.QueryWatermarkOffsets(topic, int32(p), int(metadataTimeout/time.Millisecond))
		if err != nil {
			return false, fmt.Errorf("high watermark of %s/%d: %w", topic, p, err)
		}
		high[p] = hi
		start := kafka.OffsetBeginning
		if from != nil {
			start = kafka.Offset(from[p])
		}
		if hi > 0 && (from == nil || hi > from[p]) {
			remaining++
			tps = append(tps, kafka.TopicPartition{Topic: &topic, Partition: int32(p), Offset: start})
		}
	}
	if remaining == 0 {
		return false, nil
	}
	if err := c.Assign(tps); err != nil {
		return false, fmt.Errorf("assign %s for the verification read: %w", topic, err)
	}
	done := make([]bool, partitions)
	for remaining > 0 {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return true, nil
		}
		ev := c.Poll(100)
		m, ok := ev.(*kafka.Message)
		if !ok {
			continue
		}
		p := m.TopicPartition.Partition
		if h, err := decodeHeader(m.Value); err == nil && (own == nil || own(h.Producer)) {
			v.Observe(p, h.Producer, h.Seq)
		}
		// Offsets can jump (transaction markers, compaction), so "reached" means the next offset
		// to read is at or past the watermark.
		if !done[p] && int64(m.TopicPartition.Offset)+1 >= high[p] {
			done[p] = true
			remaining--
		}
	}
	return false, nil
}
