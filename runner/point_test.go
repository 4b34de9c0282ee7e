package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// An error in setup leaves through the one deferred teardown: no client is started, the
// collector is closed, and the refusal is returned at once (no wait on consumers that never
// polled).
func TestSetupErrorLeavesThroughTeardown(t *testing.T) {
	p := profiles.Point{ID: "b", Workload: profiles.Workload{ConsumeMode: profiles.ConsumeBacklog, Consumers: 1, Producers: 1,
		MessageSizeMin: 100, MessageSizeMax: 100, Duration: time.Second}}
	s := &session{opts: Options{}, runID: "r", conn: connection{bootstrap: "127.0.0.1:1"}}
	m := &measurement{s: s, p: p, topic: "t", partitions: 1, res: &stats.Result{}, lease: &topicLease{name: "t", partitions: 1, existing: true}}
	start := time.Now()
	err := m.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "consume.mode backlog") {
		t.Fatalf("err %v, want the backlog refusal", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("setup error took %s to leave", took)
	}
	if !m.torn || !m.allDone || len(m.producers) != 0 {
		t.Errorf("teardown did not run cleanly: torn %v, all done %v, producers %d", m.torn, m.allDone, len(m.producers))
	}
	select {
	case <-m.col.finished:
	default:
		t.Error("the collector was left running")
	}
	if m.teardown() != m.allDone {
		t.Error("a second teardown gave another answer")
	}
}
