package runner

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

// searchProfile is a CI-sized capacity search: two levels, 3 s trials after 2 s warmup, a 25 %
// precision and at most 4 trials per level (budget 4 x 5 s = 20 s of traffic per level: three
// trials to ramp or bisect and the confirmation the search keeps back). The
// objective is loose because the test cluster shares 2 cores with everything else: the test is
// about the search's bookkeeping on a real cluster, not this machine's latency.
const searchProfile = `
name: search-it
workload:
  message.size: 256
  partitions: 3
  replication.factor: 3
  producers: 1
  consumers: 1
  rate: search
  duration: 3s
  warmup: 2s
  linger.ms: 5
  search:
    objective:
      produce.p99.ms: 1000
      end.to.end.p99.ms: 2000
    start.rate: 4000
    max.rate: 256000
    precision: 25%
    max.trials: 4
    min.records: 1000
sweep:
  points:
    - level: acks=1
      acks: 1
    - level: min ISR 2 + idempotence
      acks: all
      enable.idempotence: true
      min.insync.replicas: 2
`

// TestIntegrationSearchTwoLevels runs the search on the local cluster for two levels: each
// level's result holds every trial (within the budget, each audited on its own fresh topic), a
// reported rate is the target of a passing confirmation whose metrics are the point's, and the
// summary states the durable level's rate against acks=1's.
func TestIntegrationSearchTwoLevels(t *testing.T) {
	cl := localForTest(t)
	prof, err := profiles.Parse("search-it.yaml", []byte(searchProfile))
	if err != nil {
		t.Fatal(err)
	}
	points, err := prof.Points()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var progress bytes.Buffer
	serr := Sweep(context.Background(), points, recordIn(out, Options{Cluster: cl, Profile: "search-it", Events: messagesTo(&progress)}))
	t.Logf("progress:\n%s", progress.String())
	if serr != nil {
		t.Fatalf("sweep: %v", serr)
	}
	if !strings.Contains(progress.String(), "at most 4 trials x (2s warmup + 3s) = 20s of traffic") {
		t.Errorf("the budget was not announced before the trials")
	}
	run, err := stats.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	results := run.Results()
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	for _, r := range results {
		s := r.Search
		if s == nil {
			t.Fatalf("point %s: no search recorded", r.Point.ID)
		}
		if len(s.Trials) == 0 || len(s.Trials) > 4 {
			t.Errorf("point %s: %d trials, budget 4", r.Point.ID, len(s.Trials))
		}
		topics := map[string]bool{}
		for _, tr := range s.Trials {
			t.Logf("%s trial %d %-8s %6.0f msgs/s: passed %v, acked %.0f/s, produce p99 %.2f ms, e2e p99 %.2f ms, lost %v %v",
				r.Point.Level.Name, tr.Index, tr.Phase, tr.TargetRate, tr.Passed, tr.AchievedRate, tr.ProduceLatency.P99Ms, tr.EndToEndLatency.P99Ms, tr.Lost != nil && *tr.Lost == 0, tr.Reasons)
			if tr.Passed == (len(tr.Reasons) > 0) {
				t.Errorf("trial %d: passed %v with reasons %v", tr.Index, tr.Passed, tr.Reasons)
			}
			if tr.Lost == nil || *tr.Lost != 0 {
				t.Errorf("trial %d lost %v acknowledged records on a healthy cluster (nil: unknown)", tr.Index, tr.Lost)
			}
			if tr.Topic == "" || topics[tr.Topic] {
				t.Errorf("trial %d: topic %q not fresh", tr.Index, tr.Topic)
			}
			topics[tr.Topic] = true
		}
		if s.Found() {
			last := s.Trials[len(s.Trials)-1]
			if last.Phase != stats.PhaseConfirm || !last.Passed || last.TargetRate != s.SustainableRate {
				t.Errorf("point %s: reported %.0f msgs/s without a passing confirmation: %+v", r.Point.ID, s.SustainableRate, last)
			}
			if r.Metrics.TargetRate != s.SustainableRate || r.Metrics.Acked.Records != last.AckedRecords {
				t.Errorf("point %s: metrics are not the confirmation's (target %.0f, acked %d vs %d)",
					r.Point.ID, r.Metrics.TargetRate, r.Metrics.Acked.Records, last.AckedRecords)
			}
			if a := r.Audit; !a.NoneLost() || a.Consumed != a.Acked {
				t.Errorf("point %s: confirmation audit %+v", r.Point.ID, a)
			}
		} else if s.SustainableRate != 0 {
			t.Errorf("point %s: outcome %s but rate %.0f", r.Point.ID, s.Outcome, s.SustainableRate)
		}
		t.Logf("%s: %s, %.0f msgs/s (%s), %d trials in %.0f s", r.Point.Level.Name, s.Outcome, s.SustainableRate, s.Detail, len(s.Trials), s.ElapsedSeconds)
	}
	var sum bytes.Buffer
	if err := stats.WriteSearchSummary(&sum, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("summary:\n%s", sum.String())
	if !strings.Contains(sum.String(), "min ISR 2 + idempotence sustains") {
		t.Errorf("summary does not state the durable level's rate:\n%s", sum.String())
	}
}
