package runner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTempFile writes text to a file in a fresh temporary folder and returns its path.
func writeTempFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "client.properties")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

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

// TestProbeUnreachable: a bootstrap server nobody listens on fails within seconds with
// ErrUnreachable, instead of librdkafka's endless retries.
func TestProbeUnreachable(t *testing.T) {
	start := time.Now()
	_, err := probe(plainConnection("127.0.0.1:1"))
	took := time.Since(start)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("error %v, want ErrUnreachable", err)
	}
	if took > probeTimeout+2*time.Second {
		t.Errorf("took %s, more than the %s bound", took, probeTimeout)
	}
	t.Logf("unreachable bootstrap reported after %s: %v", took.Round(time.Millisecond), err)
}
