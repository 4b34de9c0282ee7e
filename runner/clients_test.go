package runner

import (
	"errors"
	"strings"
	"testing"

	"github.com/kbench/kbench/profiles"
)

func clientPoint(client, consumerClient *profiles.Client, backlog bool) profiles.Point {
	p := profiles.Point{ID: "p", Settings: profiles.Settings{Client: client, ConsumerClient: consumerClient}, Workload: profiles.Workload{Consumers: 1}}
	if backlog {
		p.Workload.ConsumeMode = profiles.ConsumeBacklog
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// TestClientsFor checks which library runs a point's producers, consumers and verification read:
// the point's choice, the fast reader by default for what only reads, and librdkafka instead of
// the default (with a note) where the client config has a property the fast reader cannot honour.
func TestClientsFor(t *testing.T) {
	franz, lib := ptr(profiles.ClientFranzGo), ptr(profiles.ClientLibrdkafka)
	keystore := map[string]string{"security.protocol": "ssl", "ssl.keystore.location": "/k.p12"}
	tests := []struct {
		name                     string
		p                        profiles.Point
		props                    map[string]string
		producer, consumer, read string
		note, err                string
	}{
		{name: "defaults", p: clientPoint(nil, nil, false), producer: "librdkafka", consumer: "librdkafka", read: "franz-go"},
		{name: "franz-go point", p: clientPoint(franz, nil, false), producer: "franz-go", consumer: "franz-go", read: "franz-go"},
		{name: "backlog reads fast", p: clientPoint(nil, nil, true), producer: "librdkafka", consumer: "franz-go", read: "franz-go"},
		{name: "consumer.client librdkafka", p: clientPoint(franz, lib, true), producer: "franz-go", consumer: "librdkafka", read: "librdkafka"},
		{name: "default reader gives way", p: clientPoint(nil, nil, true), props: keystore, producer: "librdkafka", consumer: "librdkafka", read: "librdkafka",
			note: "the verification read used librdkafka, not franz-go: franz-go cannot honour ssl.keystore.location"},
		{name: "chosen client refused", p: clientPoint(franz, nil, false), props: keystore, err: "client=franz-go cannot honour ssl.keystore.location"},
		{name: "chosen reader refused", p: clientPoint(nil, franz, false), props: keystore, err: "consumer.client=franz-go cannot honour ssl.keystore.location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session{conn: connection{bootstrap: "b:1", props: tt.props}}
			pc, err := s.clientsFor(tt.p)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrBadPoints) {
					t.Fatalf("err %v, want ErrBadPoints with %q", err, tt.err)
				}
				if cerr := s.checkClients([]profiles.Point{tt.p}); cerr == nil {
					t.Error("checkClients passed a point clientsFor refuses")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := [3]string{pc.producer.Name(), pc.consumer.Name(), pc.verify.Name()}; got != [3]string{tt.producer, tt.consumer, tt.read} {
				t.Errorf("producer, consumer, verification read = %v, want %s %s %s", got, tt.producer, tt.consumer, tt.read)
			}
			if joined := strings.Join(pc.notes, "\n"); (tt.note == "") != (joined == "") || !strings.Contains(joined, tt.note) {
				t.Errorf("notes %q, want %q", joined, tt.note)
			}
		})
	}
}

// TestConfigPerClient checks that the librdkafka-only settings the runner owns go to librdkafka
// clients only: a franz-go client gets the point's settings and nothing it cannot honour.
func TestConfigPerClient(t *testing.T) {
	franz := ptr(profiles.ClientFranzGo)
	p := clientPoint(franz, nil, false)
	pc := producerConfig(plainConnection("b:1"), p, "c")
	cc := consumerConfig(plainConnection("b:1"), p, "g", "c")
	vc := verifyConsumerConfig(plainConnection("b:1"), string(profiles.ClientFranzGo), "v")
	for _, m := range []map[string]string{pc, cc, vc} {
		for k := range m {
			if _, ok := profiles.ClientProperty(profiles.ClientFranzGo, k); !ok {
				t.Errorf("franz-go config has %s, which franz-go cannot honour: %v", k, m)
			}
		}
		for _, k := range []string{"log_level", "go.delivery.report.fields", "fetch.queue.backoff.ms", "enable.partition.eof"} {
			if _, ok := m[k]; ok {
				t.Errorf("franz-go config has librdkafka's %s: %v", k, m)
			}
		}
	}
	if cc["auto.offset.reset"] != "earliest" || cc["group.id"] != "g" {
		t.Errorf("consumer config %v", cc)
	}
}
