package driver

import (
	"context"
	"fmt"
	"testing"
)

func TestClassifyTxn(t *testing.T) {
	abortable := NewError(ErrNotEnoughReplicas, "NOT_ENOUGH_REPLICAS", "x", DefinitelyFailed, true, false).WithTxnRequiresAbort()
	tests := []struct {
		name   string
		err    error
		want   TxnClass
		fenced bool
	}{
		{"abortable outranks retriable", fmt.Errorf("commit: %w", abortable), TxnAbortable, false},
		{"retriable", NewError(ErrTimedOut, "_TIMED_OUT", "x", Indeterminate, true, false), TxnRetriable, false},
		{"fatal", NewError(ErrFatal, "_FATAL", "x", Indeterminate, false, true), TxnFatal, false},
		{"fenced is fatal even if marked abortable", NewError(ErrProducerFenced, "PRODUCER_FENCED", "x", Indeterminate, false, false).WithTxnRequiresAbort(), TxnFatal, true},
		{"local fenced", NewError(ErrFenced, "_FENCED", "x", Indeterminate, false, true), TxnFatal, true},
		{"unclassified Kafka error is fatal", NewError(ErrInvalidTxnState, "INVALID_TXN_STATE", "x", Indeterminate, false, false), TxnFatal, false},
		{"context deadline: outcome not known yet", context.DeadlineExceeded, TxnRetriable, false},
	}
	for _, tt := range tests {
		if got := ClassifyTxn(tt.err); got != tt.want || IsFenced(tt.err) != tt.fenced {
			t.Errorf("%s: class %s fenced %v, want %s %v", tt.name, got, IsFenced(tt.err), tt.want, tt.fenced)
		}
	}
}
