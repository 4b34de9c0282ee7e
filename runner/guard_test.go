package runner

import (
	"strings"
	"testing"
)

func TestRedactYAML(t *testing.T) {
	in := "name: x\nworkload:\n  producer.properties:\n    sasl.password: hunter2\n    \"ssl.key.password\": 'pw'\n    linger.ms: 5\n"
	got := redactYAML(in)
	if strings.Contains(got, "hunter2") || strings.Contains(got, "'pw'") {
		t.Errorf("secret left in:\n%s", got)
	}
	if !strings.Contains(got, "    sasl.password: [redacted]") || !strings.Contains(got, "linger.ms: 5") {
		t.Errorf("redacted wrongly:\n%s", got)
	}
}
