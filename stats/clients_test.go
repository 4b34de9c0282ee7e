package stats

import (
	"testing"

	"github.com/kbench/kbench/profiles"
)

// TestClientSummary: a reader sees which client measured a point; a file from before kbench had
// a second client was measured by librdkafka; a point that failed before choosing is unknown.
func TestClientSummary(t *testing.T) {
	lib := &ClientLibrary{Name: "librdkafka", Version: "2.11.1"}
	franz := &ClientLibrary{Name: "franz-go", Version: "v1.20.0"}
	franzSet := profiles.ClientFranzGo
	tests := []struct {
		name          string
		r             Result
		summary, full string
	}{
		{"one library", Result{Effective: EffectiveSettings{ProducerClient: franz, ConsumerClient: franz, VerifyClient: franz}}, "franz-go", "franz-go v1.20.0"},
		{"mixed", Result{Effective: EffectiveSettings{ProducerClient: lib, ConsumerClient: lib, VerifyClient: franz}},
			"librdkafka", "producers librdkafka 2.11.1, consumers librdkafka 2.11.1, verification read franz-go v1.20.0"},
		{"no consumers", Result{Effective: EffectiveSettings{ProducerClient: lib, VerifyClient: franz}}, "librdkafka",
			"producers librdkafka 2.11.1, verification read franz-go v1.20.0"},
		{"consumers differ", Result{Effective: EffectiveSettings{ProducerClient: lib, ConsumerClient: franz, VerifyClient: franz}},
			"producers librdkafka, consumers franz-go", "producers librdkafka 2.11.1, consumers franz-go v1.20.0, verification read franz-go v1.20.0"},
		{"old file", Result{Status: StatusOK, Environment: Environment{LibrdkafkaVersion: "2.10.0"}}, "librdkafka", "librdkafka 2.10.0"},
		{"failed before choosing", Result{Status: StatusFailed}, "", ""},
		{"chose a client, none recorded", Result{Status: StatusOK, Point: profiles.Point{Settings: profiles.Settings{Client: &franzSet}}}, "", ""},
	}
	for _, tt := range tests {
		if got, full := tt.r.ClientSummary(), tt.r.ClientDetail(); got != tt.summary || full != tt.full {
			t.Errorf("%s: %q / %q, want %q / %q", tt.name, got, full, tt.summary, tt.full)
		}
	}
}
