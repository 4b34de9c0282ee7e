package franzgo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kbench/kbench/driver"
)

// The transactional producer: franz-go's transactions (kgo.TransactionalID, BeginTransaction,
// Flush + EndTransaction) behind the seam's TransactionalProducer, with the same contract as
// the librdkafka driver's. Three things franz-go does differently are made to match here:
//
//   - A commit after a failed produce: franz-go commits whatever records succeeded (its
//     documented divergence from Java); librdkafka and Java refuse, and the runner counts every
//     record of a committed transaction as acknowledged. So CommitTransaction flushes, and when
//     any record of the transaction failed it does not commit but returns that record's error
//     as abortable (fatal when the failure says the producer was fenced).
//   - Offsets in the transaction: franz-go commits a group's offsets transactionally only from
//     the client that consumes in the group (GroupTransactSession); kbench's seam, like
//     librdkafka's, has the consumer and the producer as two clients. SendOffsetsToTransaction
//     therefore sends Kafka's AddOffsetsToTxn and TxnOffsetCommit itself (KIP-447: with the
//     consumer's generation, member id and instance id, so the group coordinator fences a
//     stale member), with the producer id and epoch of this client's transaction.
//   - A commit whose outcome is not known: franz-go refuses to retry a commit whose EndTxn got
//     no definite answer (a dropped connection, a timeout, UNKNOWN_SERVER_ERROR): the retry
//     could only abort by bumping the epoch, and the first commit may have happened. That
//     error is reported fatal (_TXN_OUTCOME_UNKNOWN): the runner then counts the transaction
//     unresolved and the audit decides by reading, never by assuming.
//
// Error classes (driver.ClassifyTxn reads them), by Kafka error:
//
//	fatal, fenced:  PRODUCER_FENCED, INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED,
//	                FENCED_INSTANCE_ID (offsets of a static member a newer instance replaced)
//	fatal:          INVALID_TXN_STATE, INVALID_PRODUCER_ID_MAPPING,
//	                TRANSACTIONAL_ID_AUTHORIZATION_FAILED, any authorization or version error,
//	                an unknown commit outcome, a call in the wrong state (_STATE, or franz-go's
//	                own state errors, which keep the name UNKNOWN)
//	abortable:      TRANSACTION_ABORTABLE, OPERATION_NOT_ATTEMPTED, UNKNOWN_PRODUCER_ID,
//	                ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS (the consumer's
//	                offsets are stale), a failed record of the transaction, any other Kafka error
//	retriable:      CONCURRENT_TRANSACTIONS, the coordinator errors (NOT_COORDINATOR,
//	                COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS), other retriable
//	                Kafka errors, and a deadline or a connection error outside a commit

var (
	_ driver.TransactionalProducer = (*Producer)(nil)
	_ driver.GroupMetadataConsumer = (*Consumer)(nil)
)

// errTxnOutcomeUnknown is the local code of a commit whose outcome franz-go could not confirm.
const errTxnOutcomeUnknown driver.Code = -1001

// GroupInstance is the static member id (group.instance.id) this driver's Consumer puts in
// driver.GroupMetadata's Opaque, for the TxnOffsetCommit of SendOffsetsToTransaction.
type GroupInstance string

// InitTransactions registers the transactional.id with its coordinator (InitProducerID), which
// fences an older instance with the same id and aborts its open transaction.
func (p *Producer) InitTransactions(ctx context.Context) error {
	if !p.transactional() {
		return stateError("init transactions: the producer has no transactional.id")
	}
	if _, _, err := p.cl.ProducerID(ctx); err != nil {
		return fmt.Errorf("init transactions: %w", txnError(err, false))
	}
	return nil
}

// BeginTransaction starts a transaction (no request to the cluster).
func (p *Producer) BeginTransaction() error {
	if !p.transactional() {
		return stateError("begin transaction: the producer has no transactional.id")
	}
	if err := p.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction: %w", txnError(err, false))
	}
	p.txnRecs = 0
	p.txnFailed.Store(0)
	p.txnFirstErr.Store(nil)
	return nil
}

// CommitTransaction flushes the transaction's records and commits it; a record that failed
// makes the commit fail as abortable without committing (see the package's transaction notes).
func (p *Producer) CommitTransaction(ctx context.Context) error {
	if err := p.cl.Flush(ctx); err != nil {
		return fmt.Errorf("commit transaction: flush: %w", txnError(err, false))
	}
	if n := p.txnFailed.Load(); n > 0 {
		first := driver.NewError(driver.ErrState, "_STATE", "a record failed", driver.Indeterminate, false, false)
		if e := p.txnFirstErr.Load(); e != nil {
			first = *e
		}
		e := txnClassed(first)
		if !e.IsFatal() {
			e = e.WithTxnRequiresAbort()
		}
		return fmt.Errorf("commit transaction: %d record(s) of it failed, first: %w", n, e)
	}
	if err := p.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("commit transaction: %w", txnError(err, true))
	}
	return nil
}

// AbortTransaction fails the records still buffered (waiting for those in flight) and aborts.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	if err := p.cl.AbortBufferedRecords(ctx); err != nil {
		return fmt.Errorf("abort transaction: %w", txnError(err, false))
	}
	if err := p.cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		return fmt.Errorf("abort transaction: %w", txnError(err, false))
	}
	return nil
}

// SendOffsetsToTransaction adds the consumer group's offsets to the open transaction:
// AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group
// coordinator. A transaction must have produced a record first: franz-go ends a transaction
// only when it knows a partition of it (offsets alone would be left open until the timeout).
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets []driver.TopicPartition, group driver.GroupMetadata) error {
	switch {
	case !p.transactional():
		return stateError("send offsets: the producer has no transactional.id")
	case group.Group == "":
		return stateError("send offsets: no group name in the group metadata (it must come from this driver's Consumer)")
	case p.txnRecs == 0:
		return stateError("send offsets: the transaction has no record yet (kbench's franz-go driver sends offsets only with records)")
	case len(offsets) == 0:
		return nil
	}
	id, epoch, err := p.cl.ProducerID(ctx)
	if err != nil {
		return fmt.Errorf("send offsets: producer id: %w", txnError(err, false))
	}
	err = retryConcurrent(ctx, func() error { return p.addOffsetsToTxn(ctx, id, epoch, group.Group) })
	if err != nil {
		return fmt.Errorf("send offsets: add offsets to transaction: %w", txnError(err, false))
	}
	err = retryConcurrent(ctx, func() error { return p.txnOffsetCommit(ctx, id, epoch, offsets, group) })
	if err != nil {
		return fmt.Errorf("send offsets: commit offsets of group %s in the transaction: %w", group.Group, txnError(err, false))
	}
	return nil
}

// addOffsetsToTxn ties the group's offsets partition to the transaction.
func (p *Producer) addOffsetsToTxn(ctx context.Context, id int64, epoch int16, group string) error {
	req := kmsg.NewPtrAddOffsetsToTxnRequest()
	req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Group = p.s.txnID, id, epoch, group
	resp, err := req.RequestWith(ctx, p.cl)
	if err != nil {
		return err
	}
	return kerr.ErrorForCode(resp.ErrorCode)
}

// txnOffsetCommit writes the offsets as part of the transaction; the first partition error is
// the result.
func (p *Producer) txnOffsetCommit(ctx context.Context, id int64, epoch int16, offsets []driver.TopicPartition, group driver.GroupMetadata) error {
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = p.s.txnID, group.Group, id, epoch
	req.Generation, req.MemberID = group.Generation, group.MemberID
	if inst, ok := group.Opaque.(GroupInstance); ok && inst != "" {
		req.InstanceID = kmsg.StringPtr(string(inst))
	}
	byTopic := map[string]int{}
	for _, o := range offsets {
		i, ok := byTopic[o.Topic]
		if !ok {
			i = len(req.Topics)
			byTopic[o.Topic] = i
			t := kmsg.NewTxnOffsetCommitRequestTopic()
			t.Topic = o.Topic
			id, err := p.topicID(ctx, o.Topic)
			if err != nil {
				return err
			}
			t.TopicID = id
			req.Topics = append(req.Topics, t)
		}
		part := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		part.Partition, part.Offset, part.LeaderEpoch = o.Partition, o.Offset, -1
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, part)
	}
	resp, err := req.RequestWith(ctx, p.cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		for _, part := range t.Partitions {
			if err := kerr.ErrorForCode(part.ErrorCode); err != nil {
				return fmt.Errorf("%s/%d: %w", t.Topic, part.Partition, err)
			}
		}
	}
	return nil
}

// topicID is the topic's id (cached after the first metadata request): TxnOffsetCommit v6+
// names topics by id, earlier versions by name, and franz-go sends the newest the broker takes.
func (p *Producer) topicID(ctx context.Context, topic string) ([16]byte, error) {
	if id, ok := p.topicIDs[topic]; ok {
		return id, nil
	}
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(topic)
	req.Topics = []kmsg.MetadataRequestTopic{t}
	resp, err := req.RequestWith(ctx, p.cl)
	if err != nil {
		return [16]byte{}, fmt.Errorf("topic id of %s: %w", topic, err)
	}
	for _, rt := range resp.Topics {
		if rt.Topic != nil && *rt.Topic == topic {
			if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
				return [16]byte{}, fmt.Errorf("topic id of %s: %w", topic, err)
			}
			if p.topicIDs == nil {
				p.topicIDs = map[string][16]byte{}
			}
			p.topicIDs[topic] = rt.TopicID
			return rt.TopicID, nil
		}
	}
	return [16]byte{}, fmt.Errorf("topic id of %s: not in the metadata answer", topic)
}

// retryConcurrent retries fn while the coordinator answers CONCURRENT_TRANSACTIONS (the
// previous transaction's markers are still being written) or a coordinator error, with a short
// backoff, until ctx ends.
func retryConcurrent(ctx context.Context, fn func() error) error {
	backoff := 20 * time.Millisecond
	for {
		err := fn()
		if err == nil || !txnClassed(toError(err)).IsRetriable() {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(2*backoff, time.Second)
	}
}

// GroupMetadata is the consumer's group membership (group, generation, member id, and the
// static member id in Opaque), for SendOffsetsToTransaction.
func (c *Consumer) GroupMetadata() (driver.GroupMetadata, error) {
	if !c.group {
		return driver.GroupMetadata{}, stateError("group metadata: the consumer is not subscribed to a group")
	}
	member, gen := c.cl.GroupMetadata()
	if member == "" || gen < 0 {
		return driver.GroupMetadata{}, driver.NewError(driver.ErrState, "_STATE", "group metadata: the consumer has not joined its group yet", driver.Indeterminate, true, false)
	}
	md := driver.GroupMetadata{Group: c.s.group, Generation: gen, MemberID: member}
	if v, ok := c.cfg.get("group.instance.id"); ok && v != "" {
		md.Opaque = GroupInstance(v)
	}
	return md, nil
}

// transactional says whether the producer has a transactional.id.
func (p *Producer) transactional() bool { return p.s.txnID != "" }

// stateError is a call that does not fit the producer's state: fatal by ClassifyTxn's default.
func stateError(msg string) error {
	return driver.NewError(driver.ErrState, "_STATE", msg, driver.Indeterminate, false, false)
}

// txnError classes an error of a transactional call (see the table in this file's notes).
// ending says the call was the EndTxn of a commit, where an error without a definite answer
// from the coordinator leaves the outcome unknown.
func txnError(err error, ending bool) driver.Error {
	e := toError(err)
	var ke *kerr.Error
	definite := errors.As(err, &ke) && !ke.Retriable && ke.Code != kerr.UnknownServerError.Code &&
		ke.Code != kerr.ConcurrentTransactions.Code
	if ending && !definite && !errors.Is(err, kerr.OperationNotAttempted) {
		return driver.NewError(errTxnOutcomeUnknown, "_TXN_OUTCOME_UNKNOWN",
			"the commit's outcome is unknown (franz-go does not retry such a commit; the audit decides by reading): "+err.Error(),
			driver.Indeterminate, false, true)
	}
	return txnClassed(e)
}

// txnClassed gives a classified driver error its transactional class.
func txnClassed(e driver.Error) driver.Error {
	retriable, fatal, abort := false, false, false
	switch c := e.Code(); c {
	case driver.ErrProducerFenced, driver.ErrInvalidProducerEpoch, driver.ErrTransactionCoordinatorFence,
		driver.Code(kerr.FencedInstanceID.Code), driver.ErrInvalidTxnState, driver.Code(kerr.InvalidProducerIDMapping.Code),
		driver.ErrTransactionalIDAuthorizationFailed, driver.ErrClusterAuthorizationFailed,
		driver.ErrGroupAuthorizationFailed, driver.ErrUnsupportedVersion, driver.ErrAuthentication, errTxnOutcomeUnknown,
		driver.ErrState, errDestroy:
		fatal = true
	case driver.ErrConcurrentTransactions, driver.ErrCoordinatorLoadInProgress, driver.ErrCoordinatorNotAvailable,
		driver.ErrNotCoordinator, driver.ErrTimedOut, driver.ErrTransport, driver.ErrAllBrokersDown:
		retriable = true
	default:
		switch {
		case c >= 0 && e.IsRetriable():
			retriable = true
		case c >= 0 || c == driver.ErrMsgTimedOut || c == driver.ErrPurgeInflight || c == errRetriesExhaust:
			abort = true // TRANSACTION_ABORTABLE, OPERATION_NOT_ATTEMPTED, stale generation, a failed record
		default:
			fatal = true
		}
	}
	out := driver.NewError(e.Code(), e.Name(), e.Error(), e.Class(), retriable, fatal)
	if abort {
		out = out.WithTxnRequiresAbort()
	}
	return out
}
