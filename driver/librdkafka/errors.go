package librdkafka

import (
	"errors"
	"strconv"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/driver"
)

// toError classifies a librdkafka error. The codes are the same numbers (see package driver),
// so the conversion is a cast; the name comes from librdkafka's own list.
func toError(e kafka.Error) driver.Error {
	c := e.Code()
	if c == kafka.ErrNoError {
		return driver.Error{}
	}
	de := driver.NewError(driver.Code(c), CodeName(c), e.Error(), class(c), e.IsRetriable(), e.IsFatal())
	if e.TxnRequiresAbort() {
		de = de.WithTxnRequiresAbort()
	}
	return de
}

// wrap turns a librdkafka error into a driver.Error and leaves other errors (context deadline,
// nil) as they are.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	if ke, ok := err.(kafka.Error); ok {
		if ke.Code() == kafka.ErrNoError {
			return nil
		}
		return toError(ke)
	}
	var ke kafka.Error
	if errors.As(err, &ke) {
		c := ke.Code()
		de := driver.NewError(driver.Code(c), CodeName(c), err.Error(), class(c), ke.IsRetriable(), ke.IsFatal())
		if ke.TxnRequiresAbort() {
			de = de.WithTxnRequiresAbort()
		}
		return de
	}
	return err
}

// Classify returns a delivery error's code, its name, and whether the record may still have been
// written (indeterminate) rather than definitely not. An error that is not librdkafka's is
// indeterminate ("UNKNOWN").
func Classify(err error) (code int, name string, indeterminate bool) {
	var kerr kafka.Error
	if !errors.As(err, &kerr) {
		return -1, "UNKNOWN", true
	}
	c := kerr.Code()
	return int(c), CodeName(c), class(c) == driver.Indeterminate
}

// class says whether a produce error means the record was definitely not written.
func class(c kafka.ErrorCode) driver.Class {
	switch c {
	case kafka.ErrMsgSizeTooLarge, kafka.ErrInvalidMsgSize, kafka.ErrUnknownTopicOrPart,
		kafka.ErrTopicAuthorizationFailed, kafka.ErrPurgeQueue, kafka.ErrRecordListTooLarge,
		kafka.ErrNotEnoughReplicas, kafka.ErrInvalidRecord, kafka.ErrUnknownPartition,
		kafka.ErrInvalidRequiredAcks, kafka.ErrUnsupportedVersion, kafka.ErrClusterAuthorizationFailed,
		kafka.ErrTimedOutQueue, kafka.ErrUnknownTopic, kafka.ErrTopicException, kafka.ErrPolicyViolation:
		// Rejected before append (NOT_ENOUGH_REPLICAS is checked before the leader appends;
		// PURGE_QUEUE and _TIMED_OUT_QUEUE were never sent; _UNKNOWN_TOPIC is the client's own
		// refusal). librdkafka reports only the last attempt's error: when an earlier attempt
		// timed out, such a record may still have been written. The audit counts those
		// (failed_but_consumed) instead of trusting this list blindly.
		return driver.DefinitelyFailed
	}
	return driver.Indeterminate
}

// CodeName turns a kafka.ErrorCode into Kafka's upper-case error name, which is how failures
// are keyed in result files. ErrorCode.String gives librdkafka's description; the Go constant
// names are CamelCase, so the name comes from librdkafka's own list where it has one.
func CodeName(c kafka.ErrorCode) string {
	if n, ok := errorNames[c]; ok {
		return n
	}
	return "ERR_" + strconv.Itoa(int(c))
}

// Wrap turns a librdkafka error (or one wrapping it) into a driver.Error; other errors and nil
// are returned as they are.
func Wrap(err error) error { return wrap(err) }

// NewError is the driver.Error librdkafka reports for code (msg its text; fatal: the client is
// unusable), for tests of code above the seam.
func NewError(code driver.Code, msg string, fatal bool) error {
	return wrap(kafka.NewError(kafka.ErrorCode(code), msg, fatal))
}
