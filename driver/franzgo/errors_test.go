package franzgo

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kbench/kbench/driver"
)

// TestErrorClasses: franz-go's errors get the codes, names and classes the audit and the
// failure counts key by, the same as librdkafka's for the same condition.
func TestErrorClasses(t *testing.T) {
	for _, c := range []struct {
		err       error
		code      driver.Code
		name      string
		class     driver.Class
		retriable bool
	}{
		{kerr.NotEnoughReplicas, driver.ErrNotEnoughReplicas, "NOT_ENOUGH_REPLICAS", driver.DefinitelyFailed, true},
		{fmt.Errorf("produce: %w", kerr.MessageTooLarge), driver.ErrMsgSizeTooLarge, "MESSAGE_TOO_LARGE", driver.DefinitelyFailed, false},
		{kerr.NotEnoughReplicasAfterAppend, driver.ErrNotEnoughReplicasAfterAppend, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", driver.Indeterminate, true},
		{kerr.RequestTimedOut, driver.ErrRequestTimedOut, "REQUEST_TIMED_OUT", driver.Indeterminate, true},
		{kerr.NotLeaderForPartition, driver.ErrNotLeaderForPartition, "NOT_LEADER_FOR_PARTITION", driver.Indeterminate, true},
		{kerr.SaslAuthenticationFailed, driver.ErrAuthentication, "_AUTHENTICATION", driver.DefinitelyFailed, false},
		{fmt.Errorf("%w, last err: %w", kgo.ErrRecordTimeout, kerr.NotLeaderForPartition), driver.ErrMsgTimedOut, "_MSG_TIMED_OUT", driver.Indeterminate, false},
		{kgo.ErrRecordRetries, errRetriesExhaust, "_RETRIES_EXHAUSTED", driver.Indeterminate, false},
		{kgo.ErrAborting, driver.ErrPurgeInflight, "_PURGE_INFLIGHT", driver.Indeterminate, false},
		{kgo.ErrMaxBuffered, driver.ErrQueueFull, "_QUEUE_FULL", driver.DefinitelyFailed, true},
		{kgo.ErrClientClosed, errDestroy, "_DESTROY", driver.Indeterminate, false},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, driver.ErrTransport, "_TRANSPORT", driver.Indeterminate, true},
	} {
		e := toError(c.err)
		if e.Code() != c.code || e.Name() != c.name || e.Class() != c.class || e.IsRetriable() != c.retriable {
			t.Errorf("%v: code %d %s class %d retriable %v; want %d %s %d %v", c.err, e.Code(), e.Name(), e.Class(), e.IsRetriable(), c.code, c.name, c.class, c.retriable)
		}
	}
	if e := toError(nil); e.Code() != driver.ErrNoError {
		t.Errorf("nil: %v", e)
	}
	if n := CodeName(driver.ErrNotEnoughReplicas); n != "NOT_ENOUGH_REPLICAS" {
		t.Errorf("CodeName(19) = %s", n)
	}
}
