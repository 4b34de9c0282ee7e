package stats

import (
	"strings"
	"testing"
)

func TestBrokenPromises(t *testing.T) {
	durable := func() *Result {
		return &Result{Status: StatusOK, Effective: EffectiveSettings{
			ProducerConfig:    map[string]string{"acks": "all", "enable.idempotence": "true"},
			TopicConfig:       map[string]string{"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
			ReplicationFactor: 3,
		}}
	}
	for _, tc := range []struct {
		name string
		edit func(r *Result)
		want []string // substrings, one per expected promise broken
	}{
		{"clean durable point", func(r *Result) {}, nil},
		{"loss at the top of the ladder", func(r *Result) { r.Audit.Lost = new(int64(3)) }, []string{"3 acknowledged records lost"}},
		{"duplicates with idempotence", func(r *Result) { r.Audit.Duplicates = 2 }, []string{"2 duplicate records"}},
		{"reordering with idempotence", func(r *Result) { r.Audit.OutOfOrder = 1 }, []string{"1 records out of order"}},
		{"loss at acks=1 is a measurement", func(r *Result) {
			r.Effective.ProducerConfig = map[string]string{"acks": "1"}
			r.Audit.Lost, r.Audit.Duplicates = new(int64(50)), 4
		}, nil},
		{"loss with min ISR 1 promises nothing", func(r *Result) {
			r.Effective.TopicConfig["min.insync.replicas"] = "1"
			r.Audit.Lost = new(int64(5))
		}, nil},
		{"loss with unclean election on promises nothing", func(r *Result) {
			r.Effective.TopicConfig["unclean.leader.election.enable"] = "true"
			r.Audit.Lost = new(int64(5))
		}, nil},
		{"loss with RF 2 promises nothing", func(r *Result) {
			r.Effective.ReplicationFactor = 2
			r.Audit.Lost = new(int64(5))
		}, nil},
		{"an incomplete point is not judged", func(r *Result) {
			r.Status = StatusIncomplete
			r.Audit.Lost = new(int64(5))
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := durable()
			tc.edit(r)
			got := r.BrokenPromises()
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
