package kafkaconf

import (
	"strings"
	"testing"
)

// TestFranzGoProperty: the table's answer for a mapped, a runner-owned, a refused and an unknown
// property: ok with how it maps or why it is harmless, not ok with the reason.
func TestFranzGoProperty(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
		has  string
	}{
		{"linger.ms", true, "kgo.ProducerLinger"},
		{"enable.idempotence", true, "DisableIdempotentWrite"},
		{"go.delivery.report.fields", true, "runner-owned"},
		{"fetch.queue.backoff.ms", true, "runner-owned"},
		{"batch.num.messages", false, "batch.size"},
		{"ssl.keystore.location", false, "PEM"},
		{"no.such.thing", false, "no franz-go meaning"},
	} {
		reason, ok := FranzGoProperty(c.name)
		if ok != c.ok || !strings.Contains(reason, c.has) {
			t.Errorf("%s: %q %v, want ok=%v and %q in the reason", c.name, reason, ok, c.ok, c.has)
		}
	}
}

// TestCheckFranzGo reports every bad property, each by name.
func TestCheckFranzGo(t *testing.T) {
	err := CheckFranzGo(map[string]string{"linger.ms": "5", "acks": "2", "batch.num.messages": "10", "bogus": "1", "enable.auto.commit": "maybe"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"acks", "batch.num.messages", "bogus", "enable.auto.commit"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "linger.ms") {
		t.Errorf("a good property is named: %v", err)
	}
	if err := CheckFranzGo(map[string]string{"acks": "all", "log_level": "0", "compression.type": "LZ4"}); err != nil {
		t.Errorf("good properties: %v", err)
	}
}
