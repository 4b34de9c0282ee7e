package driver

// Errors.
//
// A driver reports every Kafka or client error as an Error: a Code, the name failures are keyed
// by in result files, and a classification the engine acts on without knowing the client:
//
//   - Indeterminate (the default): a produced record may or may not have been written (a
//     request timed out, the connection dropped after sending). The audit decides by reading.
//   - DefinitelyFailed: the record was not written (rejected before append, never sent).
//   - Retriable: retrying the operation may succeed (a leader moving, a coordinator loading).
//   - Fatal: the client is unusable.
//
// Codes at or above zero are Kafka's protocol error codes, which every client shares. Codes
// below zero are client-local conditions (no request failed on a broker); they are numbered as
// librdkafka numbers them, which defined them first, and another driver maps its own local
// errors (a record timing out in its buffer, a purge, an unreachable cluster) to the same codes.
// Only the conditions kbench acts on are named here; a driver may report others with other
// negative codes, named by Name.

// Code is a Kafka protocol error code (>= 0) or a client-local condition (< 0).
type Code int

// Kafka protocol error codes kbench acts on.
const (
	ErrNoError                            Code = 0
	ErrUnknownTopicOrPart                 Code = 3
	ErrInvalidMsgSize                     Code = 4
	ErrLeaderNotAvailable                 Code = 5
	ErrNotLeaderForPartition              Code = 6
	ErrMsgSizeTooLarge                    Code = 10
	ErrCoordinatorLoadInProgress          Code = 14
	ErrCoordinatorNotAvailable            Code = 15
	ErrNotCoordinator                     Code = 16
	ErrRecordListTooLarge                 Code = 18
	ErrNotEnoughReplicas                  Code = 19
	ErrNotEnoughReplicasAfterAppend       Code = 20
	ErrInvalidRequiredAcks                Code = 21
	ErrTopicAuthorizationFailed           Code = 29
	ErrGroupAuthorizationFailed           Code = 30
	ErrClusterAuthorizationFailed         Code = 31
	ErrUnsupportedVersion                 Code = 35
	ErrTopicAlreadyExists                 Code = 36
	ErrInvalidPartitions                  Code = 37
	ErrInvalidReplicationFactor           Code = 38
	ErrInvalidConfig                      Code = 40
	ErrInvalidRequest                     Code = 42
	ErrPolicyViolation                    Code = 44
	ErrTransactionalIDAuthorizationFailed Code = 53
	ErrSaslAuthenticationFailed           Code = 58
	ErrDelegationTokenAuthorizationFailed Code = 65
	ErrInvalidRecord                      Code = 87
	ErrTopicException                     Code = 17
)

// Client-local conditions kbench acts on.
const (
	ErrRequestTimedOut    Code = 7
	ErrMsgTimedOut        Code = -192
	ErrUnknownPartition   Code = -190
	ErrUnknownTopic       Code = -188
	ErrAllBrokersDown     Code = -187
	ErrInvalidArg         Code = -186
	ErrTimedOut           Code = -185
	ErrQueueFull          Code = -184
	ErrTransport          Code = -195
	ErrSsl                Code = -181
	ErrAuthentication     Code = -169
	ErrNotImplemented     Code = -170
	ErrTimedOutQueue      Code = -166
	ErrUnsupportedFeature Code = -165
	ErrDestroyBroker      Code = -137
	ErrPurgeQueue         Code = -152
	ErrPurgeInflight      Code = -151
	ErrFatal              Code = -150
)

// Error is a classified Kafka or client error. Its zero value is "no error" (ErrNoError).
type Error struct {
	code      Code
	name      string
	msg       string
	failed    bool // definitely not written
	retriable bool
	fatal     bool
	txnAbort  bool // the transaction must be aborted (see TransactionalProducer)
}

// Class says what an Error means for an operation's outcome.
type Class uint8

// Classes of an Error.
const (
	Indeterminate    Class = iota // may or may not have taken effect
	DefinitelyFailed              // did not take effect
)

// NewError makes an Error: name is the name result files key it by (Kafka's upper-case name,
// or the client's own for a local condition, "_MSG_TIMED_OUT"); msg is the human text.
func NewError(code Code, name, msg string, class Class, retriable, fatal bool) Error {
	return Error{code: code, name: name, msg: msg, failed: class == DefinitelyFailed, retriable: retriable, fatal: fatal}
}

// Error is the human text.
func (e Error) Error() string { return e.msg }

// String is the human text.
func (e Error) String() string { return e.msg }

// Code is the error's code (ErrNoError: none).
func (e Error) Code() Code { return e.code }

// Name is the name failures are counted by ("NOT_ENOUGH_REPLICAS", "_MSG_TIMED_OUT").
func (e Error) Name() string { return e.name }

// Class says whether the operation definitely failed or may have taken effect.
func (e Error) Class() Class {
	if e.failed {
		return DefinitelyFailed
	}
	return Indeterminate
}

// IsRetriable says whether retrying may succeed.
func (e Error) IsRetriable() bool { return e.retriable }

// IsFatal says whether the client is unusable.
func (e Error) IsFatal() bool { return e.fatal }

// TxnRequiresAbort says whether the current transaction must be aborted (an abortable error of
// a transactional producer: a record of it failed, a commit could not complete).
func (e Error) TxnRequiresAbort() bool { return e.txnAbort }

// WithTxnRequiresAbort returns e marked as requiring the transaction's abort.
func (e Error) WithTxnRequiresAbort() Error {
	e.txnAbort = true
	return e
}

// QueueFull is what Producer.Produce returns when the client's queue is full: a sentinel, so
// back-pressure costs no allocation. Compare with errors.Is or ==.
var QueueFull error = NewError(ErrQueueFull, "_QUEUE_FULL", "Local: Queue full", DefinitelyFailed, true, false)
