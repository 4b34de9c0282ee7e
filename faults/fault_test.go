package faults

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kbench/kbench/cluster"
	"github.com/kbench/kbench/driver"
	"github.com/kbench/kbench/driver/librdkafka"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// acksEvery builds a Timeline with rate acks per second spread evenly, except in gaps.
func acksEvery(start int64, span time.Duration, rate int, gaps [][2]time.Duration) *Timeline {
	tl := NewTimeline(start, span)
	step := time.Second / time.Duration(rate)
	for at := time.Duration(0); at < span; at += step {
		in := false
		for _, g := range gaps {
			in = in || (at >= g[0] && at < g[1])
		}
		if !in {
			tl.Add(start + int64(at))
		}
	}
	return tl
}

func TestAvailabilityAfterFault(t *testing.T) {
	start := time.Now().UnixNano()
	s := func(x float64) int64 { return start + int64(x*float64(time.Second)) }
	// 1000 acks/s, nothing from 12 s to 15.5 s, a fault at 12 s.
	acks := acksEvery(start, 30*time.Second, 1000, [][2]time.Duration{{12 * time.Second, 15500 * time.Millisecond}})
	fails := map[string]*Timeline{"NOT_ENOUGH_REPLICAS": NewTimeline(start, 30*time.Second)}
	fails["NOT_ENOUGH_REPLICAS"].Add(s(13))
	fails["NOT_ENOUGH_REPLICAS"].Add(s(2)) // before the fault: not its failure
	a := ComputeAvailability(acks, fails, []Firing{{fault: "f", target: "broker 1", at: s(12)}}, s(1), s(25))
	if got := a.LongestNoAckSeconds; got < 3.49 || got > 3.51 {
		t.Errorf("longest no-ack %.3f s, want 3.5", got)
	}
	im := a.AfterFault[0]
	if im.OffsetSeconds != 11 || im.LongestNoAckSeconds < 3.49 || im.LongestNoAckSeconds > 3.51 {
		t.Errorf("impact %+v", im)
	}
	if im.PreFaultAckedPerSecond < 990 || im.PreFaultAckedPerSecond > 1010 {
		t.Errorf("pre-fault rate %.0f, want 1000", im.PreFaultAckedPerSecond)
	}
	// Back at 90 % once a one-second window has at least 900 acks: the window from 3.4 s to 4.4 s
	// after the fault holds the acks of 15.5 s to 16.4 s; recovery is at its end.
	if !im.Recovered || im.RecoverySeconds < 4.39 || im.RecoverySeconds > 4.41 {
		t.Errorf("recovery %.3f s (recovered %v), want 4.4", im.RecoverySeconds, im.Recovered)
	}
	if im.FailedByError["NOT_ENOUGH_REPLICAS"] != 1 {
		t.Errorf("failures after the fault %v, want 1 NOT_ENOUGH_REPLICAS", im.FailedByError)
	}

	// A fault that costs nothing recovers in 0 s; one after which acks never resume does not recover.
	flat := acksEvery(start, 30*time.Second, 1000, nil)
	if im := ComputeAvailability(flat, nil, []Firing{{at: s(10)}}, s(0), s(20)).AfterFault[0]; im.RecoverySeconds != 0 || !im.Recovered {
		t.Errorf("harmless fault: %+v", im)
	}
	dead := acksEvery(start, 30*time.Second, 1000, [][2]time.Duration{{10 * time.Second, 30 * time.Second}})
	if im := ComputeAvailability(dead, nil, []Firing{{at: s(10)}}, s(0), s(20)).AfterFault[0]; im.Recovered || im.RecoverySeconds != -1 {
		t.Errorf("never recovered: %+v", im)
	}
}

func TestCommandInjector(t *testing.T) {
	ci := &commandInjector{timeout: 2 * time.Second, commands: map[string]string{
		"kill":  "echo killing {role} {broker} of {topic}/{partition}",
		"start": "echo nope >&2; exit 3",
		"pause": "sleep 10",
	}}
	in := ci.do(context.Background(), "kill", nodeRef{roleBroker, 2}, map[string]string{"topic": "t", "partition": "0"})
	if in.err != nil || in.exitStatus != 0 || in.command != "echo killing broker 2 of t/0" || in.output != "killing broker 2 of t/0" {
		t.Errorf("kill: %+v", in)
	}
	if in := ci.do(context.Background(), "start", nodeRef{roleBroker, 2}, nil); in.exitStatus != 3 || in.output != "nope" || in.err == nil {
		t.Errorf("start: %+v", in)
	}
	// The failed start leaves broker 2 broken: heal retries it, and reports the failure.
	if did, err := ci.heal(context.Background()); err == nil || len(did) != 1 || !strings.Contains(did[0], "start broker 2: exit 3") {
		t.Errorf("heal: %v, %v", did, err)
	}
	began := time.Now()
	if in := ci.do(context.Background(), "pause", nodeRef{roleController, -1}, nil); in.exitStatus != -1 || !strings.Contains(in.err.Error(), "timed out") {
		t.Errorf("pause (timeout): %+v", in)
	}
	// The timeout bounds the step: the shell's child (sleep 10) ends with it.
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("a command timing out after 2 s took %s: its child outlived the timeout", took.Round(time.Millisecond))
	}
	if in := ci.do(context.Background(), "resume", nodeRef{roleBroker, 1}, nil); in.err == nil {
		t.Error("resume without a command must fail")
	}
}

// fakeInjector records operations for the scheduler test.
type fakeInjector struct {
	mu  sync.Mutex
	ops []string
}

func (f *fakeInjector) name() string { return "fake" }
func (f *fakeInjector) do(_ context.Context, op string, n nodeRef, _ map[string]string) injection {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, op+" "+n.String())
	return injection{command: op}
}
func (f *fakeInjector) activeController() (int, error)         { return 100, nil }
func (f *fakeInjector) heal(context.Context) ([]string, error) { return nil, nil }
func (f *fakeInjector) powerOff(_ context.Context, nodes []nodeRef, _ map[string]string) (injection, map[int]cluster.Dropped) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "power-loss "+brokersString(nodes))
	dropped := map[int]cluster.Dropped{}
	for _, n := range nodes {
		dropped[n.id] = cluster.Dropped{Bytes: int64(1000 * n.id), Segments: map[string]int64{"t-0": int64(600 * n.id), "t-x-0": 7, "other-0": 9}}
	}
	return injection{command: "power-loss"}, dropped
}
func (f *fakeInjector) powerOn(_ context.Context, nodes []nodeRef, _ map[string]string) injection {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "start "+brokersString(nodes))
	return injection{command: "start"}
}
func (f *fakeInjector) brokerIDs() []int { return []int{3, 1, 2} }

type fakeMetadata struct{ leader int32 }

func (f fakeMetadata) Metadata(topic *string, _ bool, _ time.Duration) (*driver.Metadata, error) {
	return &driver.Metadata{Topics: map[string]driver.TopicMetadata{*topic: {Topic: *topic, Partitions: []driver.PartitionMetadata{
		{ID: 0, Leader: f.leader, Replicas: []int32{1, 2, 3}, Isrs: []int32{1, 2, 3}}}}}}, nil
}

func TestFaultRunnerSchedule(t *testing.T) {
	inj := &fakeInjector{}
	now := time.Now()
	r := &Runner{
		schedule: []profiles.Fault{
			{At: 20 * time.Millisecond, Action: profiles.FaultKill, Target: profiles.FaultTarget{Kind: profiles.TargetLeader, ID: 0}, For: 30 * time.Millisecond},
			{At: 10 * time.Millisecond, Action: profiles.FaultPause, Target: profiles.FaultTarget{Kind: profiles.TargetController}, For: 5 * time.Millisecond},
			{At: 15 * time.Millisecond, Action: profiles.FaultKill, Target: profiles.FaultTarget{Kind: profiles.TargetConsumer}},
			{At: 500 * time.Millisecond, Action: profiles.FaultRestart, Target: profiles.FaultTarget{Kind: profiles.TargetBroker, ID: 1}},
		},
		inj: inj, md: fakeMetadata{leader: 3}, topic: "t", partitions: 1,
		clock: Clock{Start: now.UnixNano(), Measure: now.UnixNano(), End: now.Add(200 * time.Millisecond).UnixNano()}, measured: 200 * time.Millisecond,
	}
	r.Start(context.Background())
	time.Sleep(150 * time.Millisecond)
	r.Finish()
	want := []string{"pause controller 100", "resume controller 100", "kill broker 3", "start broker 3"}
	if strings.Join(inj.ops, "; ") != strings.Join(want, "; ") {
		t.Errorf("operations %q, want %q (the restart at 500 ms is past the 200 ms phase)", inj.ops, want)
	}
	var steps []string
	for _, e := range r.events {
		steps = append(steps, e.Step+" "+e.Operation)
		if e.Operation == "kill-consumer" && !strings.Contains(e.Error, "not running as worker processes") {
			t.Errorf("consumer crash without workers: %+v", e)
		}
		if e.Operation == "kill" && (e.Partition == nil || *e.Partition != 0 || e.Leaders["0"] != 3) {
			t.Errorf("leader kill event without partition and leaders: %+v", e)
		}
	}
	if len(r.firings) != 2 {
		t.Errorf("firings %d, want 2 (a fault that failed to fire has no availability entry): %v", len(r.firings), steps)
	}
}

// hangingMetadata answers like fakeMetadata until the fault is injected; from then on every
// request hangs until release is closed, as a request sent to a paused broker does (for its whole
// timeout) on a real cluster.
type hangingMetadata struct {
	injected chan struct{} // closed by the Injector when the pause goes out
	release  chan struct{} // closed by the test: hanging requests return (timed out)
}

func (h *hangingMetadata) Metadata(topic *string, all bool, timeout time.Duration) (*driver.Metadata, error) {
	select {
	case <-h.injected:
		<-h.release
		return nil, librdkafka.NewError(driver.ErrTimedOut, "metadata request timed out", false)
	default:
	}
	return fakeMetadata{leader: 2}.Metadata(topic, all, timeout)
}

// signalInjector notes when each operation went out and tells the test.
type signalInjector struct {
	injected chan struct{}
	ops      chan string
	mu       sync.Mutex
	at       map[string]time.Time
}

func (s *signalInjector) name() string { return "signal" }
func (s *signalInjector) do(_ context.Context, op string, n nodeRef, _ map[string]string) injection {
	s.mu.Lock()
	s.at[op] = time.Now()
	s.mu.Unlock()
	if op == "pause" {
		close(s.injected)
	}
	s.ops <- op
	return injection{command: op + " " + n.String()}
}
func (s *signalInjector) activeController() (int, error)         { return 100, nil }
func (s *signalInjector) heal(context.Context) ([]string, error) { return nil, nil }

// signalInjector runs no power loss.
func (s *signalInjector) powerOff(context.Context, []nodeRef, map[string]string) (injection, map[int]cluster.Dropped) {
	return injection{}, nil
}
func (s *signalInjector) powerOn(context.Context, []nodeRef, map[string]string) injection {
	return injection{}
}
func (s *signalInjector) brokerIDs() []int { return nil }

// TestFaultHealNotHeldBackByMetadata guards the late SIGCONT of issue 13: the pause heal looked
// up partition leaders first, with a request that went to the paused broker and hung for its 3 s
// timeout, so a for=2s pause lasted 5 s. The resume must go out within 200 ms of its due time
// even while every metadata request hangs, and the fault log must say when it was due and when
// it went out.
func TestFaultHealNotHeldBackByMetadata(t *testing.T) {
	md := &hangingMetadata{injected: make(chan struct{}), release: make(chan struct{})}
	inj := &signalInjector{injected: md.injected, ops: make(chan string, 4), at: map[string]time.Time{}}
	hold := 300 * time.Millisecond
	now := time.Now()
	r := &Runner{
		schedule: []profiles.Fault{{At: 20 * time.Millisecond, Action: profiles.FaultPause, Target: profiles.FaultTarget{Kind: profiles.TargetBroker, ID: 2}, For: hold}},
		inj:      inj, md: md, topic: "t", partitions: 1,
		clock: Clock{Start: now.UnixNano(), Measure: now.UnixNano(), End: now.Add(time.Minute).UnixNano()}, measured: time.Minute,
	}
	r.Start(context.Background())
	released := false
	release := func() {
		if !released {
			close(md.release)
			released = true
		}
	}
	defer func() { release(); r.Finish() }()
	failAfter := time.NewTimer(5 * time.Second)
	defer failAfter.Stop()
	for _, want := range []string{"pause", "resume"} {
		select {
		case op := <-inj.ops:
			if op != want {
				t.Fatalf("operation %s, want %s", op, want)
			}
		case <-failAfter.C:
			t.Fatalf("no %s within 5 s while metadata requests hang: the fault waits for metadata", want)
		}
	}
	release()
	r.Finish()
	inj.mu.Lock()
	held := inj.at["resume"].Sub(inj.at["pause"])
	inj.mu.Unlock()
	if held < hold-10*time.Millisecond || held > hold+200*time.Millisecond {
		t.Errorf("the pause lasted %s, want %s (+200 ms at most)", held, hold)
	}
	var inject, heal *stats.FaultEvent
	for i := range r.events {
		switch r.events[i].Step {
		case "inject":
			inject = &r.events[i]
		case "heal":
			heal = &r.events[i]
		}
	}
	if inject == nil || heal == nil {
		t.Fatalf("fault log %+v: want an inject and a heal", r.events)
	}
	if due := inject.StartOffsetSeconds + hold.Seconds(); math.Abs(heal.ScheduledOffsetSeconds-due) > 0.01 {
		t.Errorf("heal scheduled at %.3f s, want the inject's start %.3f s + %s", heal.ScheduledOffsetSeconds, inject.StartOffsetSeconds, hold)
	}
	if late := heal.StartOffsetSeconds - heal.ScheduledOffsetSeconds; late < 0 || late > 0.2 {
		t.Errorf("heal went out %.3f s after its due time %.3f s, want within 0.2 s", late, heal.ScheduledOffsetSeconds)
	}
	if heal.Leaders != nil {
		t.Errorf("heal records leaders %v although no metadata request answered during the fault", heal.Leaders)
	}
}
