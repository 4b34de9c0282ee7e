package profiles

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFaultFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    Fault
		wantErr string
	}{
		{in: "every=20s,action=kill,target=leader:0", want: Fault{Every: 20 * time.Second, Action: FaultKill, Target: FaultTarget{Kind: TargetLeader, ID: 0}, For: DefaultKillFor}},
		{in: "at=5s,action=pause,target=broker:2,for=3s", want: Fault{At: 5 * time.Second, Action: FaultPause, Target: FaultTarget{Kind: TargetBroker, ID: 2}, For: 3 * time.Second}},
		{in: "at=5s,action=pause,target=broker:2", want: Fault{At: 5 * time.Second, Action: FaultPause, Target: FaultTarget{Kind: TargetBroker, ID: 2}, For: DefaultPauseFor}},
		{in: "at=1s,action=restart,target=controller", want: Fault{At: time.Second, Action: FaultRestart, Target: FaultTarget{Kind: TargetController}}},
		{in: "at=4s,every=7s,action=kill,target=consumer:0", want: Fault{At: 4 * time.Second, Every: 7 * time.Second, Action: FaultKill, Target: FaultTarget{Kind: TargetConsumer, ID: 0}}},
		{in: "at=5s,action=power-loss,target=all", want: Fault{At: 5 * time.Second, Action: FaultPowerLoss, Target: FaultTarget{Kind: TargetAll}, For: DefaultKillFor}},
		{in: "at=5s,action=power-loss,target=brokers:1,3,for=4s", want: Fault{At: 5 * time.Second, Action: FaultPowerLoss, Target: FaultTarget{Kind: TargetBrokers, IDs: []int{1, 3}}, For: 4 * time.Second}},
		{in: "at=5s,action=power-loss,target=leader:2", want: Fault{At: 5 * time.Second, Action: FaultPowerLoss, Target: FaultTarget{Kind: TargetLeader, ID: 2}, For: DefaultKillFor}},
		{in: "at=5s,action=power-loss,target=consumer:0", wantErr: "power-loss hits brokers"},
		{in: "at=5s,action=power-loss,target=controller", wantErr: "power-loss hits brokers"},
		{in: "at=5s,action=kill,target=all", wantErr: "only power-loss does"},
		{in: "at=5s,action=power-loss,target=brokers:1,1", wantErr: "broker 1 twice"},
		{in: "at=5s,action=power-loss,target=all:2", wantErr: "all takes no id"},
		{in: "at=5s,action=power-loss,target=broker:1,for=0s", wantErr: "must last"},
		{in: "at=5s,action=kill", wantErr: "target: required"},
		{in: "at=5s,action=kill,target=leader", wantErr: "got 'leader'"},
		{in: "at=5s,action=kill,target=controller:1", wantErr: "no id"},
		{in: "every=10s,action=kill,target=broker:1", wantErr: "every 10s is not longer than for 12s"},
		{in: "at=5s,action=pause,target=consumer:0", wantErr: "can only be killed"},
		{in: "at=5s,action=restart,target=broker:1,for=2s", wantErr: "leave for out"},
		{in: "at=5,action=kill,target=broker:1", wantErr: "want a duration"},
		{in: "at=5s,action=kill,target=broker:1,at=6s", wantErr: "at given twice"},
		{in: "at=5s,verb=kill", wantErr: "unknown key verb"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFaultFlag(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			// The flag form round-trips, and so does the result-file form.
			again, err := ParseFaultFlag(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("String %q reads back as %+v, %v", got.String(), again, err)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var back Fault
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, got) {
				t.Errorf("JSON %s reads back as %+v, %v", b, back, err)
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	tests := []struct {
		f    Fault
		want []time.Duration
	}{
		{Fault{At: 5 * time.Second}, []time.Duration{5 * time.Second}},
		{Fault{Every: 20 * time.Second}, []time.Duration{20 * time.Second, 40 * time.Second}},
		{Fault{At: 3 * time.Second, Every: 20 * time.Second}, []time.Duration{3 * time.Second, 23 * time.Second, 43 * time.Second}},
		{Fault{At: 60 * time.Second}, nil},
	}
	for _, tt := range tests {
		if got := tt.f.Times(60 * time.Second); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: times %v, want %v", tt.f, got, tt.want)
		}
	}
}

func TestNeededFaultCommands(t *testing.T) {
	faults := []Fault{
		{Action: FaultKill, Target: FaultTarget{Kind: TargetLeader, ID: 0}},
		{Action: FaultRestart, Target: FaultTarget{Kind: TargetController}},
		{Action: FaultKill, Target: FaultTarget{Kind: TargetConsumer, ID: 0}},
	}
	if got, want := NeededFaultCommands(faults), []string{"kill", "restart", "start"}; !reflect.DeepEqual(got, want) {
		t.Errorf("needed %v, want %v", got, want)
	}
}

func TestProfileFaults(t *testing.T) {
	p, err := Load("loss-ladder")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(p.Faults) == 0 || p.Faults[0].Line == 0 {
		t.Fatalf("loss-ladder has no fault schedule with positions: %+v", p.Faults)
	}
	for _, f := range p.Faults {
		if f.Action == FaultKill && f.Target.Kind != TargetConsumer && f.For < 10*time.Second {
			t.Errorf("%s: a hard bounce shorter than the 9 s broker session timeout plus margin", f)
		}
	}
}
