package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// TestClusterWarmupKfake: a sweep first loads a throwaway topic of its own until produce p99 is
// steady, records how it went in the index, deletes the topic, and a second sweep of the same
// process on the same cluster does not warm it again (and says so). (kfake: client-side only.)
func TestClusterWarmupKfake(t *testing.T) {
	bootstrap := startKfake(t)
	warmedAt.Lock()
	delete(warmedAt.at, bootstrap) // a new cluster as far as the warm-up knows
	warmedAt.Unlock()
	out := t.TempDir()
	var deleted []string
	testHookBeforeDelete = func(topic string, _ int) { deleted = append(deleted, topic) }
	defer func() { testHookBeforeDelete = nil }()
	if err := Sweep(context.Background(), []profiles.Point{testPoint("p", 500, time.Second, 0)}, recordIn(out, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second})); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	idx, err := stats.ReadIndex(out)
	if err != nil {
		t.Fatalf("ReadIndex: %v", err)
	}
	cw := idx.ClusterWarmup
	if cw == nil || cw.Skipped != "" || cw.Error != "" || !cw.IsSteady() || cw.Seconds < 6 || cw.Seconds > 30 {
		t.Fatalf("cluster warm-up %+v: want a steady warm-up of 6 to 30 s recorded (kfake: warm from the start, but a busy host jitters)", cw)
	}
	if !strings.HasSuffix(cw.Topic, idx.RunID+"-cluster-warmup") || cw.Acks != "all" || cw.RatePerSecond != clusterWarmupRate {
		t.Errorf("warm-up topic %q acks %q rate %.0f: want the run's own cluster-warmup topic, acks=all, %d msgs/s", cw.Topic, cw.Acks, cw.RatePerSecond, clusterWarmupRate)
	}
	if len(deleted) != 2 || deleted[0] != cw.Topic {
		t.Errorf("topics deleted %v: want the warm-up topic first, then the point's", deleted)
	}
	for _, p := range idx.Points {
		if p.ID == clusterWarmupID {
			t.Errorf("the warm-up is listed as a point of the run")
		}
	}

	out2 := t.TempDir()
	if err := Sweep(context.Background(), []profiles.Point{testPoint("q", 500, time.Second, 0)}, recordIn(out2, Options{Bootstrap: bootstrap, DrainTimeout: 15 * time.Second})); err != nil {
		t.Fatalf("second Sweep: %v", err)
	}
	idx2, err := stats.ReadIndex(out2)
	if err != nil {
		t.Fatalf("ReadIndex: %v", err)
	}
	if cw2 := idx2.ClusterWarmup; cw2 == nil || !strings.Contains(cw2.Skipped, "warmed the cluster up") {
		t.Errorf("second sweep's warm-up %+v: want skipped, the process having warmed this cluster", cw2)
	}
}
