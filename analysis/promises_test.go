package analysis

import (
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
	"github.com/kbench/kbench/stats"
)

func TestBrokenPromises(t *testing.T) {
	durable := func() *stats.Result {
		return &stats.Result{Status: stats.StatusOK, Effective: stats.EffectiveSettings{
			ProducerConfig:    map[string]string{"acks": "all", "enable.idempotence": "true"},
			TopicConfig:       map[string]string{"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
			ReplicationFactor: 3,
		}}
	}
	for _, tc := range []struct {
		name string
		edit func(r *stats.Result)
		want []string // substrings, one per expected promise broken
	}{
		{"clean durable point", func(r *stats.Result) {}, nil},
		{"loss at the top of the ladder", func(r *stats.Result) { r.Audit.Lost = new(int64(3)) }, []string{"3 acknowledged records lost"}},
		{"duplicates with idempotence", func(r *stats.Result) { r.Audit.Duplicates = 2 }, []string{"2 duplicate records"}},
		{"reordering with idempotence", func(r *stats.Result) { r.Audit.OutOfOrder = 1 }, []string{"1 records out of order"}},
		{"loss at acks=1 is a measurement", func(r *stats.Result) {
			r.Effective.ProducerConfig = map[string]string{"acks": "1"}
			r.Audit.Lost, r.Audit.Duplicates = new(int64(50)), 4
		}, nil},
		{"loss to an all-broker power loss is a measurement", func(r *stats.Result) {
			r.Faults = &stats.FaultReport{Events: []stats.FaultEvent{{Step: "inject", Operation: "power-loss", NodeID: -1, NodeIDs: []int{1, 2, 3}}}}
			r.Audit.Lost = new(int64(3891))
		}, nil},
		{"loss to a single-broker power loss breaks the promise", func(r *stats.Result) {
			r.Faults = &stats.FaultReport{Events: []stats.FaultEvent{{Step: "inject", Operation: "power-loss", NodeID: 1, NodeIDs: []int{1}}}}
			r.Audit.Lost = new(int64(2))
		}, []string{"2 acknowledged records lost"}},
		{"a failed all-broker power loss leaves the promise", func(r *stats.Result) {
			r.Faults = &stats.FaultReport{Events: []stats.FaultEvent{{Step: "inject", Operation: "power-loss", NodeID: -1, NodeIDs: []int{1, 2, 3}, Error: "broker 2 is already down"}}}
			r.Audit.Lost = new(int64(2))
		}, []string{"2 acknowledged records lost"}},
		{"loss with min ISR 1 promises nothing", func(r *stats.Result) {
			r.Effective.TopicConfig["min.insync.replicas"] = "1"
			r.Audit.Lost = new(int64(5))
		}, nil},
		{"loss with unclean election on promises nothing", func(r *stats.Result) {
			r.Effective.TopicConfig["unclean.leader.election.enable"] = "true"
			r.Audit.Lost = new(int64(5))
		}, nil},
		{"loss with RF 2 promises nothing", func(r *stats.Result) {
			r.Effective.ReplicationFactor = 2
			r.Audit.Lost = new(int64(5))
		}, nil},
		{"an incomplete point is not judged", func(r *stats.Result) {
			r.Status = stats.StatusIncomplete
			r.Audit.Lost = new(int64(5))
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := durable()
			tc.edit(r)
			got := BrokenPromises(r)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %d broken promises", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("promise %d: %q lacks %q", i, got[i], w)
				}
			}
		})
	}
}

// TestUnknownLossIsNoPromiseKept: a point whose verification read did not complete has an
// unknown loss; its promise is neither broken (no exit 4) nor kept (listed as not verified).
func TestUnknownLossIsNoPromiseKept(t *testing.T) {
	r := &stats.Result{Status: stats.StatusIncomplete, Point: profiles.Point{ID: "durable", Label: "durable"}, Effective: stats.EffectiveSettings{
		ProducerConfig:    map[string]string{"acks": "all", "enable.idempotence": "true"},
		TopicConfig:       map[string]string{"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
		ReplicationFactor: 3,
	}}
	r.Audit = stats.Audit{Sent: 100000, Acked: 99000, Consumed: 40000, VerificationRead: &stats.VerificationRead{
		Stopped: "interrupted", Attempts: 1, RecordsRead: 40000, OffsetsRead: 41000, OffsetsToRead: 100000, AckedNotReadBack: 58102}}
	for _, status := range []stats.Status{stats.StatusIncomplete, stats.StatusOK} {
		r.Status = status
		if b := BrokenPromises(r); len(b) != 0 {
			t.Errorf("status %s: broken promises %v from an unknown loss", status, b)
		}
		if u := UnverifiedPromises(r); len(u) != 1 || !strings.Contains(u[0], "durability not verified") {
			t.Errorf("status %s: unverified promises %v, want the point listed", status, u)
		}
	}
	r.Audit.Lost, r.Audit.VerificationRead = new(int64(0)), &stats.VerificationRead{Complete: true, Attempts: 1}
	if u := UnverifiedPromises(r); len(u) != 0 || !r.Audit.NoneLost() {
		t.Errorf("a complete read: unverified %v, none lost %v", u, r.Audit.NoneLost())
	}
}
