package runner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/driver/librdkafka"

	"github.com/kbench/kbench/profiles"
)

func TestClassifyErrorDefinite(t *testing.T) {
	tests := []struct {
		code  driver.Code
		indet bool
	}{
		{driver.ErrNotEnoughReplicas, false},
		{driver.ErrTimedOutQueue, false},
		{driver.ErrPurgeQueue, false},
		{driver.ErrMsgSizeTooLarge, false},
		{driver.ErrNotEnoughReplicasAfterAppend, true}, // appended on the leader, maybe replicated later
		{driver.ErrMsgTimedOut, true},
		{driver.ErrRequestTimedOut, true},
		{driver.ErrNotLeaderForPartition, true},
		{driver.ErrTransport, true},
		{driver.ErrPurgeInflight, true},
	}
	for _, tt := range tests {
		_, name, indet := classifyError(kerr(tt.code, "", false))
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

// kerr is a librdkafka error as the driver reports it.
func kerr(code driver.Code, msg string, fatal bool) error {
	return librdkafka.NewError(code, msg, fatal)
}

// A point that narrows a power loss (power-loss.brokers) needs a power-loss fault of target all.
func TestPowerLossBrokersNeedsAPowerLossOfAll(t *testing.T) {
	one := 1
	pts := []profiles.Point{{ID: "p", Settings: profiles.Settings{PowerLossBrokers: &one}}}
	kill := profiles.Fault{At: time.Second, Action: profiles.FaultKill, Target: profiles.FaultTarget{Kind: profiles.TargetBroker, ID: 1}, For: time.Second}
	for _, sched := range [][]profiles.Fault{nil, {kill}} {
		err := checkFaultSetup(Options{Bootstrap: "127.0.0.1:1", Faults: sched, FaultCommands: map[string]string{"kill": "true", "start": "true"}}, pts)
		if !errors.Is(err, ErrFaultSetup) || !strings.Contains(err.Error(), "power-loss.brokers") {
			t.Errorf("schedule %v: %v, want a refusal naming power-loss.brokers", sched, err)
		}
	}
}
