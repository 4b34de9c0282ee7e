package profiles

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEnqueueToSocket(t *testing.T) {
	tests := []struct {
		cfg  map[string]string
		want bool
	}{
		{map[string]string{"acks": "0"}, true},
		{map[string]string{"request.required.acks": "0"}, true},
		{map[string]string{"acks": "all"}, false},
		{map[string]string{"acks": "0", "enable.idempotence": "true"}, false},
		{map[string]string{}, false},
	}
	for _, tt := range tests {
		if got := EnqueueToSocket(tt.cfg); got != tt.want {
			t.Errorf("EnqueueToSocket(%v) = %v, want %v", tt.cfg, got, tt.want)
		}
	}
}

// TestRegistryMatchesResultFiles checks the registry's JSON names against the result file format
// (Settings' JSON tags) and its places and Kafka names against where the config methods put each
// setting, so a chart or report that names a setting from the registry names what was applied.
func TestRegistryMatchesResultFiles(t *testing.T) {
	reg := Registry()
	if len(reg) != 22 {
		t.Fatalf("registry has %d settings, want the 22 sweepable ones", len(reg))
	}
	// The transaction knobs are applied by the runner per producer instance (a transactional.id
	// each, the grouping into transactions), not as one client property of the point.
	runnerApplied := map[string]bool{"transactional": true, "transaction.records": true, "transaction.ms": true, "transaction.abort.ratio": true, "pipeline": true}
	for _, k := range settingKeys {
		var s Settings
		v := map[valueKind]string{kindInt: "5", kindBool: "true", kindAcks: "1", kindCommit: "auto",
			kindIsolation: "read_committed", kindRatio: "0.5", kindClient: "franz-go", kindPipeline: "copy"}[k.kind]
		k.set(&s, v)
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		if _, ok := raw[k.JSON]; !ok || len(raw) != 1 {
			t.Errorf("%s: registry JSON name %q, result file writes %v", k.YAML, k.JSON, raw)
		}
		if got := s.ByJSON(); len(got) != 1 || got[k.JSON] != v {
			t.Errorf("%s: ByJSON = %v, want %s=%s", k.YAML, got, k.JSON, v)
		}
		if back, ok := SettingByJSON(k.JSON); !ok || back != k.Setting {
			t.Errorf("SettingByJSON(%q) = %v, %v", k.JSON, back, ok)
		}
		if runnerApplied[k.YAML] {
			continue
		}
		p := Point{Settings: s}
		places := map[Place]map[string]string{PlaceProducer: p.ProducerConfig(), PlaceConsumer: p.ConsumerConfig(),
			PlaceTopic: p.TopicConfig(), PlaceBrokerDynamic: p.BrokerDynamicConfig(), PlaceBrokerStatic: p.BrokerStaticConfig()}
		for place, cfg := range places {
			_, set := cfg[k.Kafka]
			if want := place == k.Place && k.Kafka != ""; set != want {
				t.Errorf("%s: %s config has %s: %v, registry says place %s", k.YAML, place, k.Kafka, set, k.Place)
			}
		}
		if k.Place == PlaceFault {
			if k.Kafka != "" || p.Settings.PowerLossBrokers == nil || *p.Settings.PowerLossBrokers != 5 {
				t.Errorf("%s: a fault-schedule setting, want no Kafka property and the point's power-loss scope", k.YAML)
			}
		} else if k.Kafka == "" && k.Place != PlaceClient && (k.Place != PlaceTopic || p.TopicReplicationFactor() != 5) {
			t.Errorf("%s: no Kafka property, want the topic's creation argument", k.YAML)
		}
	}
	for _, s := range reg {
		if want := s.YAML == "linger.ms" || s.YAML == "max.in.flight.requests.per.connection" ||
			s.YAML == "transaction.records" || s.YAML == "transaction.ms"; (s.Kind == Performance) != want {
			t.Errorf("%s is %s", s.YAML, s.Kind)
		}
	}
}

func TestKafkaNames(t *testing.T) {
	if got := strings.Join(KafkaNames(PlaceTopic), " "); got != "min.insync.replicas unclean.leader.election.enable flush.messages flush.ms" {
		t.Errorf("topic settings %q", got)
	}
	if got := strings.Join(KafkaNames(PlaceBrokerStatic), " "); got != FlushSchedulerKey {
		t.Errorf("static broker settings %q", got)
	}
}
