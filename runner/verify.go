package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kbench/kbench/driver"

	"github.com/kbench/kbench/audit"
	"github.com/kbench/kbench/record"
	"github.com/kbench/kbench/stats"
)

// testHookVerifyRecord, when set by a test, is called after each record the verification read
// observes, with the number observed so far (to interrupt a read part-way deterministically).
var testHookVerifyRecord func(observed int64)

// verifyRetryBackoff bounds the wait between two attempts to set the verification read up.
const verifyRetryBackoff = 2 * time.Second

// errNoLeader says a partition had no leader in the read's metadata: retryable (an election
// after a broker restart), like UNKNOWN_PARTITION and LEADER_NOT_AVAILABLE.
var errNoLeader = errors.New("no leader")

// verifyRead is the audit's read-back: a fresh consumer of driver d (the point's verification
// read client: profiles.Point.VerifyClient) that assigns every partition itself (no
// group, so no rebalance and no committed offset can hide a record), reads from the earliest
// offset until each partition reaches the high watermark taken when the read began, and feeds
// every kbench record to v. It covers the whole topic, warmup records included: the audit
// accounts for every record the point sent, not only the measured ones. On an existing topic,
// from gives each partition's first offset to read (nil: the earliest) and own says which
// producer ids are the point's (nil: all); other records are skipped.
//
// Setting the read up (metadata, high watermarks, assignment) is retried with a fresh client on
// a retryable error (a partition without a leader or unknown to the client's metadata, right
// after a broker restart) until limit runs out. The returned read says how far it got; it is
// complete only when every partition reached its watermark. timedOut says limit ran out; err is
// set when the read could not be set up at all (read.Stopped says so too).
func verifyRead(ctx context.Context, d driver.Driver, conn connection, topic string, partitions int, from []int64, own func(uint32) bool, v *audit.Verifier, limit time.Duration) (read stats.VerificationRead, timedOut bool, err error) {
	return verifyReadTap(ctx, d, conn, topic, partitions, from, own, v, limit, nil)
}

// verifyReadTap is verifyRead that also hands every kbench record it observes to tap (nil:
// none), which the copy pipeline's audit uses to read the copier tags.
func verifyReadTap(ctx context.Context, d driver.Driver, conn connection, topic string, partitions int, from []int64, own func(uint32) bool, v *audit.Verifier, limit time.Duration, tap func(record.Header, []byte)) (read stats.VerificationRead, timedOut bool, err error) {
	deadline := time.Now().Add(limit)
	read.Partitions = make([]stats.PartitionRead, partitions)
	for p := range read.Partitions {
		start := int64(0)
		if from != nil {
			start = from[p]
		}
		read.Partitions[p] = stats.PartitionRead{Partition: int32(p), StartOffset: start, ReachedOffset: start, HighWatermark: -1}
	}
	defer func() { read.OffsetsRead, read.OffsetsToRead = offsetsRead(read.Partitions) }()

	c, tps, err := setUpVerify(ctx, d, conn, topic, &read, deadline)
	switch {
	case err != nil && ctx.Err() != nil:
		read.Stopped = "interrupted before the read began"
		return read, false, nil
	case err != nil:
		read.Stopped = fmt.Sprintf("failed after %d attempt(s): %v", read.Attempts, err)
		return read, false, err
	}
	defer closeBounded(func() { _ = c.Close() }, 10*time.Second)
	if len(tps) == 0 {
		read.Complete = true
		return read, false, nil
	}
	return pollVerify(ctx, c, topic, &read, len(tps), own, v, deadline, limit, tap)
}

// setUpVerify creates the read's consumer, takes every partition's high watermark and assigns
// the partitions that hold records to read, retrying retryable errors with a fresh client (fresh
// metadata) until deadline or ctx ends. It fills read's watermarks and counts its attempts.
func setUpVerify(ctx context.Context, d driver.Driver, conn connection, topic string, read *stats.VerificationRead, deadline time.Time) (driver.Consumer, []driver.TopicPartition, error) {
	backoff := 100 * time.Millisecond
	for {
		read.Attempts++
		c, tps, err := tryVerifySetUp(d, conn, topic, read, deadline)
		if err == nil {
			return c, tps, nil
		}
		if !retryableRead(err) {
			return nil, nil, err
		}
		wait := min(backoff, time.Until(deadline))
		if wait <= 0 {
			return nil, nil, fmt.Errorf("%w (retryable; the bound ran out)", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, verifyRetryBackoff)
	}
}

// tryVerifySetUp is one attempt of setUpVerify; the consumer is closed unless it is returned.
func tryVerifySetUp(d driver.Driver, conn connection, topic string, read *stats.VerificationRead, deadline time.Time) (_ driver.Consumer, _ []driver.TopicPartition, err error) {
	c, err := d.NewConsumer(verifyConsumerConfig(conn, d.Name(), "kbench-verify-"+topic))
	if err != nil {
		return nil, nil, fmt.Errorf("verification consumer: %w", err)
	}
	defer func() {
		if err != nil {
			closeBounded(func() { _ = c.Close() }, 10*time.Second)
		}
	}()
	timeout := func() time.Duration {
		return max(min(metadataTimeout, time.Until(deadline)), 100*time.Millisecond)
	}
	md, err := c.Metadata(&topic, false, timeout())
	if err != nil {
		return nil, nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if err := leadersKnown(md, topic, len(read.Partitions)); err != nil {
		return nil, nil, err
	}
	var tps []driver.TopicPartition
	for i := range read.Partitions {
		pr := &read.Partitions[i]
		_, hi, err := c.QueryWatermarks(topic, pr.Partition, timeout())
		if err != nil {
			return nil, nil, fmt.Errorf("high watermark of %s/%d: %w", topic, pr.Partition, err)
		}
		pr.HighWatermark = hi
		if hi > pr.StartOffset {
			start := pr.StartOffset
			if pr.StartOffset == 0 {
				start = driver.OffsetBeginning // a fresh topic; the log start may have moved past 0
			}
			tps = append(tps, driver.TopicPartition{Topic: topic, Partition: pr.Partition, Offset: start})
		}
	}
	if len(tps) == 0 {
		return c, nil, nil
	}
	if err := c.Assign(tps); err != nil {
		return nil, nil, fmt.Errorf("assign %s for the verification read: %w", topic, err)
	}
	return c, tps, nil
}

// leadersKnown checks that the metadata has every partition of topic with a leader.
func leadersKnown(md *driver.Metadata, topic string, partitions int) error {
	tm, ok := md.Topics[topic]
	if !ok {
		return fmt.Errorf("metadata of %s: %w", topic, driver.NewError(driver.ErrUnknownTopic, "_UNKNOWN_TOPIC", "topic not in metadata", driver.Indeterminate, false, false))
	}
	if tm.Error.Code() != driver.ErrNoError {
		return fmt.Errorf("metadata of %s: %w", topic, tm.Error)
	}
	led := make([]bool, partitions)
	for _, p := range tm.Partitions {
		if p.Error.Code() == driver.ErrNoError && p.Leader >= 0 && int(p.ID) < partitions {
			led[p.ID] = true
		}
	}
	for p, ok := range led {
		if !ok {
			return fmt.Errorf("partition %s/%d: %w", topic, p, errNoLeader)
		}
	}
	return nil
}

// pollVerify reads the assigned partitions until each reaches its high watermark, ctx ends or
// deadline passes, recording in read how far each partition got.
func pollVerify(ctx context.Context, c driver.Consumer, topic string, read *stats.VerificationRead, remaining int, own func(uint32) bool, v *audit.Verifier, deadline time.Time, limit time.Duration, tap func(record.Header, []byte)) (stats.VerificationRead, bool, error) {
	parts := read.Partitions
	done := make([]bool, len(parts))
	batch := make([]driver.Message, pollBatch)
	n, i := 0, 0
	for remaining > 0 {
		if ctx.Err() != nil {
			read.Stopped = "interrupted"
			return *read, false, nil
		}
		if time.Now().After(deadline) {
			read.Stopped = fmt.Sprintf("its bound of %s ran out", limit)
			return *read, true, nil
		}
		if i == n {
			n, _ = c.Poll(100*time.Millisecond, batch)
			i = 0
			if n == 0 {
				remaining -= reachedByPosition(c, topic, read, done)
			}
			continue
		}
		m := &batch[i]
		i++
		p := m.Partition
		if p < 0 || int(p) >= len(parts) {
			continue
		}
		if h, err := record.DecodeHeader(m.Value); err == nil && (own == nil || own(h.Producer)) {
			v.Observe(p, h.Producer, h.Seq)
			if tap != nil {
				tap(h, m.Value)
			}
			read.RecordsRead++
			if testHookVerifyRecord != nil {
				testHookVerifyRecord(read.RecordsRead)
			}
		}
		// Offsets can jump (transaction markers, compaction), so "reached" means the next offset
		// to read is at or past the watermark.
		next := m.Offset + 1
		pr := &parts[p]
		pr.ReachedOffset = max(pr.ReachedOffset, next)
		if !done[p] && next >= pr.HighWatermark {
			done[p] = true
			remaining--
		}
	}
	read.Complete = true
	return *read, false, nil
}

// reachedByPosition marks done the partitions whose position (next offset to read) is at or
// past the high watermark although no record there said so: the last offsets of a partition
// written by transactions are a commit or abort marker, or records of an aborted transaction a
// read_committed reader skips, which the client steps over without returning (librdkafka
// advances the position past them since 1.4). It is asked only when a poll returned nothing,
// and returns how many partitions it marked.
func reachedByPosition(c driver.Consumer, topic string, read *stats.VerificationRead, done []bool) int {
	var ask []driver.TopicPartition
	for p, d := range done {
		if !d {
			ask = append(ask, driver.TopicPartition{Topic: topic, Partition: int32(p)})
		}
	}
	if len(ask) == 0 {
		return 0
	}
	pos, err := c.Position(ask)
	if err != nil {
		return 0
	}
	marked := 0
	for _, tp := range pos {
		p := tp.Partition
		if p < 0 || int(p) >= len(done) || done[p] || tp.Offset < 0 {
			continue
		}
		pr := &read.Partitions[p]
		pr.ReachedOffset = max(pr.ReachedOffset, tp.Offset)
		if tp.Offset >= pr.HighWatermark {
			done[p] = true
			marked++
		}
	}
	return marked
}

// offsetsRead sums, over the partitions whose high watermark is known, the offsets read and the
// offsets there were to read.
func offsetsRead(parts []stats.PartitionRead) (read, toRead int64) {
	for _, p := range parts {
		if p.HighWatermark < 0 || p.HighWatermark <= p.StartOffset {
			continue
		}
		toRead += p.HighWatermark - p.StartOffset
		read += min(p.ReachedOffset, p.HighWatermark) - p.StartOffset
	}
	return read, toRead
}

// retryableRead says whether setting up the verification read may succeed if tried again with
// fresh metadata. A restart leaves the client in many transient states for a moment (partition
// unknown to its metadata, no leader or a moving one, a dropped broker handle, a request timed
// out in its queue: all seen on the local cluster), so a Kafka error is retried unless it is one
// no retry can fix (authorization, authentication, an invalid argument or configuration, an
// unsupported request, a fatal client error); the read's bound keeps the retries finite.
func retryableRead(err error) bool {
	if errors.Is(err, errNoLeader) {
		return true
	}
	var kerr driver.Error
	if !errors.As(err, &kerr) || kerr.IsFatal() {
		return false
	}
	switch kerr.Code() {
	case driver.ErrTopicAuthorizationFailed, driver.ErrClusterAuthorizationFailed, driver.ErrGroupAuthorizationFailed,
		driver.ErrSaslAuthenticationFailed, driver.ErrAuthentication, driver.ErrSsl, driver.ErrInvalidArg,
		driver.ErrInvalidConfig, driver.ErrUnsupportedFeature, driver.ErrUnsupportedVersion, driver.ErrNotImplemented,
		driver.ErrFatal, driver.ErrInvalidRequest, driver.ErrTopicException:
		return false
	}
	return true
}
