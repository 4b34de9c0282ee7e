package profiles

import (
	"strings"
	"testing"
)

// TestClientSweep checks that client is a sweep setting like any other (one sweep compares the
// clients at the same settings) and which client each of a point's clients then uses.
func TestClientSweep(t *testing.T) {
	pts, _ := mustPoints(t, header+"sweep:\n  matrix:\n    client: [librdkafka, franz-go]\n  points:\n    - acks: all\n")
	if got := strings.Join(ids(pts), " "); got != "acks-all_client-franz-go acks-all_client-librdkafka" {
		t.Fatalf("ids %q", got)
	}
	for i, want := range []Client{ClientFranzGo, ClientLibrdkafka} {
		p := pts[i]
		if p.ProducerClient() != want || p.MeasuringConsumerClient() != want || p.VerifyClient() != DefaultReaderClient {
			t.Errorf("%s: producers %s, consumers %s, verification read %s; want %s, %s, %s",
				p.ID, p.ProducerClient(), p.MeasuringConsumerClient(), p.VerifyClient(), want, want, DefaultReaderClient)
		}
		if !strings.Contains(p.Label, "client="+string(want)) {
			t.Errorf("label %q does not name the client", p.Label)
		}
	}
}

func TestClientDefaults(t *testing.T) {
	tests := []struct {
		name, yaml                  string
		producers, consumers, reads Client
	}{
		{"nothing set", header + "sweep:\n  points:\n    - acks: all\n", ClientLibrdkafka, ClientLibrdkafka, ClientFranzGo},
		{"backlog reads with the reader default", strings.Replace(header, "  rate: 100\n", "  rate: 100\n  consume.mode: backlog\n", 1) + "sweep:\n  points:\n    - acks: all\n",
			ClientLibrdkafka, ClientFranzGo, ClientFranzGo},
		{"consumer.client wins everywhere", strings.Replace(header, "  rate: 100\n", "  rate: 100\n  consume.mode: backlog\n  consumer.client: librdkafka\n", 1) + "sweep:\n  points:\n    - client: franz-go\n",
			ClientFranzGo, ClientLibrdkafka, ClientLibrdkafka},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts, _ := mustPoints(t, tt.yaml)
			p := pts[0]
			if p.ProducerClient() != tt.producers || p.MeasuringConsumerClient() != tt.consumers || p.VerifyClient() != tt.reads {
				t.Errorf("producers %s, consumers %s, reads %s; want %s, %s, %s", p.ProducerClient(), p.MeasuringConsumerClient(), p.VerifyClient(),
					tt.producers, tt.consumers, tt.reads)
			}
		})
	}
}

// TestClientPropertyRefused checks that a property the point's client cannot honour is refused at
// its own line, with the reason, and only for the points that use that client.
func TestClientPropertyRefused(t *testing.T) {
	prof := func(client string) string {
		return header + "  producer:\n    queue.buffering.backpressure.threshold: 2\nsweep:\n  points:\n    - client: " + client + "\n"
	}
	if _, err := mustParse(t, prof("librdkafka")).Points(); err != nil {
		t.Fatalf("librdkafka takes its own property: %v", err)
	}
	_, err := mustParse(t, prof("franz-go")).Points()
	if err == nil {
		t.Fatal("franz-go point with a librdkafka-only property accepted")
	}
	want := "t.yaml:13: workload.producer.queue.buffering.backpressure.threshold: franz-go cannot honour queue.buffering.backpressure.threshold: "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "client=franz-go (line 16)") {
		t.Errorf("error\n%v\nwant it to start %q and name the client's line", err, want)
	}
}

func mustParse(t *testing.T, yaml string) *Profile {
	t.Helper()
	p, err := Parse("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}
