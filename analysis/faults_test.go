package analysis

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/stats"
)

// TestDetectFaults: faults are found in the profile, in the recorded fault events and in the
// points' notes; only a kill (or restart) counts as a kill, a fault not healed before the
// verification read is named, and a run without any says it injected none.
func TestDetectFaults(t *testing.T) {
	ok := func(level string, edit func(r *stats.Result)) Point {
		r := &stats.Result{Status: stats.StatusOK}
		edit(r)
		return Point{Level: level, Status: stats.StatusOK, Result: r}
	}
	run := &stats.Run{}
	if fe := DetectFaults(run, []Point{ok("acks=1", func(*stats.Result) {})}); fe.Any || fe.Kill || fe.Summary != "" {
		t.Errorf("no faults: %+v", fe)
	}
	paused := ok("acks=1", func(r *stats.Result) { r.Notes = []string{"broker 2 paused (SIGSTOP) for 5 s"} })
	if fe := DetectFaults(run, []Point{paused}); !fe.Any || fe.Kill || !strings.Contains(fe.Summary, "SIGSTOP") {
		t.Errorf("a pause in the notes: %+v", fe)
	}
	killed := ok("acks=all", func(r *stats.Result) {
		r.Faults = &stats.FaultReport{HealDetail: "broker 3 not back", Events: []stats.FaultEvent{
			{Step: "inject", Operation: "kill", NodeRole: "broker", NodeID: 3, StartOffsetSeconds: 15},
			{Step: "heal", Operation: "start", NodeRole: "broker", NodeID: 3, StartOffsetSeconds: 25}}}
	})
	fe := DetectFaults(run, []Point{killed, killed})
	if !fe.Any || !fe.Kill || fe.Summary != "kill broker 3 at 15 s" {
		t.Errorf("a recorded kill, named once: %+v", fe)
	}
	if len(fe.Unhealed) != 2 || !strings.Contains(fe.Unhealed[0], "acks=all: not every fault had healed") || !strings.Contains(fe.Unhealed[0], "broker 3 not back") {
		t.Errorf("unhealed: %q", fe.Unhealed)
	}
	run.Index.ProfileYAML = "name: x\nfaults:\n  - kill broker 1 at 10s\n"
	if fe := DetectFaults(run, nil); !fe.Any || !fe.Kill || !strings.HasPrefix(fe.Summary, "profile: faults:") {
		t.Errorf("faults in the profile: %+v", fe)
	}
}
