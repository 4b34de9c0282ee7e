package runner

import (
	"testing"

	"github.com/kbench/kbench/profiles"
)

func TestProducerConfig(t *testing.T) {
	acks := profiles.AcksAll
	p := profiles.Point{
		Settings: profiles.Settings{Acks: &acks},
		Workload: profiles.Workload{ProducerProps: map[string]string{
			"go.delivery.report.fields":  "key,value", // the runner owns this one
			"queue.buffering.max.kbytes": "1024",
		}},
	}
	cfg := producerConfig(plainConnection("127.0.0.1:9092"), p, "kbench-producer-0")
	want := map[string]string{
		"bootstrap.servers":         "127.0.0.1:9092",
		"client.id":                 "kbench-producer-0",
		"go.delivery.report.fields": "key",
		"log_level":                 "0",
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%s = %q, want %q", k, cfg[k], v)
		}
	}
	for k, v := range p.ProducerConfig() {
		if _, owned := runnerProducerProps[k]; owned {
			continue
		}
		if cfg[k] != v {
			t.Errorf("point setting %s = %q lost (got %q)", k, v, cfg[k])
		}
	}
}

func TestConsumerConfig(t *testing.T) {
	cfg := consumerConfig(plainConnection("b:1"), profiles.Point{}, "g1", "c0")
	for k, v := range map[string]string{"bootstrap.servers": "b:1", "group.id": "g1", "auto.offset.reset": "earliest", "enable.partition.eof": "false"} {
		if cfg[k] != v {
			t.Errorf("%s = %q, want %q", k, cfg[k], v)
		}
	}
	v := verifyConsumerConfig(plainConnection("b:1"), "librdkafka", "verify")
	if v["enable.auto.commit"] != "false" || v["isolation.level"] != "read_uncommitted" {
		t.Errorf("verification consumer config %v", v)
	}
}
