package franzgo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kbench/kbench/driver"
)

// Client-local conditions franz-go has and librdkafka names differently or not at all. They
// get librdkafka's code where the meaning is the same (package driver numbers local conditions
// as librdkafka does), and codes of their own below librdkafka's range otherwise.
const (
	errDestroy        driver.Code = -197 // librdkafka's _DESTROY: the client was closed
	errRetriesExhaust driver.Code = -1000
	errUnknownLocal   driver.Code = -1
)

// toError classifies err (nil: no error). A Kafka error keeps its protocol code and upper-case
// name (kerr's Message is exactly Kafka's name); franz-go's own conditions map to the driver's
// local codes: a record timing out in the client is _MSG_TIMED_OUT, an abort (Purge) is
// _PURGE_INFLIGHT, a closed client _DESTROY, a refused connection _TRANSPORT, a failed TLS
// handshake _SSL and a refused login _AUTHENTICATION.
func toError(err error) driver.Error {
	if err == nil {
		return driver.Error{}
	}
	msg := err.Error()
	switch {
	case errors.Is(err, kgo.ErrRecordTimeout):
		return driver.NewError(driver.ErrMsgTimedOut, "_MSG_TIMED_OUT", msg, driver.Indeterminate, false, false)
	case errors.Is(err, kgo.ErrAborting):
		// franz-go fails queued and sent records alike on an abort, so none is known unsent.
		return driver.NewError(driver.ErrPurgeInflight, "_PURGE_INFLIGHT", msg, driver.Indeterminate, false, false)
	case errors.Is(err, kgo.ErrMaxBuffered):
		return driver.NewError(driver.ErrQueueFull, "_QUEUE_FULL", msg, driver.DefinitelyFailed, true, false)
	case errors.Is(err, kgo.ErrClientClosed):
		return driver.NewError(errDestroy, "_DESTROY", msg, driver.Indeterminate, false, false)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return driver.NewError(driver.ErrTimedOut, "_TIMED_OUT", msg, driver.Indeterminate, true, false)
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		c := driver.Code(ke.Code)
		switch c {
		case driver.ErrSaslAuthenticationFailed, 33, 34: // SASL failed, unsupported mechanism, illegal state
			return driver.NewError(driver.ErrAuthentication, "_AUTHENTICATION", msg, driver.DefinitelyFailed, false, false)
		}
		cls := class(c)
		if errors.Is(err, kgo.ErrRecordRetries) {
			cls = driver.Indeterminate // earlier attempts may have been written
		}
		return driver.NewError(c, ke.Message, msg, cls, ke.Retriable, false)
	}
	if errors.Is(err, kgo.ErrRecordRetries) {
		return driver.NewError(errRetriesExhaust, "_RETRIES_EXHAUSTED", msg, driver.Indeterminate, false, false)
	}
	if isTLS(err) {
		return driver.NewError(driver.ErrSsl, "_SSL", msg, driver.DefinitelyFailed, false, false)
	}
	var ne net.Error
	var fe *kgo.ErrFirstReadEOF
	if errors.As(err, &ne) || errors.As(err, &fe) {
		return driver.NewError(driver.ErrTransport, "_TRANSPORT", msg, driver.Indeterminate, true, false)
	}
	return driver.NewError(errUnknownLocal, "UNKNOWN", msg, driver.Indeterminate, false, false)
}

// isTLS says whether err is a TLS handshake or certificate failure.
func isTLS(err error) bool {
	var (
		rh  tls.RecordHeaderError
		ve  *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		ci  x509.CertificateInvalidError
		ae  tls.AlertError
		ech *tls.ECHRejectionError
	)
	return errors.As(err, &rh) || errors.As(err, &ve) || errors.As(err, &ua) || errors.As(err, &hn) ||
		errors.As(err, &ci) || errors.As(err, &ae) || errors.As(err, &ech)
}

// wrap is toError for an error return: nil stays nil.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	return toError(err)
}

// codeError is the driver error for a Kafka error code in a response (0: none).
func codeError(code int16, message *string) driver.Error {
	if code == 0 {
		return driver.Error{}
	}
	err := kerr.ErrorForCode(code)
	e := toError(err)
	if message != nil && *message != "" {
		return driver.NewError(e.Code(), e.Name(), e.Error()+": "+*message, e.Class(), e.IsRetriable(), e.IsFatal())
	}
	return e
}

// class says whether a Kafka error means a produced record was definitely not written: the
// same list as the librdkafka driver's, so the audit classifies both clients alike.
func class(c driver.Code) driver.Class {
	switch c {
	case driver.ErrMsgSizeTooLarge, driver.ErrInvalidMsgSize, driver.ErrUnknownTopicOrPart,
		driver.ErrTopicAuthorizationFailed, driver.ErrRecordListTooLarge, driver.ErrNotEnoughReplicas,
		driver.ErrInvalidRecord, driver.ErrInvalidRequiredAcks, driver.ErrUnsupportedVersion,
		driver.ErrClusterAuthorizationFailed, driver.ErrTopicException, driver.ErrPolicyViolation:
		return driver.DefinitelyFailed
	}
	return driver.Indeterminate
}

// CodeName is the name failures are counted by for a driver code this driver reports.
func CodeName(c driver.Code) string {
	if c >= 0 {
		if e := kerr.ErrorForCode(int16(c)); e != nil {
			var ke *kerr.Error
			if errors.As(e, &ke) {
				return ke.Message
			}
		}
	}
	return "ERR_" + strconv.Itoa(int(c))
}
