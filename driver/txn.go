package driver

import (
	"context"
	"errors"
)

// Transactions.
//
// A driver that supports Kafka transactions returns, from NewProducer with a "transactional.id"
// property, a Producer that also implements TransactionalProducer; the engine checks with a type
// assertion and refuses a transactional point on a driver whose producer does not (or whose
// methods return ErrTransactionsNotSupported), so a new driver can start without them. The calls
// are per transaction, never per record: they may block and allocate.

// ErrTransactionsNotSupported is what a driver returns when it cannot run transactions (yet).
var ErrTransactionsNotSupported = errors.New("transactions are not supported by this driver")

// TransactionalProducer is a Producer with a transactional.id: its records become visible to
// read_committed consumers only when the transaction they were produced in commits.
type TransactionalProducer interface {
	Producer
	// InitTransactions registers the transactional.id with its coordinator, fencing any earlier
	// instance with the same id (its open transaction is aborted). Call once, before the first
	// BeginTransaction.
	InitTransactions(ctx context.Context) error
	// BeginTransaction starts a transaction locally (no request to the cluster).
	BeginTransaction() error
	// CommitTransaction flushes the transaction's records and commits it. A failed commit says
	// through its Error what to do: TxnRequiresAbort (call AbortTransaction, the records are
	// discarded), IsRetriable (call CommitTransaction again), IsFatal (the producer is unusable,
	// often fenced by a newer instance: IsFenced).
	CommitTransaction(ctx context.Context) error
	// AbortTransaction discards the transaction's records (read_committed consumers never see
	// them); records still queued are purged first.
	AbortTransaction(ctx context.Context) error
	// SendOffsetsToTransaction adds a consumer group's offsets to the transaction, so that they
	// are committed if and only if the transaction commits (consume-transform-produce).
	SendOffsetsToTransaction(ctx context.Context, offsets []TopicPartition, group GroupMetadata) error
}

// GroupMetadata identifies a consumer group member for SendOffsetsToTransaction: the broker
// fences offsets sent for a generation that is no longer current. Opaque carries the driver's
// own form of it (librdkafka's serialized metadata); another driver uses the named fields.
type GroupMetadata struct {
	Group      string
	Generation int32
	MemberID   string
	Opaque     any
}

// GroupMetadataConsumer is a Consumer that can say its group membership, for
// SendOffsetsToTransaction.
type GroupMetadataConsumer interface {
	GroupMetadata() (GroupMetadata, error)
}

// Transaction error codes kbench acts on.
const (
	ErrInvalidProducerEpoch        Code = 47
	ErrInvalidTxnState             Code = 48
	ErrConcurrentTransactions      Code = 51
	ErrTransactionCoordinatorFence Code = 52
	ErrProducerFenced              Code = 90
	ErrFenced                      Code = -144 // client-local: this instance was fenced by a newer one
	ErrState                       Code = -172 // client-local: the call does not fit the transaction's state
)

// TxnClass says what a failed transactional call means for the transaction.
type TxnClass uint8

// The classes of a transactional call's error.
const (
	TxnFatal     TxnClass = iota // the producer is unusable; the transaction's outcome is unknown unless it was never committed
	TxnAbortable                 // the transaction must be aborted; its records are discarded
	TxnRetriable                 // the same call may be retried
)

// String names the class for notes.
func (c TxnClass) String() string {
	switch c {
	case TxnAbortable:
		return "abortable"
	case TxnRetriable:
		return "retriable"
	}
	return "fatal"
}

// ClassifyTxn classes err from a transactional call. An error that is not a driver.Error (a
// context deadline) is retriable: the call's outcome is not known yet, and the client decides
// on the next call. Fatal outranks abortable, abortable outranks retriable.
func ClassifyTxn(err error) TxnClass {
	var de Error
	if !errors.As(err, &de) {
		return TxnRetriable
	}
	switch {
	case de.IsFatal() || IsFenced(err):
		return TxnFatal
	case de.TxnRequiresAbort():
		return TxnAbortable
	case de.IsRetriable():
		return TxnRetriable
	}
	return TxnFatal
}

// IsFenced says whether err means a newer instance with the same transactional.id took over.
func IsFenced(err error) bool {
	var de Error
	if !errors.As(err, &de) {
		return false
	}
	switch de.Code() {
	case ErrProducerFenced, ErrFenced, ErrInvalidProducerEpoch, ErrTransactionCoordinatorFence:
		return true
	}
	return false
}
