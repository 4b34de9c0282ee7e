package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// A freshly started cluster is measured cold: on a 2-core machine a point at 1,000 msg/s right
// after `cluster up` had produce p99 12.2 s (no acknowledgement at all for the first 10 s after
// its topic was created), the same point a minute later 0.10 s. So a sweep first puts load on a
// throwaway topic of its own (kbench-<run>-cluster-warmup, deleted afterwards like every topic
// the run creates) until the per-second produce p99 is steady and no longer improving (warmup.Cluster), at most
// clusterWarmupMin + clusterWarmupExtra, and records the outcome in the results.

const (
	clusterWarmupID    = "cluster-warmup"
	clusterWarmupRate  = 1000             // msgs/s: light enough for a cold 2-core cluster, enough to warm every path
	clusterWarmupMin   = 6 * time.Second  // the fixed minimum: two windows of warmup.Cluster
	clusterWarmupExtra = 54 * time.Second // the bound is a minute
	// clusterWarmFor is how long a cluster this process warmed up counts as warm: a second sweep
	// in the same process (a test binary, a script driving the package) does not warm it again.
	clusterWarmFor = 10 * time.Minute
)

// warmedAt remembers when this process last warmed each bootstrap's cluster up (steady).
var warmedAt = struct {
	sync.Mutex
	at map[string]time.Time
}{at: map[string]time.Time{}}

// clusterWarmupPoint is the warm-up's own point: the first point's record size, partitions and
// replication factor, acks=all (so replication warms too), no consumer (a group join would add
// seconds; the audit's read-back warms the fetch path), no broker setting and no fault.
func clusterWarmupPoint(first profiles.Point) profiles.Point {
	w := first.Workload
	acks := profiles.AcksAll
	rf := w.ReplicationFactor
	if first.Settings.ReplicationFactor != nil {
		rf = *first.Settings.ReplicationFactor
	}
	return profiles.Point{
		ID: clusterWarmupID, Label: "cluster warm-up",
		Workload: profiles.Workload{
			MessageSizeMin: w.MessageSizeMin, MessageSizeMax: w.MessageSizeMax, KeyDistribution: w.KeyDistribution,
			Partitions: w.Partitions, ReplicationFactor: rf, Producers: 1, Consumers: 0, Rate: clusterWarmupRate,
			Duration: time.Second, Warmup: clusterWarmupMin, Compression: w.Compression, BatchSize: w.BatchSize,
		},
		Settings: profiles.Settings{Acks: &acks, ReplicationFactor: &rf},
	}
}

// warmCluster runs the cluster warm-up before the sweep's first point and says on screen how it
// went. It never fails the sweep: a warm-up that could not run is recorded (Error) and the
// points' own warmups still end at steady state.
func (s *session) warmCluster(ctx context.Context, points []profiles.Point) *stats.ClusterWarmup {
	cw := &stats.ClusterWarmup{}
	switch {
	case s.opts.NoClusterWarmup:
		cw.Skipped = "not asked for (--no-cluster-warmup)"
	case s.opts.ExistingTopic != "":
		cw.Skipped = "--existing-topic: kbench creates no topic of its own to warm up with"
	case s.opts.FixedWarmup:
		cw.Skipped = "fixed warmups asked for"
	}
	warmedAt.Lock()
	last, warmed := warmedAt.at[s.opts.Bootstrap]
	warmedAt.Unlock()
	if cw.Skipped == "" && warmed && time.Since(last) < clusterWarmFor {
		cw.Skipped = fmt.Sprintf("this process warmed the cluster up %s ago", time.Since(last).Round(time.Second))
	}
	if cw.Skipped != "" {
		s.say("cluster warm-up skipped: %s", cw.Skipped)
		return cw
	}
	p := clusterWarmupPoint(points[0])
	cw.Topic, cw.RatePerSecond, cw.Acks = topicName(s.runID, p.ID), clusterWarmupRate, string(profiles.AcksAll)
	s.say("cluster warm-up: %d msgs/s on %s until the per-second produce p99 is steady (at least %s, at most %s)",
		clusterWarmupRate, cw.Topic, clusterWarmupMin, clusterWarmupMin+clusterWarmupExtra)
	s.warming = true
	res, err := s.runPoint(ctx, p, nil)
	s.warming = false
	if res != nil && res.Warmup != nil {
		cw.WarmupReport = *res.Warmup
	}
	switch {
	case err != nil && !errors.Is(err, ErrInterrupted):
		cw.Error = err.Error()
		s.warn("cluster warm-up did not finish: %v; each point's own warmup still waits for steady state", err)
	case ctx.Err() != nil:
		cw.Error = "interrupted"
	case cw.IsSteady():
		warmedAt.Lock()
		warmedAt.at[s.opts.Bootstrap] = time.Now()
		warmedAt.Unlock()
		s.say("cluster warm-up: steady after %.1f s (%s)", cw.Seconds, cw.Reason)
	default:
		s.warn("cluster warm-up: %s; the first points may still be measured cold", warmupWhy(cw))
	}
	return cw
}

func warmupWhy(cw *stats.ClusterWarmup) string {
	if cw.Reason != "" {
		return cw.Reason
	}
	return fmt.Sprintf("not steady after %.1f s", cw.Seconds)
}
