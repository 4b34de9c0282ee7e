package main

import (
	"strings"
	"testing"
)

// TestSweepPlanShowsFlushScheduler checks that `sweep --plan` shows every change the runner will
// make: on the local cluster a flush.ms sweep gets a finite flusher interval (a static broker
// change), on a remote cluster it does not.
func TestSweepPlanShowsFlushScheduler(t *testing.T) {
	prof := writeFile(t, "flushms.yaml", `name: flushms
workload: {message.size: 100, partitions: 1, replication.factor: 1, producers: 1, consumers: 0, rate: 100, duration: 2s, warmup: 1s, acks: all}
sweep:
  points:
    - {flush.ms: 100}
    - {flush.messages: 1}
`)
	want := "log.flush.scheduler.interval.ms=10 (rolling restart"
	local := kbenchIn(t, nil, "sweep", "--plan", "--profile", prof)
	if n := strings.Count(local.stdout, want); n != 2 {
		t.Errorf("local plan: %d points with the flusher interval, want both", n)
	}
	if local.code != 0 || !strings.Contains(local.stdout, want) || !strings.Contains(local.stdout, "note             kbench set log.flush.scheduler.interval.ms=10") {
		t.Errorf("local plan (exit %d) does not show the flusher interval kbench adds:\n%s", local.code, local.stdout)
	}
	remote := kbenchIn(t, nil, "sweep", "--plan", "--profile", prof, "--bootstrap", "127.0.0.1:1")
	if remote.code != 0 || strings.Contains(remote.stdout, want) {
		t.Errorf("remote plan (exit %d) must not change the brokers' static config:\n%s", remote.code, remote.stdout)
	}
}

// TestSweepPlanShowsRepetitions: a profile's repeat, or --repeat over it, is in the plan.
func TestSweepPlanShowsRepetitions(t *testing.T) {
	prof := writeFile(t, "rep.yaml", `name: rep
repeat: 4
workload: {message.size: 100, partitions: 1, replication.factor: 1, producers: 1, consumers: 0, rate: 100, duration: 2s, warmup: 1s}
sweep:
  points:
    - {acks: 1}
    - {acks: all}
`)
	r := kbenchIn(t, nil, "sweep", "--plan", "--profile", prof)
	if r.code != 0 || !strings.Contains(r.stdout, "Every point is measured 4 times: 4 rounds of 2 points") {
		t.Errorf("plan (exit %d) does not show the profile's repeat:\n%s", r.code, r.stdout)
	}
	r = kbenchIn(t, nil, "sweep", "--plan", "--profile", prof, "--repeat", "1")
	if r.code != 0 || strings.Contains(r.stdout, "Every point is measured") {
		t.Errorf("--repeat 1 over repeat 4 (exit %d):\n%s", r.code, r.stdout)
	}
}
