package faults

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/profiles"
)

// A power loss of all brokers hits every broker in one step, records what each disk dropped, and
// starts them together after For; a single-broker power loss through leader:P hits the leader.
func TestPowerLossSchedule(t *testing.T) {
	inj := &fakeInjector{}
	now := time.Now()
	all := profiles.Fault{At: 10 * time.Millisecond, Action: profiles.FaultPowerLoss, Target: profiles.FaultTarget{Kind: profiles.TargetAll}, For: 20 * time.Millisecond}
	leader := profiles.Fault{At: 60 * time.Millisecond, Action: profiles.FaultPowerLoss, Target: profiles.FaultTarget{Kind: profiles.TargetLeader, ID: 0}, For: 10 * time.Millisecond}
	r := &Runner{
		schedule: []profiles.Fault{all, leader},
		inj:      inj, md: fakeMetadata{leader: 2}, topic: "t", partitions: 1,
		clock: Clock{Start: now.UnixNano(), Measure: now.UnixNano(), End: now.Add(150 * time.Millisecond).UnixNano()}, measured: 150 * time.Millisecond,
	}
	r.Start(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for len(r.Firings()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.Finish()
	want := "power-loss brokers 1,2,3; start brokers 1,2,3; power-loss broker 2; start broker 2"
	if got := strings.Join(inj.ops, "; "); got != want {
		t.Fatalf("operations %q, want %q", got, want)
	}
	ev := r.Report().Events
	if len(ev) != 4 {
		t.Fatalf("%d events, want 4: %+v", len(ev), ev)
	}
	if ev[0].Operation != "power-loss" || ev[0].NodeID != -1 || !reflect.DeepEqual(ev[0].NodeIDs, []int{1, 2, 3}) ||
		!reflect.DeepEqual(ev[0].UnsyncedBytesDropped, map[string]int64{"1": 1000, "2": 2000, "3": 3000}) ||
		!reflect.DeepEqual(ev[0].UnsyncedSegmentBytesDropped, map[string]int64{"1": 600, "2": 1200, "3": 1800}) {
		t.Errorf("all-broker inject event %+v", ev[0])
	}
	if ev[1].Step != "heal" || ev[1].Operation != "start" || ev[1].StartOffsetSeconds < 0.029 {
		t.Errorf("heal event %+v: want start after the 20 ms the power stays off", ev[1])
	}
	if ev[2].NodeID != 2 || ev[2].NodeIDs != nil || *ev[2].Partition != 0 || ev[2].UnsyncedBytesDropped["2"] != 2000 {
		t.Errorf("leader inject event %+v", ev[2])
	}
}

// power-loss.brokers narrows a power loss of all to the first brokers by id, and refuses more
// brokers than the cluster has.
func TestPowerLossAllNarrowed(t *testing.T) {
	all := profiles.FaultTarget{Kind: profiles.TargetAll}
	r := &Runner{inj: &fakeInjector{}, allBrokers: 2}
	nodes, err := r.resolveBrokers(all, nil)
	if err != nil || brokersString(nodes) != "brokers 1,2" {
		t.Errorf("first two brokers: %v, %v", nodes, err)
	}
	r.allBrokers = 4
	if _, err := r.resolveBrokers(all, nil); err == nil || !strings.Contains(err.Error(), "has 3 broker(s)") {
		t.Errorf("four of three brokers: %v", err)
	}
}

// On a remote cluster the user's power-loss command runs once per broker, at once; what the disks
// dropped stays unknown, and a failed start leaves the broker for heal.
func TestCommandInjectorPowerLoss(t *testing.T) {
	ci := &commandInjector{timeout: 5 * time.Second, commands: map[string]string{
		"power-loss": "sleep 0.3; echo reset {broker}",
		"start":      "exit 4",
	}}
	nodes := []nodeRef{{roleBroker, 1}, {roleBroker, 2}, {roleBroker, 3}}
	began := time.Now()
	in, dropped := ci.powerOff(context.Background(), nodes, nil)
	if took := time.Since(began); took > 800*time.Millisecond {
		t.Errorf("three 0.3 s commands took %s: they must run at once", took)
	}
	if in.err != nil || dropped != nil || !strings.Contains(in.output, "[broker 3] reset 3") || strings.Count(in.command, "&") != 2 {
		t.Errorf("power-loss: %+v, dropped %v", in, dropped)
	}
	if in := ci.powerOn(context.Background(), nodes, nil); in.err == nil || in.exitStatus != 4 {
		t.Errorf("start: %+v", in)
	}
	if did, err := ci.heal(context.Background()); err == nil || len(did) != 3 {
		t.Errorf("heal after a failed start: %v, %v", did, err)
	}
	if _, err := NewInjector(nil, []profiles.Fault{{Action: profiles.FaultPowerLoss, Target: profiles.FaultTarget{Kind: profiles.TargetAll}}}, map[string]string{"kill": "x"}, 0); err == nil ||
		!strings.Contains(err.Error(), "power-loss, start") {
		t.Errorf("remote power loss without commands: %v", err)
	}
}

// fakeProcesses is a local cluster whose brokers may or may not run on the power-loss filesystem.
type fakeProcesses struct {
	Processes
	nodes []*cluster.Node
}

func (f fakeProcesses) Nodes() []*cluster.Node { return f.nodes }

func TestPowerLossNeedsTheFilesystem(t *testing.T) {
	schedule := []profiles.Fault{{Action: profiles.FaultPowerLoss, Target: profiles.FaultTarget{Kind: profiles.TargetAll}}}
	plain := fakeProcesses{nodes: []*cluster.Node{{ID: 0, Role: cluster.RoleController}, {ID: 1, Role: cluster.RoleBroker}}}
	_, err := NewInjector(plain, schedule, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "--power-loss-sim") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("power loss on plain folders: %v; want one line naming --power-loss-sim", err)
	}
	if _, err := NewInjector(plain, []profiles.Fault{{Action: profiles.FaultKill, Target: profiles.FaultTarget{Kind: profiles.TargetBroker, ID: 1}}}, nil, 0); err != nil {
		t.Errorf("a kill needs no filesystem: %v", err)
	}
	onFS := fakeProcesses{nodes: []*cluster.Node{{ID: 0, Role: cluster.RoleController}, {ID: 1, Role: cluster.RoleBroker, FS: &cluster.FSProc{}}}}
	if _, err := NewInjector(onFS, schedule, nil, 0); err != nil {
		t.Errorf("power loss with the filesystem: %v", err)
	}
}

// TestNewRunnerKeepsThePowerLossScope: the point's power-loss.brokers reaches the runner that
// picks the brokers (a merge once dropped it, and a single-broker point powered off all three).
func TestNewRunnerKeepsThePowerLossScope(t *testing.T) {
	if r := NewRunner(Config{AllBrokers: 1}); r.allBrokers != 1 {
		t.Fatalf("NewRunner(Config{AllBrokers: 1}).allBrokers = %d, want 1", r.allBrokers)
	}
}
