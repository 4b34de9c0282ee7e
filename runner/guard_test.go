package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
