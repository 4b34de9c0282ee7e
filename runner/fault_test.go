package runner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/kbench/kbench/profiles"
)

func TestClassifyErrorDefinite(t *testing.T) {
	tests := []struct {
		code  kafka.ErrorCode
		indet bool
	}{
		{kafka.ErrNotEnoughReplicas, false},
		{kafka.ErrTimedOutQueue, false},
		{kafka.ErrPurgeQueue, false},
		{kafka.ErrMsgSizeTooLarge, false},
		{kafka.ErrNotEnoughReplicasAfterAppend, true}, // appended on the leader, maybe replicated later
		{kafka.ErrMsgTimedOut, true},
		{kafka.ErrRequestTimedOut, true},
		{kafka.ErrNotLeaderForPartition, true},
		{kafka.ErrTransport, true},
		{kafka.ErrPurgeInflight, true},
	}
	for _, tt := range tests {
		_, name, indet := classifyError(kafka.NewError(tt.code, "", false))
		if indet != tt.indet {
			t.Errorf("%s: indeterminate %v, want %v", name, indet, tt.indet)
		}
	}
	if _, _, indet := classifyError(errors.New("not a kafka error")); !indet {
		t.Error("an unknown error must count as indeterminate")
	}
}

func TestNewInjectorNeedsCommands(t *testing.T) {
	kill := profiles.Fault{At: time.Second, Action: profiles.FaultKill, Target: profiles.FaultTarget{Kind: profiles.TargetLeader}, For: time.Second}
	_, err := newInjector(Options{Bootstrap: "127.0.0.1:1", Faults: []profiles.Fault{kill}, FaultCommands: map[string]string{"kill": "true"}})
	if !errors.Is(err, ErrFaultSetup) || !strings.Contains(err.Error(), "--fault-command for start") {
		t.Errorf("missing start command: %v", err)
	}
}
